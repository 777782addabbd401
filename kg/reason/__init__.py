"""Reasoning: the OWL 2 RL entailments of the stated graphs, into a separate inferred graph.

One call, two engines behind it:

- ``"rules"`` (default, kg/reason/rules.py): the OWL 2 RL rules our ontology uses, evaluated as SPARQL
  updates in pyoxigraph to a fixpoint — fast enough for every municipality of Japan. It refuses
  (`UnsupportedAxiom`) an axiom whose rules it does not implement rather than derive less.
- ``"owlrl"`` (kg/reason/owlrl.py): owlrl's closure, the reference semantics.

Both read the same input (`reasoner_input`) and keep only what passes the same filter
(kg/reason/scope.py), so tests/reason can prove they give the same inferred graph.

>>> from rdflib import OWL, RDF, Graph, Namespace
>>> from kg.namespaces import KK
>>> ex = Namespace("http://example.org/")
>>> g = Graph()
>>> _ = g.add((KK.hasPart, RDF.type, OWL.TransitiveProperty))
>>> _ = g.add((ex.a, KK.hasPart, ex.b)); _ = g.add((ex.b, KK.hasPart, ex.c))
>>> set(materialise([g])) == set(materialise([g], engine="owlrl")) == {(ex.a, KK.hasPart, ex.c)}
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rdflib import Graph

from kg.errors import KgError
from kg.reason import owlrl, rules
from kg.reason.rules import UnsupportedAxiom
from kg.reason.scope import SDG_STRUCTURE, reasoner_input, sdg_structure, useful

Engine = Literal["rules", "owlrl"]
ENGINES: tuple[str, ...] = ("rules", "owlrl")


def materialise(stated: Iterable[Graph], engine: Engine | str = "rules") -> Graph:
    """The useful OWL 2 RL entailments of the union of `stated` that are not already stated.

    Args:
        stated: the graphs to reason over (the build passes `reasoner_input(graphs)`).
        engine: ``"rules"`` (pyoxigraph, the default) or ``"owlrl"`` (the reference).

    Raises:
        KgError: for an unknown engine; `UnsupportedAxiom` (a KgError) when the rules engine meets an
            axiom it does not implement.
    """
    if engine == "rules":
        return rules.materialise(stated)
    if engine == "owlrl":
        return owlrl.materialise(stated)
    raise KgError(f"unknown reasoner engine {engine!r}: use one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "SDG_STRUCTURE",
    "Engine",
    "UnsupportedAxiom",
    "materialise",
    "reasoner_input",
    "sdg_structure",
    "useful",
]
