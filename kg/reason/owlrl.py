"""The reference reasoner: owlrl's OWL 2 RL closure, of which we keep the useful new triples.

owlrl is a brute-force Python closure — seconds for the four municipalities, hours at national scale —
but it is the reference semantics: tests/reason proves the rules engine (kg/reason/rules.py) gives
exactly the same inferred graph. The sources are never rewritten: we reason over a copy and keep only the
triples that were not stated and that pass `kg.reason.scope.useful()`.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import Graph
from rdflib.term import Node

from kg.namespaces import KK  # noqa: F401 - used by the doctest
from kg.reason.scope import useful

Triple = tuple[Node, Node, Node]


def closure(stated: Iterable[Graph]) -> tuple[set[Triple], set[Triple]]:
    """(the union of `stated`, every triple of owlrl's closure that is not in it), before `useful()`.

    The settings are the ones the build uses: OWL 2 RL without the RDFS closure, axiomatic triples or
    datatype axioms.
    """
    union = Graph()
    for graph in stated:
        for triple in graph:
            union.add(triple)
    expanded = Graph()
    for triple in union:
        expanded.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(expanded)
    stated_set: set[Triple] = set(union)  # type: ignore[arg-type]
    return stated_set, {t for t in expanded if t not in stated_set}  # type: ignore[misc]


def materialise(stated: Iterable[Graph]) -> Graph:
    """The OWL 2 RL entailments of the union of `stated` that are not already stated and are useful.

    >>> from rdflib import OWL, RDF, Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph()
    >>> _ = g.add((KK.hasPart, RDF.type, OWL.TransitiveProperty))
    >>> _ = g.add((ex.a, KK.hasPart, ex.b)); _ = g.add((ex.b, KK.hasPart, ex.c))
    >>> (ex.a, KK.hasPart, ex.c) in materialise([g])
    True
    """
    _, new = closure(stated)
    inferred = Graph()
    for triple in new:
        if useful(triple):
            inferred.add(triple)
    return inferred


__all__ = ["Triple", "closure", "materialise"]
