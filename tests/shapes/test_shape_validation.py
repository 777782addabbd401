"""kg.validate as the build uses it: one graph or a dataset, per-document runs, messages, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH

import kg.validate as kv
from kg import paths
from kg.errors import SourceError
from kg.namespaces import GRAPH, KK
from kg.paths import ROOT
from kg.validate import load_shapes, validate, validate_per_graph

CASES = ROOT / "tests" / "shapes" / "cases"
KKS = "https://w3id.org/keikaku/shapes#"
ID = "https://w3id.org/keikaku/id/"
SHA = "0" * 64

PREFIXES = """@base <https://w3id.org/keikaku/id/> .
@prefix kk: <https://w3id.org/keikaku/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""

ONTOLOGY = """
kk:Vision rdfs:subClassOf kk:PlanElement .
kk:Goal rdfs:subClassOf kk:PlanElement .
kk:Policy rdfs:subClassOf kk:PlanElement .
kk:Measure rdfs:subClassOf kk:PlanElement .
<plan-type/basic-plan> a skos:Concept ; skos:inScheme kk:PlanTypeScheme .
"""

MUNICIPALITIES = """
<kamakura> a kk:Municipality ; rdfs:label "鎌倉市"@ja ; kk:localGovernmentCode "142042" ;
    skos:exactMatch <http://data.e-stat.go.jp/lod/sac/C14204> ;
    owl:sameAs <http://data.e-stat.go.jp/lod/sac/C14204> .
"""

PLAN_DOC = f"""
<https://w3id.org/keikaku/source/kamakura/plan-2030> a kk:SourceDocument ;
    dct:identifier "sha256:{SHA}" ; dct:title "総合計画"@ja .
<kamakura/plan-2030> a kk:Plan ; rdfs:label "基本計画"@ja ; dct:title "基本計画"@ja ; kk:basis kk:Explicit ;
    kk:issuedBy <kamakura> ; kk:planType <plan-type/basic-plan> ;
    kk:periodStart "2026"^^xsd:gYear ; kk:periodEnd "2030"^^xsd:gYear ;
    prov:wasDerivedFrom <https://w3id.org/keikaku/source/kamakura/plan-2030> ,
        <https://w3id.org/keikaku/source/kamakura/plan-2030#char=0,4> ;
    kk:hasPolicy <kamakura/plan-2030/policy/3-4> .
<kamakura/plan-2030/policy/3-4> a kk:Policy ; rdfs:label "廃棄物"@ja ; kk:basis kk:Explicit ;
    kk:inPlan <kamakura/plan-2030> ; kk:isPartOf <kamakura/plan-2030> ;
    prov:wasDerivedFrom <https://w3id.org/keikaku/source/kamakura/plan-2030#char=10,13> .
"""

# A second document of the same municipality: an indicator of an element of the first document, and the
# kk:hasIndicator triple the ingest writes on that element (which this document does not describe).
EVALUATION_DOC = f"""
<https://w3id.org/keikaku/source/kamakura/evaluation-2024> a kk:SourceDocument ;
    dct:identifier "sha256:{SHA}" ; dct:title "評価"@ja .
<kamakura/evaluation-2024/indicator/1> a kk:Indicator ;
    kk:indicatorOf <kamakura/plan-2030/policy/3-4> ;
    rdfs:label "ごみの資源化率"@ja ;
    prov:wasDerivedFrom <https://w3id.org/keikaku/source/kamakura/evaluation-2024#char=5,12> .
<kamakura/plan-2030/policy/3-4> kk:hasIndicator <kamakura/evaluation-2024/indicator/1> .
"""

# What OWL 2 RL adds: closure triples, and owl:sameAs rewriting onto the e-Stat alias of the issuer.
INFERRED = """
<kamakura/plan-2030> kk:hasPart <kamakura/plan-2030/policy/3-4> ;
    kk:issuedBy <http://data.e-stat.go.jp/lod/sac/C14204> .
<kamakura/plan-2030/policy/3-4> a kk:PlanElement .
<http://data.e-stat.go.jp/lod/sac/C14204> a kk:Municipality .
"""


