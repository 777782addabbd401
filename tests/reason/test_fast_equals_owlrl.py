"""The rules engine (kg.reason.rules) computes exactly what owlrl (kg.reason.owlrl, the reference) computes.

What "exactly" means. owlrl returns the OWL 2 RL closure; kg.reason.owlrl.materialise keeps the closure's
triples that were not stated and pass `kg.reason.useful()` (it drops the axiomatic noise of the closure:
``x owl:sameAs x``, ``x a owl:Thing``, schema-level closure, triples about the RDF/RDFS/OWL/XSD/SKOS
vocabularies, triples with a literal or blank-node subject or a blank-node object). The fast reasoner
promises:

1. equality of the published result: ``materialise(g, engine="rules")`` equals
   ``materialise(g, engine="owlrl")`` as sets of triples — on the real data, and on a synthetic
   national-shaped graph where every rule fires (wards with kk:partOf, an owl:sameAs alias for every
   municipality, indicators, chains, …);
2. soundness and completeness modulo `useful()`: every raw entailment of the fast reasoner is in owlrl's
   closure, and every triple of owlrl's closure that the fast reasoner does not derive is one that
   `useful()` drops;
3. the store-level path (`materialise_dataset`, used at national scale) gives the same result as 1.

On failure the difference is printed by predicate, a few triples each, in N-Triples.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from kg import reason
from kg.namespaces import GRAPH, KK, ORG, SDG
from kg.reason import owlrl as reference
from kg.reason import rules
from kg.terms import to_oxigraph, to_rdflib

EX = Namespace("http://example.org/")
Triple = tuple


def show_diff(only_owlrl: set[Triple], only_fast: set[Triple], limit: int = 8) -> str:
    """A readable account of two sets of triples that should be equal."""
    lines = []
    for name, triples in (("only in owlrl", only_owlrl), ("only in fast", only_fast)):
        if not triples:
            continue
        by_predicate = Counter(str(p) for _, p, _ in triples)
        lines.append(
            f"{name}: {len(triples)} triples — "
            + ", ".join(f"{p} ×{n}" for p, n in by_predicate.most_common())
        )
        for s, p, o in sorted(triples, key=lambda t: tuple(map(str, t)))[:limit]:
            lines.append(f"    {s.n3()} {p.n3()} {o.n3()} .")
    return "\n".join(lines)


def assert_same(owlrl_result: Graph | set[Triple], fast_result: Graph | set[Triple]) -> None:
    a, b = set(owlrl_result), set(fast_result)
    assert a == b, "\n" + show_diff(a - b, b - a)


def owlrl_closure(stated: list[Graph]) -> tuple[set[Triple], set[Triple]]:
    """(stated union, owlrl's new triples) with the settings of the reference engine."""
    return reference.closure(stated)


def fast_raw(stated: list[Graph]) -> set[Triple]:
    """Every entailment the fast reasoner derives, before `useful()`."""
    reasoner = rules.FastReasoner()
    for graph in stated:
        reasoner.add_graph(graph)
    reasoner.run()
    return {
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in reasoner.store.quads_for_pattern(None, None, None, rules.INFERRED)
    }


@pytest.fixture(scope="module")
def synthetic_owlrl(synthetic_input: list[Graph]) -> tuple[set[Triple], set[Triple]]:
    return owlrl_closure(synthetic_input)


# ---- 1. equality of the published result ------------------------------------------------------------


@pytest.mark.slow  # the reference engine on the real data
def test_fast_equals_owlrl_on_the_real_data(real_input: list[Graph]) -> None:
    expected = reason.materialise(real_input, engine="owlrl")
    got = rules.materialise(real_input)
    assert_same(expected, got)
    # the real data exercises the hierarchy closure and the SDG property chains
    predicates = Counter(p for _, p, _ in got)
    assert predicates[KK.hasPart] and predicates[KK.isPartOf] and predicates[KK.contributesTo]


@pytest.mark.slow  # the reference engine on the real data
def test_fast_equals_owlrl_on_the_synthetic_national_shape(
    synthetic_input: list[Graph], synthetic_owlrl: tuple[set[Triple], set[Triple]]
) -> None:
    _, owlrl_new = synthetic_owlrl
    expected = {t for t in owlrl_new if reason.useful(t)}
    got = rules.materialise(synthetic_input)
    assert_same(expected, got)
    predicates = Counter(p for _, p, _ in got)
    for predicate in (KK.hasPart, KK.isPartOf, KK.contributesTo, ORG.subOrganizationOf, OWL.sameAs, RDF.type):
        assert predicates[predicate], f"no {predicate} entailed: the synthetic graph no longer exercises it"
    # goal-level contributions through skos:broader, and rewriting through owl:sameAs
    assert any(
        str(o).startswith(str(SDG)) and "." not in str(o)[len(str(SDG)) :]
        for _, p, o in got
        if p == KK.contributesTo
    )
    assert any(p == KK.issuedBy and str(o).startswith("http://data.e-stat.go.jp/") for _, p, o in got)


# ---- 2. soundness and completeness modulo useful() ---------------------------------------------------


def test_raw_entailments_are_sound_and_complete_modulo_useful(
    synthetic_input: list[Graph], synthetic_owlrl: tuple[set[Triple], set[Triple]]
) -> None:
    stated, owlrl_new = synthetic_owlrl
    raw = fast_raw(synthetic_input)
    unsound = raw - owlrl_new - stated
    assert not unsound, "fast derives what owlrl does not:\n" + show_diff(set(), unsound)
    assert not raw & stated, "fast reports stated triples as entailed"
    missed = {t for t in owlrl_new - raw if reason.useful(t)}
    assert not missed, "owlrl derives useful triples that fast does not:\n" + show_diff(missed, set())


# ---- 3. the store-level path ------------------------------------------------------------------------


def test_materialise_dataset_in_a_store_equals_owlrl(
    synthetic_nquads: Path, synthetic_owlrl: tuple[set[Triple], set[Triple]]
) -> None:
    store = ox.Store()
    store.bulk_load(path=str(synthetic_nquads), format=ox.RdfFormat.N_QUADS)
    before = {str(g) for g in store.named_graphs()}
    stats = rules.materialise_dataset(store, target=str(GRAPH["inferred"]), sdg_graph=str(GRAPH["sdg"]))
    got = {
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH["inferred"])))
    }
    _, owlrl_new = synthetic_owlrl
    assert_same({t for t in owlrl_new if reason.useful(t)}, got)
    assert stats.useful == len(got)
    # the working graphs are gone, the input graphs untouched
    assert {str(g) for g in store.named_graphs()} == before | {f"<{GRAPH['inferred']}>"}


