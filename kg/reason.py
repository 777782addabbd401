"""Reasoning: OWL 2 RL entailments (owlrl, the reference semantics) into a separate inferred graph.

The sources are never rewritten: we reason over a copy and keep only the triples that were not stated.
owlrl's closure also produces many axiomatic triples (every IRI `owl:sameAs` itself, `rdf:type
owl:Thing`, facts about the RDF/OWL vocabulary itself, literal-typing triples …). They are true but carry
nothing a user can query for, so `useful()` drops them; what remains is what the data means.

The UN SDG KOS is large (≈7,600 triples, mostly multilingual labels and notes); for reasoning we pass only
its structure (types, skos:broader/narrower, inScheme), which is all our axioms touch.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import KK  # noqa: F401 - used by the doctest

SDG_STRUCTURE = (RDF.type, SKOS.broader, SKOS.narrower, SKOS.inScheme, SKOS.topConceptOf)
_VOCAB_PREFIXES = (str(RDF), str(RDFS), str(OWL), str(XSD), "http://www.w3.org/2004/02/skos/core#")
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}


def sdg_structure(sdg_graph: Graph) -> Graph:
    """The part of the SDG KOS that reasoning needs."""
    out = Graph()
    for predicate in SDG_STRUCTURE:
        for s, o in sdg_graph.subject_objects(predicate):
            out.add((s, predicate, o))
    return out


def useful(triple: tuple[Node, Node, Node]) -> bool:
    """Whether an entailed triple says something about our data (see the module docstring)."""
    s, p, o = triple
    if isinstance(s, Literal | BNode) or isinstance(o, BNode):
        return False
    if str(s).startswith(_VOCAB_PREFIXES):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in _TRIVIAL_TYPES:
        return False
    if p in (OWL.differentFrom, OWL.AllDifferent):
        return False
    # schema-level entailments (subclass/subproperty closure of the ontology) belong to the ontology
    if p in (
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        RDFS.domain,
        RDFS.range,
    ):
        return False
    if p == RDF.type and isinstance(o, URIRef) and str(o).startswith(_VOCAB_PREFIXES):
        return False  # e.g. a data IRI typed owl:Thing/rdf:Property by the closure
    return True


def materialise(stated: Iterable[Graph]) -> Graph:
    """Return the OWL 2 RL entailments of the union of `stated` that are not already stated.

    >>> from rdflib import Namespace
    >>> ex = Namespace("http://example.org/")
    >>> g = Graph()
    >>> _ = g.add((KK.hasPart, RDF.type, OWL.TransitiveProperty))
    >>> _ = g.add((ex.a, KK.hasPart, ex.b)); _ = g.add((ex.b, KK.hasPart, ex.c))
    >>> (ex.a, KK.hasPart, ex.c) in materialise([g])
    True
    """
    union = Graph()
    for graph in stated:
        for triple in graph:
            union.add(triple)
    closure = Graph()
    for triple in union:
        closure.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in union and useful(triple):
            inferred.add(triple)
    return inferred
