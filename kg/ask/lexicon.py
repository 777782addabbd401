"""The question lexicon: every word a question may name, read at start-up from the store.

Built from the graph's own labels (municipalities, plans, themes, partner types and named partners, SDG
goals and targets) plus the policy thesaurus published in the graph (`def/thesaurus`), so a server that
reads only the store and `dist/` knows exactly the words its data has. The few words that are not labels
in the graph — the question's own words (施策, 比べて, 達成 …) and the everyday words for a partner type
(民間 → 企業・事業者) — are the curated tables of `kg.ask.words`.

>>> normalise("ＳＤＧ１３に貢献する施策は？")
'sdg13に貢献する施策は?'
>>> normalise("目標十三")
'目標13'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kg.ask.words import GOAL_WORDS, PARTNER_WORDS, THEME_WORDS
from kg.stores import Store

KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"(目標|ゴール|sdgs?|第|ターゲット)\s*([〇一二三四五六七八九十]{1,3})")


def _kanji_int(text: str) -> int:
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (KANJI_DIGITS.get(tens, 1) if tens else 1) * 10 + (KANJI_DIGITS.get(ones, 0) if ones else 0)
    return int("".join(str(KANJI_DIGITS[c]) for c in text))


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits, half-width kana), lower case, kanji numerals after 目標 /
    ゴール / SDG / 第, and one space for any run of white space."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("ー", "ー")
    text = _KANJI_NUMBER.sub(lambda m: m.group(1) + str(_kanji_int(m.group(2))), text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Entry:
    """One lexicon word: what kind of thing it names, and which (the slug, code or label the query takes)."""

    kind: str  # municipality | city | theme | partner | goal | term | plan
    value: str
    label: str  # the graph's Japanese label, for the explanation
    label_en: str = ""


@dataclass
class Lexicon:
    """Surface form (normalised) → entries; plus the SDG codes and the plans of each municipality."""

    words: dict[str, list[Entry]] = field(default_factory=dict)
    goals: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (ja, en)
    targets: set[str] = field(default_factory=set)
    plans: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # municipality → [(path, title)]
    municipality_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    wards_of: dict[str, list[str]] = field(default_factory=dict)  # a city without plans → its wards
    _pattern: re.Pattern[str] | None = None

    def add(self, surface: str, entry: Entry) -> None:
        key = normalise(surface)
        if len(key) < 2 or entry in self.words.get(key, []):
            return
        self.words.setdefault(key, []).append(entry)
        self._pattern = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """One alternation of every surface form, longest first (so 自然環境 wins over 環境)."""
        if self._pattern is None:
            alternatives = sorted(self.words, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(w) for w in alternatives))
        return self._pattern

    @property
    def with_plans(self) -> list[str]:
        return [m for m, plans in self.plans.items() if plans]

    def size(self) -> int:
        return len(self.words)


P = """PREFIX kk: <https://w3id.org/keikaku/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
ID = "https://w3id.org/keikaku/id/"

Q_MUNICIPALITIES = (
    P
    + """SELECT ?m ?ja ?en ?parent WHERE {
  ?m a kk:Municipality ; rdfs:label ?ja . FILTER (LANG(?ja) = "ja")
  OPTIONAL { ?m rdfs:label ?en . FILTER (LANG(?en) = "en") }
  OPTIONAL { ?m kk:partOf|dct:isPartOf ?parent }
}"""
)
Q_PLANS = (
    P
    + """SELECT ?plan ?m ?title (COUNT(?e) AS ?n) WHERE {
  ?plan a kk:Plan ; kk:issuedBy ?m ; dct:title ?title .
  OPTIONAL { ?e kk:inPlan ?plan }
} GROUP BY ?plan ?m ?title ORDER BY ?m ?plan"""
)
Q_SCHEME = (
    P
    + """SELECT ?c ?ja ?en ?scheme WHERE {
  VALUES ?scheme { kk:ThemeScheme kk:PartnerTypeScheme }
  ?c skos:inScheme ?scheme ; skos:prefLabel ?ja . FILTER (LANG(?ja) = "ja")
  OPTIONAL { ?c skos:prefLabel ?en . FILTER (LANG(?en) = "en") }
}"""
)
Q_PARTNERS = (
    P
    + """SELECT DISTINCT ?p ?ja WHERE {
  ?e kk:involvesPartner ?p . ?p rdfs:label ?ja . FILTER (LANG(?ja) = "ja")
}"""
)
Q_SDG = (
    P
    + """SELECT ?s ?code ?ja ?en ?goal WHERE {
  { ?s a sdgo:Goal . BIND (true AS ?goal) } UNION { ?s a sdgo:Target . BIND (false AS ?goal) }
  ?s skos:notation ?code . FILTER (DATATYPE(?code) = sdgo:SDGCodeCompact)
  OPTIONAL { ?s skos:altLabel ?ja . FILTER (LANG(?ja) = "ja") }
  OPTIONAL { ?s skos:altLabel ?en . FILTER (LANG(?en) = "en") }
}"""
)
Q_THESAURUS = (
    P
    + """SELECT ?c ?pref ?label WHERE {
  ?c skos:inScheme <https://w3id.org/keikaku/def/thesaurus> ; skos:prefLabel ?pref ;
     skos:prefLabel|skos:altLabel ?label .
  FILTER (LANG(?pref) = "ja" && LANG(?label) = "ja")
}"""
)


