"""Question → one named query with typed parameters, candidate readings, or a refusal. Never SPARQL.

The words of the question are spotted against the lexicon (one longest-first alternation), SDG codes
are read by pattern (SDG13, 目標13, ゴール13, ターゲット13.3, goal 13), places the graph lacks are caught
by their ending (札幌市, 北海道), and the cue words pick the query. Every parameter value is then
checked by the catalogue's own parameter types (`NamedQuery.bind`), so what reaches the store is
exactly what `keikaku query NAME -p …` would send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.ask.lexicon import Entry, Lexicon, normalise
from kg.ask.words import (
    ACHIEVEMENT_WORDS,
    CROSS_KINDS,
    ENGLISH_STOP,
    INTENT_WORDS,
    NOT_PLACES,
    PREFECTURES,
)  # fmt: skip
from kg.errors import QueryParamError
from kg.queries import NamedQuery

_TARGET = re.compile(r"(?:sdgs?|ターゲット|target|目標)?\s*(?<![\d.])(\d{1,2})\.(\d{1,2}|[a-z])(?![\d])")
_GOAL = re.compile(r"(?:sdgs?|ゴール|目標|goal)\s*(?:第|no\.?|#)?\s*(\d{1,3})(?:\s*番)?(?![\d.])")
_PLACE = re.compile(r"([一-龥ヶ々]{1,6}?)(市|区|町|村)(?![民政役長会議内外立営場街道部域])")
_EN_PLACE = re.compile(r"\b(?:in|of|for|from|at)\s+([A-Z][a-z]{3,})\b")
_ASCII_WORD = re.compile(r"[a-z0-9]")
_QUOTED = re.compile(r"[「『\"]([^」』\"]{1,40})[」』\"]")


@dataclass
class Reading:
    """One way to answer: a named query and its raw parameters, and what it means in words."""

    query: str
    params: dict[str, str]
    understood_ja: str
    understood_en: str
    question: str = ""  # a question that has exactly this reading (for candidate links)


@dataclass
class Understanding:
    """What a question became: `answer` (one reading), `ambiguous` (candidates) or `refused`."""

    status: str
    reading: Reading | None = None
    candidates: list[Reading] = field(default_factory=list)
    reason_ja: str = ""
    reason_en: str = ""
    spotted: list[tuple[str, str, str]] = field(default_factory=list)  # (surface, kind, value)


SUGGESTIONS = (
    "SDG13に貢献する施策は？",
    "鎌倉市で企業と共創する施策",
    "鶴見区の成果指標は達成された？",
    "防災を自治体ごとに比べて",
    "世田谷区の計画の全体像",
    "脱炭素について書かれた施策を探して",
)


def _refuse(ja: str, en: str, spotted: list[tuple[str, str, str]] | None = None) -> Understanding:
    return Understanding("refused", reason_ja=ja, reason_en=en, spotted=spotted or [])


def _municipality_words(lex: Lexicon, slug: str) -> tuple[str, str]:
    return lex.municipality_labels.get(slug, (slug, slug))


def understand(question: str, lex: Lexicon, registry: dict[str, NamedQuery]) -> Understanding:
    """Read one question (Japanese or English)."""
    raw = question.strip()
    if not raw:
        return _refuse("質問が空です。", "The question is empty.")
    if len(raw) > 200:
        return _refuse(
            "質問が長すぎます（200字まで）。", "The question is too long (200 characters at most)."
        )
    text = normalise(raw)
    english = not re.search(r"[぀-ヿ一-鿿]", text)
    # SDG codes first, on the whole text (so that "SDGs 17" is a goal, not the thesaurus word SDGs):
    # targets, then goals; one that does not exist is refused, never guessed
    codes: list[str] = []
    coded = text
    for m in _TARGET.finditer(coded):
        code = f"{int(m.group(1))}.{m.group(2)}"
        if code not in lex.targets:
            return _refuse(
                f"SDG ターゲット {code} はありません（SDG のターゲットは 1.1〜17.19 などです）。",
                f"There is no SDG target {code}.",
            )
        codes.append(code)
        coded = coded[: m.start()] + "　" * (m.end() - m.start()) + coded[m.end() :]
    for m in _GOAL.finditer(coded):
        number = int(m.group(1))
        if str(number) not in lex.goals:
            return _refuse(
                f"SDG {number} という目標はありません（SDG の目標は 1〜17 です）。",
                f"There is no SDG goal {number} (the goals are 1–17).",
            )
        codes.append(str(number))
        coded = coded[: m.start()] + "　" * (m.end() - m.start()) + coded[m.end() :]
    found: list[tuple[int, int, str, Entry]] = []
    for m in lex.pattern.finditer(coded):
        surface = m.group(0)
        if _ASCII_WORD.match(surface) and not _word_bounded(coded, m.start(), m.end()):
            continue
        for entry in lex.words[surface]:
            found.append((m.start(), m.end(), surface, entry))
    masked = coded
    for start, end, _, _ in found:
        masked = masked[:start] + "　" * (end - start) + masked[end:]
    spotted = [(s, e.kind, e.value) for _, _, s, e in found]
    codes += [e.value for _, _, _, e in found if e.kind == "goal"]
    codes = list(dict.fromkeys(codes))

    # places the graph lacks
    for pref in PREFECTURES:
        if pref in masked:
            return _refuse(f"{pref}のデータはありません。", f"There is no data for {pref}.", spotted)
    for m in _PLACE.finditer(masked):
        place = m.group(0)
        if place not in NOT_PLACES and not any(w.endswith(place) for w in NOT_PLACES) and len(place) >= 2:
            return _refuse(f"{place}のデータはありません。", f"There is no data for {place}.", spotted)
    if english:
        for m in _EN_PLACE.finditer(unicode_original(raw)):
            word = m.group(1)
            if word.lower() not in ENGLISH_STOP and not lex.words.get(normalise(word)):
                return _refuse(f"{word} のデータはありません。", f"There is no data for {word}.", spotted)

    municipalities = list(dict.fromkeys(e.value for _, _, _, e in found if e.kind == "municipality"))
    cities = list(dict.fromkeys(e.value for _, _, _, e in found if e.kind == "city"))
    themes = list(dict.fromkeys(e.value for _, _, _, e in found if e.kind == "theme"))
    partners = list(dict.fromkeys(e.value for _, _, _, e in found if e.kind == "partner"))
    terms = [(s, e.value) for _, _, s, e in found if e.kind in ("term", "theme")]
    cues = {name for name, words in INTENT_WORDS.items() if any(w in text for w in words)}
    quoted = _QUOTED.findall(raw)
    if "compare-theme" in cues and not themes:  # 子育て支援の違い: a term that holds a theme's word
        labels = {e.value for entries in lex.words.values() for e in entries if e.kind == "theme"}
        themes = [t for t in sorted(labels, key=len, reverse=True) if any(t in s for s, _ in terms)][:1]

    for city in cities:  # 横浜市 / 大阪市: the graph holds only one of their wards
        wards = [w for w in lex.wards_of.get(city, []) if w in lex.with_plans]
        if wards and not any(w in municipalities for w in wards):
            ja = _municipality_words(lex, city)[0]
            names = "・".join(_municipality_words(lex, w)[0] for w in wards)
            return _refuse(
                f"{ja}全体のデータはありません（{names}の計画があります）。",
                f"There is no data for {ja} as a whole (only {names}).",
                spotted,
            )

    intent = _intent(cues, codes, themes, partners, terms, quoted, municipalities)
    if intent is None:
        return _refuse(
            "質問の意味がわかりませんでした。SDG・テーマ・パートナー・指標・計画の構成・検索語のどれについての"
            "質問か、下の例のように書いてください。",
            "The question was not understood: ask about an SDG, a theme, a partner, indicators, a plan's "
            "outline or a search word, as in the examples.",
            spotted,
        )
    readings = _readings(intent, lex, codes, themes, partners, terms, quoted, municipalities, text)
    checked: list[Reading] = []
    for reading in readings:
        query = registry.get(reading.query)
        if query is None:
            continue
        try:
            query.bind(reading.params)
        except QueryParamError as exc:
            return _refuse(
                f"パラメータが正しくありません: {exc}", f"A parameter is not valid: {exc}", spotted
            )
        checked.append(reading)
    if not checked:
        return _refuse(
            "この質問に答える名前付きクエリがありません。", "No named query answers this.", spotted
        )
    if len(checked) == 1:
        return Understanding("answer", reading=checked[0], spotted=spotted)
    return Understanding(
        "ambiguous",
        candidates=checked,
        spotted=spotted,
        reason_ja="いくつかの読み方ができます。どれを知りたいか選んでください。",
        reason_en="The question can be read in several ways; choose one.",
    )


def unicode_original(raw: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", raw)


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _intent(
    cues: set[str],
    codes: list[str],
    themes: list[str],
    partners: list[str],
    terms: list[tuple[str, str]],
    quoted: list[str],
    municipalities: list[str],
) -> str | None:
    """Which named query: explicit cues first, then the kind of thing the question names."""
    if "search" in cues or quoted:
        return "search" if (terms or quoted or themes) else None
    if "plan-outline" in cues and not codes:
        return "plan-outline" if municipalities else None
    if "cross-plan-links" in cues and not codes:
        return "cross-plan-links"
    if "indicator-status" in cues and not codes and not themes and not partners:
        return "indicator-status"
    if partners:
        return "elements-by-partner"
    if codes:
        return "measures-by-sdg"
    if "sdg-coverage" in cues:
        return "sdg-coverage"
    if themes:
        return "compare-theme" if (not municipalities or "compare-theme" in cues) else "search"
    if terms:
        return "search"
    if "indicator-status" in cues:
        return "indicator-status"
    return None


def _where(lex: Lexicon, municipality: str | None) -> tuple[str, str]:
    if municipality is None:
        n = len(lex.with_plans)
        return f"{n}自治体すべて", f"all {n} municipalities"
    return _municipality_words(lex, municipality)


def _readings(
    intent: str,
    lex: Lexicon,
    codes: list[str],
    themes: list[str],
    partners: list[str],
    terms: list[tuple[str, str]],
    quoted: list[str],
    municipalities: list[str],
    text: str,
) -> list[Reading]:
    places: list[str | None] = list(municipalities) or [None]
    out: list[Reading] = []
    if intent == "measures-by-sdg":
        for code in codes:
            for m in places:
                ja, en = _where(lex, m)
                what = f"SDG ターゲット {code}" if "." in code else f"SDG {code}"
                params = {"sdg": code} | ({"municipality": m} if m else {})
                out.append(
                    Reading(
                        intent,
                        params,
                        f"{what} に貢献する施策・取組を、{ja}から探しました",
                        f"Policies and measures serving {what.replace('ターゲット', 'target')}, in {en}",
                        f"{ja if m else ''}SDG{code}に貢献する施策",
                    )
                )
    elif intent == "sdg-coverage":
        for m in places:
            ja, en = _where(lex, m)
            out.append(
                Reading(
                    intent,
                    {"municipality": m} if m else {},
                    f"SDG の目標ごとの施策・取組の数を、{ja}について数えました",
                    f"The number of policies and measures per SDG goal, for {en}",
                    f"{ja if m else ''}SDGごとの施策の数",
                )
            )
    elif intent == "compare-theme":
        n = len(lex.with_plans)
        for theme in themes:
            out.append(
                Reading(
                    intent,
                    {"theme": theme},
                    f"テーマ「{theme}」の目標・施策を、{n}自治体で比べました",
                    f"Goals and policies on the theme 「{theme}」, compared across {n} municipalities",
                    f"{theme}を自治体ごとに比べて",
                )
            )
    elif intent == "elements-by-partner":
        for partner in partners:
            for m in places:
                ja, en = _where(lex, m)
                params = {"partner": partner} | ({"municipality": m} if m else {})
                out.append(
                    Reading(
                        intent,
                        params,
                        f"「{partner}」と共創する施策・取組を、{ja}から探しました",
                        f"Elements co-created with 「{partner}」, in {en}",
                        f"{ja if m else ''}{partner}と共創する施策",
                    )
                )
    elif intent == "indicator-status":
        status = next(
            (v for w, v in sorted(ACHIEVEMENT_WORDS.items(), key=lambda x: -len(x[0])) if w in text), None
        )
        word = {"met": "達成", "not met": "未達成", "no data": "データなし"}.get(status or "", "")
        note = f"（「{word}」の行が、聞かれた達成状況です）" if word else ""
        for m in places:
            ja, en = _where(lex, m)
            out.append(
                Reading(
                    intent,
                    {"municipality": m} if m else {},
                    f"{ja}の成果指標の目標値・実績・達成状況を一覧にしました{note}",
                    f"Indicators with target, actual and status, for {en}"
                    + (f" (look for 「{status}」)" if status else ""),
                    f"{ja if m else ''}の成果指標の達成状況",
                )
            )
    elif intent == "plan-outline":
        kinds = [w for w in ("計画", "構想", "ビジョン", "方針", "評価", "取組状況") if w in text]
        if "plan" in text:
            kinds.append("計画")
        for m in places:
            plans = lex.plans.get(m or "", [])
            named = [(p, t) for p, t in plans if any(k in t for k in kinds)]
            for path, title in named or plans:
                out.append(
                    Reading(
                        intent,
                        {"plan": path},
                        f"{title}（{_municipality_words(lex, m or '')[0]}）の構成を示しました",
                        f"The outline of {title}",
                        f"{title}の全体像",
                    )
                )
    elif intent == "cross-plan-links":
        kind = next((v for w, v in CROSS_KINDS.items() if w in text), None)
        for m in places:
            ja, en = _where(lex, m)
            params = ({"municipality": m} if m else {}) | ({"kind": kind} if kind else {})
            out.append(
                Reading(
                    intent,
                    params,
                    f"計画間の関係（実施・継承・関連）を、{ja}について探しました",
                    f"Links between plans, for {en}",
                    f"{ja if m else ''}の計画間のつながり",
                )
            )
    elif intent == "search":
        words = quoted or [s for s, _ in terms]
        q = max(words, key=len) if words else themes[0]
        for m in places:
            ja, en = _where(lex, m)
            params = {"q": q} | ({"municipality": m} if m else {})
            out.append(
                Reading(
                    intent,
                    params,
                    f"「{q}」を計画の本文から、{ja}について検索しました",
                    f"Searched the plan texts of {en} for 「{q}」",
                    f"{ja if m else ''}「{q}」を検索",
                )
            )
    return out