def _graph(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def _dataset(
    plan_doc: str = PLAN_DOC, municipalities: str = MUNICIPALITIES, inferred: str = INFERRED
) -> Dataset:
    ds = Dataset()
    for name, turtle in (
        ("ontology", ONTOLOGY),
        ("municipalities", municipalities),
        ("kamakura/plan-2030", plan_doc),
        ("kamakura/evaluation-2024", EVALUATION_DOC),
        ("inferred", inferred),
    ):
        graph = ds.graph(GRAPH[name])
        for triple in _graph(turtle):
            graph.add(triple)
    return ds


SHARED = [GRAPH["ontology"], GRAPH["municipalities"]]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.mark.parametrize("inferred", [INFERRED, ""], ids=["with-entailments", "stated-only"])
def test_per_graph_conforms_across_documents(shapes: Graph, inferred: str) -> None:
    """The indicator's element lives in another document graph; its type reaches the run that needs it,
    and the e-Stat alias the reasoner put in kk:issuedBy is accepted through the stated owl:sameAs."""
    result = validate_per_graph(_dataset(inferred=inferred), SHARED, shapes)
    assert result.violations == [], "\n".join(map(str, result.violations))
    assert result.conforms
    assert (None, SH.conforms, Literal(True)) in result.report


def test_a_document_alone_lacks_its_context(shapes: Graph) -> None:
    """Control for the test above: validated on its own, the second document cannot see the element."""
    alone = _graph(ONTOLOGY + EVALUATION_DOC)
    result = validate(alone, shapes, engine="pyshacl")
    assert not result.conforms
    assert {v.source_shape for v in result.errors} == {KKS + "IndicatorShape-indicatorOf"}


def test_per_graph_reports_each_violation_once_with_its_file(
    shapes: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = tmp_path / "data" / "plans"
    (plans / "kamakura").mkdir(parents=True)
    (plans / "kamakura" / "plan-2030.yaml").write_text("document: kamakura/plan-2030\n", encoding="utf-8")
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setattr(paths, "PLANS", plans)
    broken = PLAN_DOC.replace('rdfs:label "廃棄物"@ja ;', "")
    bad_code = MUNICIPALITIES.replace('"142042"', '"142041"')
    result = validate_per_graph(_dataset(plan_doc=broken, municipalities=bad_code), SHARED, shapes)
    assert not result.conforms
    got = sorted(
        (v.source_shape.removeprefix(KKS), v.focus_node.removeprefix(ID), v.source_file)
        for v in result.errors
    )
    assert got == [
        ("MunicipalityShape", "kamakura", None),  # a shared resource: checked once, not once per document
        ("PlanElementShape-label", "kamakura/plan-2030/policy/3-4", "data/plans/kamakura/plan-2030.yaml"),
    ]
    assert len(list(result.report.subjects(RDF.type, SH.ValidationReport))) == 1
    assert len(list(result.report.objects(None, SH.result))) == 2


def test_per_graph_validates_what_the_reasoner_says_about_a_document(shapes: Graph) -> None:
    """An entailment about a document's node is checked with that document (here: an element the
    reasoner typed kk:SDGAlignment, as a wrong rdfs:domain would); entailments about nodes that no graph
    describes (the e-Stat alias) are not validated on their own."""
    wrong = INFERRED + "<kamakura/plan-2030/policy/3-4> a kk:SDGAlignment .\n"
    result = validate_per_graph(_dataset(inferred=wrong), SHARED, shapes)
    focus = {v.focus_node for v in result.errors}
    shapes_hit = {v.source_shape.removeprefix(KKS).split("-")[0] for v in result.errors}
    assert focus == {ID + "kamakura/plan-2030/policy/3-4"}
    assert shapes_hit == {"SDGAlignmentShape"}


def test_per_graph_with_the_inferred_graph_listed_as_shared(shapes: Graph) -> None:
    """Listing graph/inferred among the shared graphs does not make it validated whole."""
    result = validate_per_graph(_dataset(), [*SHARED, GRAPH["inferred"]], shapes)
    assert result.violations == [], "\n".join(map(str, result.violations))


def test_validate_takes_a_dataset_as_the_union_of_its_graphs(shapes: Graph) -> None:
    ds = _dataset(inferred="")
    assert validate(ds, shapes, engine="pyshacl").violations == []
    ds.remove((URIRef(ID + "kamakura/plan-2030/policy/3-4"), KK.inPlan, None, None))
    errors = validate(ds, shapes, engine="pyshacl").errors
    assert {v.source_shape for v in errors} == {KKS + "PlanElementShape-inPlan"}


def test_messages_keep_their_language(shapes: Graph) -> None:
    """pySHACL drops the language tag of SPARQL-constraint messages; kg.validate restores it."""
    data = Graph().parse(CASES / "PlanShape-invalid-02.ttl", format="turtle")
    result = validate(data, shapes, engine="pyshacl")
    (violation,) = result.errors
    assert violation.source_shape == KKS + "PlanShape"
    assert violation.message_ja and "初年度 2034" in violation.message_ja
    assert violation.message_en and violation.message_en.startswith("The plan period starts (2034)")
    languages = sorted(m.language for m in result.report.objects(None, SH.resultMessage))
    assert languages == ["en", "ja"]


def test_warnings_are_reported_but_do_not_fail(shapes: Graph) -> None:
    data = Graph().parse(CASES / "FigureProvenanceShape-invalid-01.ttl", format="turtle")
    result = validate(data, shapes, engine="pyshacl")
    assert result.conforms
    assert result.errors == []
    assert [v.severity for v in result.warnings] == ["Warning"]


def test_ont_graph_is_mixed_into_a_copy_of_the_data(shapes: Graph) -> None:
    data = Graph().parse(CASES / "IndicatorShape-valid.ttl", format="turtle")
    axioms = Graph()
    for triple in data.triples((None, RDFS.subClassOf, None)):
        axioms.add(triple)
    for triple in axioms:
        data.remove(triple)
    size = len(data)
    assert not validate(data, shapes, engine="pyshacl").conforms  # kk:indicatorOf needs Policy ⊑ PlanElement
    assert validate(data, shapes, engine="pyshacl", ont_graph=axioms).violations == []
    assert len(data) == size


def test_validate_leaves_the_data_untouched(shapes: Graph) -> None:
    data = Graph().parse(CASES / "SDGAlignmentShape-invalid-08.ttl", format="turtle")
    before = set(data)
    validate(data, shapes, engine="pyshacl")
    assert set(data) == before


def test_load_shapes_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_shapes(tmp_path)
    assert "broken.ttl" in str(caught.value)


def test_load_shapes_reads_every_area(shapes: Graph) -> None:
    targets = set(shapes.objects(None, SH.targetClass))
    for cls in (
        KK.Plan,
        KK.Municipality,
        KK.PlanElement,
        KK.SDGAlignment,
        KK.Indicator,
        KK.Observation,
        KK.Evaluation,
        KK.Partner,
        KK.SourceDocument,
    ):
        assert cls in targets, cls
    assert {p.name for p in kv.SHAPES.glob("*.ttl")} >= {
        "plans.ttl",
        "elements.ttl",
        "sdg.ttl",
        "indicators.ttl",
        "partners.ttl",
        "provenance.ttl",
    }
