"""The search index as the server uses it: open once per build, run, and fetch what a hit shows.

The index (dist/search/, written by `keikaku build`) gives ranked IRIs, facet counts and the thesaurus
expansions; the store, through the executor, gives labels, notations and texts. Without an index (a
dist/ laid out by hand, as some tests do) `open_search` gives None and the callers fall back to the
`search` named query's CONTAINS text.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from kg.search import SEARCH_DIR, SearchIndex, SearchResult, details
from kg.terms import term_from_sparql_json
from server.execution import run_query

FACET_PARAMS = {
    "municipality": "municipality", "plan": "plan", "level": "cls", "sdg": "sdg", "theme": "theme",
}  # fmt: skip
"""URL parameter → index facet."""

COLUMNS = ["q", "municipality", "plan", "element", "class", "notation", "label", "field", "text", "score",
           "snippet"]  # fmt: skip


@functools.lru_cache(maxsize=4)
def _open(folder: str, stamp: float) -> SearchIndex:
    return SearchIndex.open(Path(folder))


def open_search(dist: Path) -> SearchIndex | None:
    """The index of `dist`, reopened when a new build replaced it; None when there is none."""
    folder = dist / SEARCH_DIR
    meta = folder / "search.json"
    if not meta.is_file():
        return None
    return _open(str(folder), meta.stat().st_mtime)


def selector(executor: Any, settings: Any):  # type: ignore[no-untyped-def]
    """A `select(sparql) -> rows of rdflib terms` over the executor (the store of the server)."""

    def select(sparql: str) -> list[dict[str, Any]]:
        outcome = run_query(executor, settings, sparql, None, "json")
        data = json.loads(outcome.body)
        return [{k: term_from_sparql_json(v) for k, v in row.items()} for row in data["results"]["bindings"]]

    return select


def run(index: SearchIndex, select: Any, q: str, filters: dict[str, str], limit: int, offset: int = 0
        ) -> tuple[SearchResult, list[dict[str, Any]]]:  # fmt: skip
    result = index.search(q, filters=filters, limit=limit, offset=offset)
    return result, details(select, result)


def sparql_json_rows(q: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as SPARQL 1.1 JSON bindings (the `search` named query's answer, ranked)."""
    out = []
    for row in rows:
        b: dict[str, Any] = {"q": {"type": "literal", "value": q}}
        for key in COLUMNS[1:]:
            if row.get(key) in (None, ""):
                continue
            if key in ("municipality", "plan", "element"):
                b[key] = {"type": "uri", "value": row[key]}
            elif key == "score":
                b[key] = {"type": "literal", "value": str(row[key]),
                          "datatype": "http://www.w3.org/2001/XMLSchema#double"}  # fmt: skip
            else:
                b[key] = {"type": "literal", "value": str(row[key])}
        out.append(b)
    return out


def facet_labels(select: Any, result: SearchResult, lang: str) -> dict[str, str]:
    """Labels of the facet values that are IRIs (municipalities, plans, themes), from the store."""
    iris = {v for f in ("municipality", "plan", "theme") for v in result.facets.get(f, {})}
    iris = {i for i in iris if i.startswith("http") and ">" not in i and " " not in i}
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(iris))
    sparql = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
        f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} "
        "{ ?s skos:prefLabel ?l } UNION { ?s rdfs:label ?l } UNION { ?s dct:title ?l } }"
    )
    out: dict[str, str] = {}
    for row in select(sparql):
        label = row["l"]
        if getattr(label, "language", None) == lang or str(row["s"]) not in out:
            out[str(row["s"])] = str(label)
    return out


__all__ = ["COLUMNS", "FACET_PARAMS", "facet_labels", "open_search", "run", "selector", "sparql_json_rows"]
