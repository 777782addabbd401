"""The built graph on the real data: counts, provenance, partner boxes, reasoning kept apart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import PROV

from kg.ingest import load_source
from kg.namespaces import GRAPH, ID, KK, SDG
from kg.paths import DATA
from kg.yamlio import load_yaml

KAMAKURA = GRAPH["kamakura/plan-2030"]
INFERRED = GRAPH["inferred"]
PARTNER = {
    "市民": "citizens",
    "地域": "community",
    "市民活動団体": "civic-groups",
    "関係機関": "institutions",
    "企業・事業者": "businesses",
    "滞在者": "visitors",
    "他行政機関": "other-governments",
    "その他": "other",
}


@pytest.fixture(scope="module")
def dataset(built_dist: Path) -> Dataset:
    ds = Dataset()
    ds.parse(built_dist / "dataset.trig", format="trig")
    return ds


def graph(ds: Dataset, iri: URIRef) -> Graph:
    return ds.graph(iri)


def test_kamakura_counts(dataset: Dataset) -> None:
    g = graph(dataset, KAMAKURA)
    policies = set(g.subjects(RDF.type, KK.Policy))
    measures = {
        m for m in g.subjects(RDF.type, KK.Measure) if (m, KK.localLevel, ID["level/main-initiatives"]) in g
    }
    assert len(policies) == 43
    assert len(measures) == 125


@pytest.mark.parametrize(
    ("policy", "involved"),
    [
        ("2-4", {"市民", "市民活動団体", "関係機関", "企業・事業者"}),
        ("3-4", {"市民", "市民活動団体", "関係機関", "企業・事業者", "滞在者", "他行政機関"}),
        ("4-9", {"市民"}),
        ("4-10", {"市民活動団体", "関係機関", "企業・事業者"}),
        ("3-6", set(PARTNER)),
    ],
)
def test_partner_boxes_in_the_graph(dataset: Dataset, policy: str, involved: set[str]) -> None:
    """Typed by hand from the source text (■ involved, □ not)."""
    g = graph(dataset, KAMAKURA)
    element = ID[f"kamakura/plan-2030/policy/{policy}"]
    got_in = {str(o).rsplit("/", 1)[1] for o in g.objects(element, KK.involvesPartnerType)}
    got_out = {str(o).rsplit("/", 1)[1] for o in g.objects(element, KK.notInvolvesPartnerType)}
    assert got_in == {PARTNER[p] for p in involved}
    assert got_out == {PARTNER[p] for p in set(PARTNER) - involved}


def test_every_element_has_a_source_fragment(dataset: Dataset) -> None:
    pattern = re.compile(r"^https://w3id\.org/keikaku/source/[a-z0-9-]+/[a-z0-9-]+#char=(\d+),(\d+)$")
    for cls in (KK.Vision, KK.Goal, KK.Policy, KK.Measure):
        for element in dataset.subjects(RDF.type, cls):
            fragments = [
                str(o) for o in dataset.objects(element, PROV.wasDerivedFrom) if pattern.match(str(o))
            ]
            assert fragments, element


def _quotes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if {"text", "at"} <= set(node) else []
        return found + [q for v in node.values() for q in _quotes(v)]
    if isinstance(node, list):
        return [q for v in node for q in _quotes(v)]
    return []


@pytest.mark.parametrize(
    "path", sorted((DATA / "plans").glob("*/*.yaml")) + sorted((DATA / "alignments").glob("*/*.yaml"))
)
def test_every_quote_is_faithful_to_its_source(path: Path) -> None:
    """Fidelity rule: the source slices, white space removed, equal the quoted text, white space removed."""
    data = load_yaml(path)
    source = load_source(data["document"]).text
    quotes = _quotes(data)
    assert quotes
    for quote in quotes:
        at = quote["at"]
        ranges = [at] if isinstance(at[0], int) else at
        sliced = "".join(source[s:e] for s, e in ranges)
        assert re.sub(r"\s", "", sliced) == re.sub(r"\s", "", str(quote["text"])), (path.name, quote)


def test_reasoning_goes_to_its_own_graph(dataset: Dataset) -> None:
    """A measure aligned to 13.2 serves goal 13 — through graph/inferred, never written into the source."""
    source = graph(dataset, KAMAKURA)
    inferred = graph(dataset, INFERRED)
    aligned = [
        element
        for element, node in source.subject_objects(KK.sdgAlignment)
        if (node, KK.sdg, SDG["13.2"]) in source
    ]
    assert aligned
    for element in aligned:
        assert (element, KK.contributesTo, SDG["13"]) in inferred
        assert (element, KK.contributesTo, SDG["13.2"]) in inferred
        assert (element, KK.contributesTo, SDG["13"]) not in source
    plan = ID["kamakura/plan-2030"]
    measure = ID["kamakura/plan-2030/policy/1-2/measure/1"]
    assert (plan, KK.hasPart, measure) in inferred
    assert (measure, KK.isPartOf, plan) in inferred
    assert (plan, KK.hasPart, measure) not in source
    assert (measure, RDF.type, KK.PlanElement) in inferred


def test_inferred_graph_holds_only_new_triples(dataset: Dataset) -> None:
    inferred = graph(dataset, INFERRED)
    stated = [graph(dataset, g.identifier) for g in dataset.graphs() if g.identifier != INFERRED]
    for triple in list(inferred)[:2000]:
        assert not any(triple in g for g in stated), triple