# ---- the axioms come from the graph -----------------------------------------------------------------


def custom_ontology() -> Graph:
    """Every supported construct on made-up names, and an axiom that is itself entailed."""
    g = Graph()
    g.add((EX.ancestor, RDF.type, OWL.TransitiveProperty))
    g.add((EX.parent, RDFS.subPropertyOf, EX.ancestor))
    g.add((EX.child, OWL.inverseOf, EX.parent))
    g.add((EX.sibling, RDF.type, OWL.SymmetricProperty))
    g.add((EX.kin, OWL.equivalentProperty, EX.relative))
    g.add((EX.sibling, RDFS.subPropertyOf, EX.kin))
    chain = BNode()
    Collection(g, chain, [EX.parent, EX.sibling, EX.child])
    g.add((EX.cousinish, OWL.propertyChainAxiom, chain))
    g.add((EX.parent, RDFS.domain, EX.Person))
    g.add((EX.parent, RDFS.range, EX.Person))
    g.add((EX.Person, RDFS.subClassOf, EX.Agent))
    g.add((EX.Agent, OWL.equivalentClass, EX.Actor))
    g.add((EX.kindOf, RDFS.subPropertyOf, RDFS.subClassOf))  # makes new schema triples
    g.add((EX.Robot, EX.kindOf, EX.Machine))
    data = [
        (EX.a, EX.parent, EX.b), (EX.b, EX.parent, EX.c), (EX.c, EX.parent, EX.d),
        (EX.b, EX.sibling, EX.e), (EX.f, EX.parent, EX.e), (EX.r2d2, RDF.type, EX.Robot),
        (EX.a, OWL.sameAs, EX.alpha), (EX.alpha, OWL.sameAs, EX.aleph), (EX.a, EX.name, Literal("A")),
        (EX.relative, OWL.sameAs, EX.relation),
    ]  # fmt: skip
    for triple in data:
        g.add(triple)
    return g


