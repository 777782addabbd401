"""Query syntax, expansion, ranking, facets and snippets.

Syntax: words separated by spaces are ANDed; "a phrase" is one exact term (not expanded); -word excludes
(the element's own label and texts, without expansion).
Each word matches where its Sudachi word keys occur in order (`*_w`) or where its folded characters occur
as a substring (`*_g`, bigram phrase), in the label (boost 3), the body (1) or the attached names (0.5);
a thesaurus expansion of a word counts at half weight beside the word itself.

>>> parse('脱炭素 "地域 防災" -訓練')
[Term(text='脱炭素', phrase=False, exclude=False), Term(text='地域 防災', phrase=True, exclude=False), \
Term(text='訓練', phrase=False, exclude=True)]
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

import tantivy

from kg.search.analysis import bigrams, fold, fold_kana, tokens, words
from kg.search.index import FACETS, GROUPS
from kg.search.thesaurus import Thesaurus

BOOST = {"label": 3.0, "body": 1.0, "names": 0.5}
EXPANSION_WEIGHT = 0.5
_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    exclude: bool = False


def parse(q: str) -> list[Term]:
    """The terms of a query string (full-width spaces and quotes count as spaces and quotes)."""
    q = q.replace("\u3000", " ").replace("\u201c", '"').replace("\u201d", '"').replace("＂", '"')
    out = []
    for m in _TERM.finditer(q):
        if m.group(2) is not None:
            if m.group(2).strip():
                out.append(Term(m.group(2).strip(), True, m.group(1) == "-"))
            continue
        word = m.group(3)
        exclude = word.startswith(("-", "－")) and len(word) > 1
        word = word[1:] if exclude else word
        if word.strip('"'):
            out.append(Term(word.strip('"'), False, exclude))
    return out


@dataclass
class Expansion:
    word: str
    also: list[str]

    def message(self) -> str:
        return f"{self.word} → {'・'.join(self.also)} も検索しました"


@dataclass
class Hit:
    iri: str
    score: float


@dataclass
class SearchResult:
    q: str
    terms: list[Term]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    expansions: list[Expansion] = field(default_factory=list)

    def highlight_terms(self) -> list[str]:
        out = [t.text for t in self.terms if not t.exclude]
        for e in self.expansions:
            out.extend(e.also)
        return out


def _phrase(schema: tantivy.Schema, name: str, toks: list[str]) -> tantivy.Query | None:
    if not toks:
        return None
    if len(toks) == 1:
        return tantivy.Query.term_query(schema, name, toks[0])
    return tantivy.Query.phrase_query(schema, name, toks)


def variant_query(
    schema: tantivy.Schema, text: str, weight: float = 1.0, groups: tuple[str, ...] = GROUPS
) -> tantivy.Query | None:
    """One spelling: its word keys in order, or its characters as a substring, in any of `groups`."""
    w = words(text)
    g = bigrams(text) if len("".join(fold(text).split())) >= 2 else []
    parts = []
    for group in groups:
        for name, toks, extra in ((f"{group}_w", w, 1.0), (f"{group}_g", g, 0.6)):
            q = _phrase(schema, name, toks)
            if q is not None:
                boosted = tantivy.Query.boost_query(q, BOOST[group] * extra * weight)
                parts.append((tantivy.Occur.Should, boosted))
    if not parts:
        return None
    return tantivy.Query.boolean_query(parts)


def build_query(
    schema: tantivy.Schema, terms: list[Term], thesaurus: Thesaurus | None, filters: dict[str, str]
) -> tuple[tantivy.Query | None, list[Expansion]]:
    clauses, expansions = [], []
    for term in terms:
        variants = [(term.text, 1.0)]
        if not term.phrase and not term.exclude and thesaurus is not None:
            also = thesaurus.expand(term.text)
            if also:
                expansions.append(Expansion(term.text, also))
            variants += [(a, EXPANSION_WEIGHT) for a in also]
        # an exclusion looks at the element's own texts, not at the names of its themes and partners
        groups = ("label", "body") if term.exclude else GROUPS
        subs = [q for v, wt in variants if (q := variant_query(schema, v, wt, groups)) is not None]
        if not subs:
            if term.exclude:
                continue
            return None, expansions
        group = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in subs])
        clauses.append((tantivy.Occur.MustNot if term.exclude else tantivy.Occur.Must, group))
    if not any(occ == tantivy.Occur.Must for occ, _ in clauses):
        return None, expansions
    for facet, value in filters.items():
        if value:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, facet, value)))
    return tantivy.Query.boolean_query(clauses), expansions


def search(
    index: tantivy.Index,
    q: str,
    thesaurus: Thesaurus | None = None,
    *,
    filters: dict[str, str] | None = None,
    limit: int = 50,
    offset: int = 0,
    facets: bool = True,
) -> SearchResult:
    """Ranked element IRIs for `q`, with facet counts over every match and the expansions used."""
    terms = parse(q)
    result = SearchResult(q, terms)
    query, result.expansions = build_query(index.schema, terms, thesaurus, dict(filters or {}))
    if query is None:
        return result
    searcher = index.searcher()
    found = searcher.search(query, limit=limit, offset=offset, count=True)
    result.total = found.count or 0
    for score, address in found.hits:
        result.hits.append(Hit(searcher.doc(address)["iri"][0], float(score)))
    if facets and result.total:
        aggs = {f: {"terms": {"field": f, "size": 100}} for f in FACETS}
        raw = searcher.aggregate(query, aggs)
        for f in FACETS:
            buckets = raw.get(f, {}).get("buckets", [])
            result.facets[f] = {b["key"]: int(b["doc_count"]) for b in buckets if b["key"]}
    return result


# -------------------------------------------------------------------------------------- snippets


def _prepared(text: str) -> tuple[str, list[int]]:
    """`text` width-folded character by character, with the index of each output character's origin."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower()
        if n in ("\u3099", "\u309a") and out:
            merged = unicodedata.normalize("NFC", out[-1] + n)
            if len(merged) == 1:
                out[-1] = merged
                continue
        for c in n:
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def _substring_hit(text: str, needles: list[str]) -> bool:
    folded = "".join(fold(text).split())
    return any(n and n in folded for n in ("".join(fold(x).split()) for x in needles))


