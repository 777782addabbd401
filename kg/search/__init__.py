"""Japanese full-text search over the plan elements: analysis, index, query, ranking, facets, snippets.

`keikaku build` writes the index into dist/search/ (`build_index`); the server and the `search` named
query open it with `SearchIndex.open(dist / "search")`. The index gives ranked IRIs and facet counts;
the store gives labels and texts (`details`), so a remote store works from the same index.

>>> from kg.search import parse
>>> [t.text for t in parse("脱炭素 再生可能")]
['脱炭素', '再生可能']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.search.documents import FIELDS
from kg.search.index import THESAURUS_FILE, build_index, open_index
from kg.search.query import Expansion, Hit, SearchResult, Term, best_field, parse, search, snippet
from kg.search.thesaurus import Concept, Thesaurus

SEARCH_DIR = "search"


@dataclass
class SearchIndex:
    """An opened index and the thesaurus written beside it."""

    index: Any
    thesaurus: Thesaurus
    folder: Path

    @classmethod
    def open(cls, folder: Path) -> SearchIndex:
        th = folder / THESAURUS_FILE
        return cls(open_index(folder), Thesaurus.from_json(th) if th.exists() else Thesaurus(), folder)

    @classmethod
    def available(cls, folder: Path) -> bool:
        return (folder / "search.json").is_file()

    def search(self, q: str, **kwargs: Any) -> SearchResult:
        return search(self.index, q, self.thesaurus, **kwargs)


_PROPERTY_FIELDS = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "https://w3id.org/keikaku/def#text": "text",
    "https://w3id.org/keikaku/def#targetState": "targetState",
    "http://purl.org/dc/terms/description": "description",
    "https://w3id.org/keikaku/def#cocreationText": "cocreationText",
    "https://w3id.org/keikaku/def#subtitle": "subtitle",
}
_CLASSES = {f"https://w3id.org/keikaku/def#{c}" for c in ("Vision", "Goal", "Policy", "Measure")}

# Lookups by subject only (VALUES first, one triple pattern): every store answers them from its index.
_ABOUT = "SELECT ?element ?p ?o WHERE { VALUES ?element { %s } ?element ?p ?o }"
_PLANS = "SELECT ?plan ?m WHERE { VALUES ?plan { %s } ?plan kk:issuedBy ?m }"
_EVIDENCE = (
    "SELECT ?element ?text WHERE { VALUES ?element { %s }"
    " ?element kk:sdgAlignment ?a . ?a kk:evidence ?text }"
)


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris if ">" not in i and " " not in i)


def details_query(iris: list[str]) -> tuple[str, str]:
    """The SPARQL that fetches the texts of a page of hits and their evidence quotes (VALUES of IRIs)."""
    from kg.namespaces import sparql_prologue

    head = sparql_prologue() + "\n"
    return head + _ABOUT % _values(iris), head + _EVIDENCE % _values(iris)


def store_select(store: Any) -> Callable[[str], list[dict[str, Any]]]:
    """A kg Store as the `select` that `details` takes."""
    return lambda sparql: store.query(sparql).dicts()


def details(select: Callable[[str], list[dict[str, Any]]], result: SearchResult) -> list[dict[str, Any]]:
    """One row per hit, in rank order: the store's facts beside the index's score and a snippet (HTML).

    `select` runs a SELECT on the store and gives rows as dicts of terms (`store_select(store)`, or the
    server's `PageContext.select`): the index holds IRIs, the store supplies the rest."""
    from kg.namespaces import sparql_prologue

    iris = [h.iri for h in result.hits]
    if not iris:
        return []
    about_q, evidence_q = details_query(iris)
    info: dict[str, dict[str, Any]] = {i: {"texts": {f: [] for f in FIELDS}} for i in iris}
    plans: dict[str, list[dict[str, Any]]] = {}
    for row in select(about_q):
        entry = info.get(str(row["element"]))
        if entry is None:
            continue
        p, o = str(row["p"]), row["o"]
        lang = getattr(o, "language", None)
        if p in _PROPERTY_FIELDS and lang in (None, "", "ja"):
            entry["texts"][_PROPERTY_FIELDS[p]].append(str(o))
        elif p == "https://w3id.org/keikaku/def#inPlan":
            entry["plan"] = str(o)
            plans.setdefault(str(o), []).append(entry)
        elif p == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and str(o) in _CLASSES:
            entry["class"] = str(o).rsplit("#", 1)[-1]
        elif p == "http://www.w3.org/2004/02/skos/core#notation":
            entry["notation"] = str(o)
    if plans:
        for row in select(sparql_prologue() + "\n" + _PLANS % _values(sorted(plans))):
            for entry in plans.get(str(row["plan"]), []):
                entry["municipality"] = str(row["m"])
    for row in select(evidence_q):
        entry = info.get(str(row["element"]))
        if entry is not None:
            entry["texts"]["evidence"].append(str(row["text"]))
    needles = result.highlight_terms()
    rows = []
    for hit in result.hits:
        entry = info[hit.iri]
        texts = entry.pop("texts")
        field, text = best_field(texts, needles)
        rows.append(
            entry
            | {
                "element": hit.iri,
                "label": (texts["label"] or [""])[0],
                "field": field,
                "text": text,
                "snippet": snippet(text, needles),
                "score": round(hit.score, 4),
            }
        )
    return rows


__all__ = [
    "SEARCH_DIR",
    "Concept",
    "Expansion",
    "Hit",
    "SearchIndex",
    "SearchResult",
    "Term",
    "Thesaurus",
    "best_field",
    "build_index",
    "details",
    "details_query",
    "parse",
    "search",
    "snippet",
    "store_select",
]  # fmt: skip
