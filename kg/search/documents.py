"""What is searched: one document per plan element, read from a store with SPARQL.

Every text-bearing literal of an element (its label, `kk:text`, target state, description, 共創 text,
subtitle, the evidence quotes of its SDG alignments and of the statements about it) and the names of
what is attached to it (themes, partners, partner types, the SDG goals and targets it serves) are read
from any `kg.stores.Store` (the build's, the national benchmark's, a remote endpoint's). The facets are
IRIs: municipality, plan, class (level), SDG goal, theme. Reading goes through a store, not rdflib graphs,
so the same code indexes the four municipalities and the synthetic national graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.namespaces import sparql_prologue

LABEL_FIELDS = ("label",)
BODY_FIELDS = ("text", "targetState", "description", "cocreationText", "subtitle", "evidence")
NAME_FIELDS = ("names",)
FIELDS = LABEL_FIELDS + BODY_FIELDS + NAME_FIELDS
"""The fields a hit may come from, in the order a snippet prefers them."""

CLASSES = ("Vision", "Goal", "Policy", "Measure")
_GOAL = re.compile(r"^http://metadata\.un\.org/sdg/(\d{1,2})$")


@dataclass
class Doc:
    """One plan element as the index sees it."""

    iri: str
    plan: str = ""
    municipality: str = ""
    cls: str = ""
    texts: dict[str, list[str]] = field(default_factory=dict)
    sdg_goals: set[str] = field(default_factory=set)
    themes: set[str] = field(default_factory=set)

    def add(self, name: str, text: str) -> None:
        if text and text not in self.texts.setdefault(name, []):
            self.texts[name].append(text)


_ELEMENTS = """
SELECT ?e ?plan ?m ?class WHERE {
  ?e kk:inPlan ?plan ; a ?class . ?plan kk:issuedBy ?m .
  FILTER (?class IN (kk:Vision, kk:Goal, kk:Policy, kk:Measure))
}"""

_TEXTS = """
SELECT ?e ?field ?text WHERE {
  VALUES (?p ?field) {
    (rdfs:label "label") (kk:text "text") (kk:targetState "targetState") (dct:description "description")
    (kk:cocreationText "cocreationText") (kk:subtitle "subtitle")
  }
  ?e kk:inPlan ?plan ; ?p ?text .
  FILTER (isLiteral(?text) && (LANG(?text) = "" || LANGMATCHES(LANG(?text), "ja")))
}"""

_EVIDENCE = """
SELECT ?e ?text WHERE {
  { ?e kk:sdgAlignment ?a . ?a kk:evidence ?text }
  UNION { ?s rdf:subject ?e ; kk:evidence ?text . ?e kk:inPlan ?plan }
}"""

_NAMES = """
SELECT ?e ?kind ?o ?name WHERE {
  VALUES (?p ?kind) {
    (kk:theme "theme") (kk:involvesPartner "partner") (kk:involvesPartnerType "partner")
    (kk:contributesTo "sdg")
  }
  ?e kk:inPlan ?plan ; ?p ?o .
  OPTIONAL {
    { ?o skos:prefLabel ?name } UNION { ?o rdfs:label ?name }
    FILTER (LANGMATCHES(LANG(?name), "ja"))
  }
}"""


def _value(term: Any) -> str:
    return term.value if term is not None else ""


def _select(store: Any, text: str) -> Iterable[Any]:
    """Rows of a SELECT on a pyoxigraph store or a kg Store (whose rows are dicts of rdflib terms)."""
    sparql = sparql_prologue() + text
    if isinstance(store, ox.Store):
        yield from store.query(sparql, use_default_graph_as_union=True)
        return
    for row in store.query(sparql).dicts():
        yield _DictRow(row)


class _DictRow:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def __getitem__(self, key: str) -> Any:
        term = self.row.get(key)
        return None if term is None else _Term(str(term))


class _Term:
    def __init__(self, value: str) -> None:
        self.value = value


def collect(store: Any) -> dict[str, Doc]:
    """Every plan element of `store` with its texts, names and facets, keyed by IRI."""
    docs: dict[str, Doc] = {}
    for row in _select(store, _ELEMENTS):
        iri = _value(row["e"])
        doc = docs.setdefault(iri, Doc(iri, _value(row["plan"]), _value(row["m"])))
        cls = _value(row["class"]).rsplit("#", 1)[-1]
        if cls in CLASSES:
            doc.cls = cls
    for row in _select(store, _TEXTS):
        doc = docs.get(_value(row["e"]))
        if doc is not None:
            doc.add(_value(row["field"]), _value(row["text"]))
    for row in _select(store, _EVIDENCE):
        doc = docs.get(_value(row["e"]))
        if doc is not None:
            doc.add("evidence", _value(row["text"]))
    for row in _select(store, _NAMES):
        doc = docs.get(_value(row["e"]))
        if doc is None:
            continue
        kind, target = _value(row["kind"]), _value(row["o"])
        doc.add("names", _value(row["name"]))
        if kind == "theme":
            doc.themes.add(target)
        elif kind == "sdg" and (m := _GOAL.match(target)):
            doc.sdg_goals.add(m.group(1))
    return docs


__all__ = ["BODY_FIELDS", "CLASSES", "FIELDS", "LABEL_FIELDS", "NAME_FIELDS", "Doc", "collect"]
