"""What reasoning reads and what it keeps: the input graphs of the build and the `useful()` filter.

Both engines (kg/reason/rules.py and kg/reason/owlrl.py) reason over the same input and publish only
what passes the same filter, which is what makes their results comparable triple for triple.

The input: every graph of the build, but of the UN SDG KOS (≈7,600 triples, mostly multilingual labels
and notes) only its structure — types, skos:broader/narrower, inScheme — which is all our axioms touch.

The filter: an OWL 2 RL closure also produces many axiomatic triples (every IRI `owl:sameAs` itself,
`rdf:type owl:Thing`, facts about the RDF/OWL vocabulary itself, literal-typing triples …). They are true
but carry nothing a user can query for, so `useful()` drops them; what remains is what the data means.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import GRAPH

SDG_STRUCTURE = (RDF.type, SKOS.broader, SKOS.narrower, SKOS.inScheme, SKOS.topConceptOf)
VOCAB_PREFIXES = (str(RDF), str(RDFS), str(OWL), str(XSD), "http://www.w3.org/2004/02/skos/core#")
TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class})
_SCHEMA_PREDICATES = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty, RDFS.domain}
    | {RDFS.range}
)


def sdg_structure(sdg_graph: Graph) -> Graph:
    """The part of the SDG KOS that reasoning needs."""
    out = Graph()
    for predicate in SDG_STRUCTURE:
        for s, o in sdg_graph.subject_objects(predicate):
            out.add((s, predicate, o))
    return out


def reasoner_input(graphs: Mapping[URIRef, Graph]) -> list[Graph]:
    """What the build hands a reasoner: every graph, of the SDG KOS (graph/sdg) only its structure.

    >>> goal = URIRef("http://metadata.un.org/sdg/13")
    >>> sdg = Graph()
    >>> _ = sdg.add((goal, RDF.type, SKOS.Concept)); _ = sdg.add((goal, SKOS.note, Literal("…")))
    >>> [len(g) for g in reasoner_input({GRAPH["sdg"]: sdg})]
    [1]
    """
    stated = [g for iri, g in graphs.items() if iri != GRAPH["sdg"]]
    if GRAPH["sdg"] in graphs:
        stated.append(sdg_structure(graphs[GRAPH["sdg"]]))
    return stated


def useful(triple: tuple[Node, Node, Node]) -> bool:
    """Whether an entailed triple says something about our data (see the module docstring)."""
    s, p, o = triple
    if isinstance(s, Literal | BNode) or isinstance(o, BNode):
        return False
    if str(s).startswith(VOCAB_PREFIXES):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in TRIVIAL_TYPES:
        return False
    if p in (OWL.differentFrom, OWL.AllDifferent):
        return False
    # schema-level entailments (subclass/subproperty closure of the ontology) belong to the ontology
    if p in _SCHEMA_PREDICATES:
        return False
    if p == RDF.type and isinstance(o, URIRef) and str(o).startswith(VOCAB_PREFIXES):
        return False  # e.g. a data IRI typed owl:Thing/rdf:Property by the closure
    return True


__all__ = ["SDG_STRUCTURE", "TRIVIAL_TYPES", "VOCAB_PREFIXES", "reasoner_input", "sdg_structure", "useful"]