def _short_names(ja: str, parent_ja: str | None) -> list[str]:
    """鎌倉市 → 鎌倉; 大阪市鶴見区 → 鶴見区, 鶴見; 横浜市泉区 → 泉区 (one-character 泉 is not a name)."""
    names = [ja]
    own = ja[len(parent_ja) :] if parent_ja and ja.startswith(parent_ja) else ja
    names.append(own)
    if own[-1:] in "市区町村" and len(own) > 2:
        names.append(own[:-1])
    if parent_ja and parent_ja != ja:
        names.append(parent_ja.removesuffix("市") + own)  # 大阪鶴見区
    return names


def _rows(store: Store, sparql: str) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items() if v is not None} for row in store.query(sparql).dicts()]


def build_lexicon(store: Store) -> Lexicon:
    """Read every name a question may use from the store (a dozen small SELECTs, once at start-up)."""
    lex = Lexicon()
    municipalities = _rows(store, Q_MUNICIPALITIES)
    label_of = {r["m"]: r["ja"] for r in municipalities}
    for row in _rows(store, Q_PLANS):
        slug = row["m"].removeprefix(ID)
        lex.plans.setdefault(slug, [])
        if int(row.get("n", "0")) > 0:
            lex.plans[slug].append((row["plan"].removeprefix(ID), row["title"]))
    for row in municipalities:
        slug = row["m"].removeprefix(ID)
        parent = row.get("parent")
        lex.municipality_labels[slug] = (row["ja"], row.get("en", slug))
        if parent:
            lex.wards_of.setdefault(parent.removeprefix(ID), []).append(slug)
    for row in municipalities:
        slug = row["m"].removeprefix(ID)
        kind = "municipality" if lex.plans.get(slug) else "city"
        entry = Entry(kind, slug, row["ja"], row.get("en", ""))
        parent = row.get("parent")
        for name in _short_names(row["ja"], label_of.get(parent) if parent else None):
            lex.add(name, entry)
        en = row.get("en", "")
        for name in {en, re.sub(r"\s*(City|Ward)(,.*)?$", "", en), slug, slug.split("-")[-1]}:
            if len(name) > 3:
                lex.add(name, entry)
    for row in _rows(store, Q_SCHEME):
        kind = "theme" if row["scheme"].endswith("ThemeScheme") else "partner"
        entry = Entry(kind, row["ja"], row["ja"], row.get("en", ""))
        for name in {row["ja"], *row["ja"].split("・"), row.get("en", "")}:
            if name:
                lex.add(name, entry)
    for row in _rows(store, Q_PARTNERS):
        lex.add(row["ja"], Entry("partner", row["ja"], row["ja"]))
    for row in _rows(store, Q_SDG):
        code = row["code"].lstrip("0") or row["code"]
        if row["goal"] == "true":
            lex.goals[code] = (row.get("ja", ""), row.get("en", ""))
            entry = Entry("goal", code, row.get("ja", ""), row.get("en", ""))
            for name in (row.get("ja", ""), row.get("en", "")):
                if len(name) > 3:
                    lex.add(name, entry)
        else:
            lex.targets.add(code.lower())
    # the thesaurus: a group that holds a theme's or partner type's word names that theme / partner type;
    # any other group is a search term (its prefLabel is what the search is for)
    groups: dict[str, set[str]] = {}
    prefs: dict[str, str] = {}
    for row in _rows(store, Q_THESAURUS):
        groups.setdefault(row["c"], set()).add(row["label"])
        prefs[row["c"]] = row["pref"]
    for concept, labels in groups.items():
        # only a partner type is named through the thesaurus (民間企業 → 企業・事業者); a theme's synonyms
        # stay search terms (カーボンニュートラル is a word to look for, not the theme 環境・脱炭素)
        named = [e for lab in labels for e in lex.words.get(normalise(lab), []) if e.kind == "partner"]
        for lab in labels:
            if named:
                for entry in named[:1]:
                    lex.add(lab, entry)
            elif not any(e.kind == "theme" for e in lex.words.get(normalise(lab), [])):
                lex.add(lab, Entry("term", lab, prefs[concept]))
    for words, kind in ((THEME_WORDS, "theme"), (PARTNER_WORDS, "partner")):
        for word, label in words.items():
            for entry in lex.words.get(normalise(label), []):
                if entry.kind == kind:
                    lex.add(word, entry)
    for word, code in GOAL_WORDS.items():
        if code in lex.goals:
            lex.add(word, Entry("goal", code, *lex.goals[code]))
    _ = lex.pattern  # compiled now, at start-up, not at the first question
    return lex