def match_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Where in `text` (original offsets) a needle occurs: as a folded substring or as its words.

    >>> match_spans("ゴミの減量と子ども", ["ごみ", "子供"])
    [(0, 2), (6, 9)]
    """
    prepared, origin = _prepared(text)
    folded = fold(prepared)
    if len(folded) != len(prepared):  # lines were joined: match on the kana-folded characters only
        folded = fold_kana(prepared)
    spans: list[tuple[int, int]] = []
    keys: set[str] = set()
    for needle in needles:
        n = "".join(fold(needle).split())
        if n:
            for m in re.finditer(re.escape(n), folded):
                spans.append((m.start(), m.end()))
        keys.update(words(needle))
    if keys:
        for t in tokens(text):
            if t.key in keys and t.end <= len(origin):
                spans.append((t.begin, t.end))
    out = []
    for b, e in sorted(set(spans)):
        ob, oe = origin[b], origin[e - 1] + 1
        if out and ob <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], oe))
        else:
            out.append((ob, oe))
    return out


def snippet(text: str, needles: list[str], width: int = 90) -> str:
    """HTML: a window of `text` around its first match, every match in <mark>, everything escaped.

    >>> snippet("家庭の<ごみ>を減らす", ["ゴミ"])
    '家庭の&lt;<mark>ごみ</mark>&gt;を減らす'
    """
    spans = match_spans(text, needles)
    start = 0
    if spans and spans[0][0] > width // 3:
        start = spans[0][0] - width // 3
    end = min(len(text), start + width)
    parts = ["…" if start else ""]
    pos = start
    for b, e in spans:
        if e <= start or b >= end:
            continue
        b, e = max(b, pos), min(e, end)
        parts.append(html.escape(text[pos:b]))
        parts.append(f"<mark>{html.escape(text[b:e])}</mark>")
        pos = e
    parts.append(html.escape(text[pos:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts)


def best_field(texts: dict[str, list[str]], needles: list[str]) -> tuple[str, str]:
    """The field and text a snippet is cut from: the first (label, then body) that matches."""
    for name, values in texts.items():  # a substring first: cheap, and most hits are one
        for value in values:
            if _substring_hit(value, needles):
                return name, value
    for name, values in texts.items():  # then the word keys (子ども for 子供), which need Sudachi
        for value in values:
            if match_spans(value, needles):
                return name, value
    for name, values in texts.items():
        if values:
            return name, values[0]
    return "", ""


__all__ = ["Expansion", "Hit", "SearchResult", "Term", "best_field", "build_query", "match_spans", "parse",
           "search", "snippet", "variant_query"]  # fmt: skip