def test_axioms_are_read_from_the_graph_not_hard_coded() -> None:
    graph = custom_ontology()
    expected = reason.materialise([graph], engine="owlrl")
    got = rules.materialise([graph])
    assert_same(expected, got)
    for triple in (
        (EX.a, EX.ancestor, EX.d),  # spo1 + trp
        (EX.d, EX.child, EX.c),  # inverse
        (EX.e, EX.sibling, EX.b),  # symmetric
        (EX.a, EX.cousinish, EX.f),  # chain of three
        (EX.e, EX.relative, EX.b),  # equivalent property
        (EX.a, RDF.type, EX.Actor),  # domain, subclass, equivalent class
        (EX.r2d2, RDF.type, EX.Machine),  # an entailed subClassOf axiom
        (EX.aleph, EX.name, Literal("A")),  # sameAs replacement
        (EX.e, EX.relation, EX.b),  # sameAs on a property
    ):
        assert triple in got, triple


@pytest.mark.parametrize(
    "axiom",
    [
        (EX.p, RDF.type, OWL.FunctionalProperty),
        (EX.p, RDF.type, OWL.InverseFunctionalProperty),
        (EX.C, OWL.someValuesFrom, EX.D),
        (EX.C, OWL.unionOf, RDF.nil),
        (EX.C, OWL.hasKey, RDF.nil),
    ],
)
def test_constructs_it_cannot_follow_are_refused(axiom: Triple) -> None:
    graph = Graph()
    graph.add(axiom)
    graph.add((EX.x, EX.p, EX.y))
    with pytest.raises(rules.UnsupportedAxiom):
        rules.materialise([graph])


def test_the_sparql_useful_filter_is_kg_reason_useful() -> None:
    """write_useful() filters in SPARQL; it must keep exactly what kg.reason.useful keeps."""
    candidates = {
        (EX.a, KK.hasPart, EX.b),
        (EX.a, OWL.sameAs, EX.a),
        (EX.a, OWL.sameAs, EX.b),
        (EX.a, RDF.type, OWL.Thing),
        (EX.a, RDF.type, OWL.Class),
        (EX.a, RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#Concept")),
        (EX.a, RDF.type, KK.PlanElement),
        (EX.a, RDFS.subClassOf, EX.b),
        (EX.a, OWL.equivalentProperty, EX.b),
        (EX.a, OWL.differentFrom, EX.b),
        (OWL.Thing, RDFS.label, Literal("x")),
        (URIRef("http://www.w3.org/2004/02/skos/core#broader"), RDF.type, OWL.ObjectProperty),
        (EX.a, EX.p, BNode("b1")),
        (BNode("b2"), EX.p, EX.a),
        (EX.a, EX.p, Literal("x", lang="ja")),
        (EX.a, RDFS.label, Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))),
    }
    store = ox.Store()
    reasoner = rules.FastReasoner(store)
    store.extend(
        ox.Quad(*(to_oxigraph(t) for t in triple), rules.INFERRED)  # type: ignore[misc]
        for triple in candidates
    )
    target = ox.NamedNode("http://example.org/target")
    reasoner.write_useful(target)
    kept = {
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, target)
    }
    assert kept == {t for t in candidates if reason.useful(t)}
