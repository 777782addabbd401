"""The vocabulary, the SKOS schemes and the vendored SDG KOS, checked as the engine will load them.

These tests pin down the contract other parts rely on: every `KK` term of kg/namespaces.py is defined
with ja/en labels and a definition; the axioms that OWL 2 RL turns into `kk:hasPart` closure and
`kk:contributesTo` are present and do infer what docs/data-format.md promises (and no mis-typing);
data files can refer to concepts by their unique prefLabel@ja; the SDG KOS is the unmodified UN copy.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV

from kg.namespaces import ID, KK, ORG, SDG, SDGO
from kg.paths import ONTOLOGY, ROOT

KEIKAKU_TTL = ONTOLOGY / "keikaku.ttl"
SCHEMES_TTL = ONTOLOGY / "schemes.ttl"
SDG_DIR = ONTOLOGY / "sdg"
SHARED_SDG = ROOT.parent / "shared" / "sdg-data"
VENDORED = ("sdg-kos-goals-targets-indicators.ttl", "sdgs-ontology.ttl", "void.ttl")

ONTOLOGY_IRI = URIRef("https://w3id.org/keikaku/def")
EDITORS = ID["agent/keikaku-editors"]
# a plain Namespace: rdflib's XSD DefinedNamespace warns when pytest inspects module globals
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
VOID = Namespace("http://rdfs.org/ns/void#")


PARTNER_TYPES = ["市民", "地域", "市民活動団体", "関係機関", "企業・事業者", "滞在者", "他行政機関", "その他"]
PARTNER_SLUGS = [
    "citizens", "community", "civic-groups", "institutions",
    "businesses", "visitors", "other-governments", "other",
]
PLAN_TYPES = {"基本構想", "基本計画", "将来ビジョン", "運営方針", "評価", "中期計画", "総合計画"}
LEVELS = {
    "基本理念", "将来都市像", "将来目標", "まちづくりの基本方針", "リーディングプロジェクト",
    "取組", "基礎条件", "政策分野", "施策", "主な取組", "共創の取組", "めざすべき将来像", "柱",
    "施策展開の方向性", "基本姿勢", "めざす状態", "戦略", "具体的取組", "重点政策",
    "つながり", "ビジョン", "基本目標", "組織運営", "テーマ", "政策", "区の目標", "経営課題",
}
THEMES = {
    "防災", "防犯", "交通安全", "子育て", "教育", "福祉", "健康", "環境・脱炭素",
    "廃棄物・資源循環", "自然環境・緑", "地域コミュニティ", "協働", "広報・広聴", "観光",
    "産業", "農業", "水産業", "雇用・労働", "交通", "都市基盤", "住宅", "景観", "歴史・文化",
    "芸術・文化", "スポーツ", "国際交流", "人権・共生", "消費生活", "行政経営", "デジタル",
}
SCHEME_IRI_PATTERNS = {
    KK.PartnerTypeScheme: "partner-type/",
    KK.PlanTypeScheme: "plan-type/",
    KK.ElementLevelScheme: "level/",
    KK.ThemeScheme: "theme/",
}


def kk_terms() -> set[URIRef]:
    """Every term declared in the KK DefinedNamespace."""
    return {KK._NS[name] for name in KK.__annotations__}


def parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> Counter[str | None]:
    return Counter(o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal))


@pytest.fixture(scope="module")
def onto() -> Graph:
    return parse(KEIKAKU_TTL)


@pytest.fixture(scope="module")
def schemes() -> Graph:
    return parse(KEIKAKU_TTL, SCHEMES_TTL)


@pytest.fixture(scope="module")
def kos() -> Graph:
    return parse(SDG_DIR / "sdg-kos-goals-targets-indicators.ttl")


# --------------------------------------------------------------------------------------- keikaku.ttl


def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/keikaku/def/0.1.0")
    assert onto.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert set(langs(onto, ONTOLOGY_IRI, DCTERMS.title)) == {"ja", "en"}
    assert {"ja", "en"} <= set(langs(onto, ONTOLOGY_IRI, DCTERMS.description))
    assert onto.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert onto.value(ONTOLOGY_IRI, DCTERMS.modified) == Literal("2026-11-23", datatype=XSD.date)
    assert onto.value(ONTOLOGY_IRI, DCTERMS.creator) == EDITORS


def test_every_kk_term_is_declared(onto: Graph) -> None:
    declared = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(KK._NS)}
    missing = kk_terms() - declared
    assert not missing, f"KK terms not defined in keikaku.ttl: {sorted(missing)}"
    unexpected = declared - kk_terms()
    assert not unexpected, f"kk: terms defined but unknown to kg/namespaces.py: {sorted(unexpected)}"


def test_every_kk_term_has_ja_en_label_and_definition(onto: Graph) -> None:
    for term in sorted(kk_terms()):
        label_langs = langs(onto, term, RDFS.label)
        assert label_langs == Counter({"ja": 1, "en": 1}), f"{term}: rdfs:label languages {label_langs}"
        definition_langs = langs(onto, term, SKOS.definition) + langs(onto, term, RDFS.comment)
        assert {"ja", "en"} <= set(definition_langs), f"{term}: definition languages {definition_langs}"
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in onto, f"{term}: no rdfs:isDefinedBy"


def test_kk_labels_are_unique_per_language(onto: Graph) -> None:
    """Two terms with the same label cannot be told apart in the web UI or in a property list."""
    labels = Counter(
        (o.language, str(o)) for s, o in onto.subject_objects(RDFS.label) if str(s).startswith(KK._NS)
    )
    assert not [k for k, n in labels.items() if n > 1]


def test_every_kk_iri_used_is_declared(schemes: Graph) -> None:
    """A typo in a kk: term inside the Turtle would otherwise pass silently."""
    declared = {s for s in schemes.subjects(RDF.type, None) if str(s).startswith(KK._NS)}
    used = {t for triple in schemes for t in triple if isinstance(t, URIRef) and str(t).startswith(KK._NS)}
    assert used <= declared, sorted(used - declared)


def test_property_kinds(onto: Graph) -> None:
    for term in kk_terms():
        types = set(onto.objects(term, RDF.type))
        if term.fragment[0].islower():
            assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, f"{term} is not typed as a property"
            assert not {OWL.ObjectProperty, OWL.DatatypeProperty} <= types, term


def test_class_hierarchy(onto: Graph) -> None:
    for cls in (KK.Vision, KK.Goal, KK.Policy, KK.Measure):
        assert (cls, RDFS.subClassOf, KK.PlanElement) in onto
    assert (KK.Municipality, RDFS.subClassOf, ORG.Organization) in onto
    assert (KK.Partner, RDFS.subClassOf, ORG.Organization) in onto
    for cls in kk_terms():
        if (cls, RDF.type, OWL.Class) in onto:
            assert (cls, RDFS.subClassOf, cls) not in onto


def test_hierarchy_and_inverse_axioms(onto: Graph) -> None:
    assert (KK.hasPart, RDF.type, OWL.TransitiveProperty) in onto
    assert (KK.isPartOf, RDF.type, OWL.TransitiveProperty) in onto
    assert (KK.hasPart, OWL.inverseOf, KK.isPartOf) in onto
    for sub in (KK.hasGoal, KK.hasPolicy, KK.hasMeasure):
        assert (sub, RDFS.subPropertyOf, KK.hasPart) in onto
    assert (KK.hasIndicator, OWL.inverseOf, KK.indicatorOf) in onto or (
        KK.indicatorOf, OWL.inverseOf, KK.hasIndicator) in onto


def test_contributes_to_property_chains(onto: Graph) -> None:
    heads = onto.objects(KK.contributesTo, OWL.propertyChainAxiom)
    chains = {tuple(Collection(onto, head)) for head in heads}
    assert chains == {(KK.sdgAlignment, KK.sdg), (KK.contributesTo, SKOS.broader)}


def test_ranges_that_other_parts_rely_on(onto: Graph) -> None:
    expected = {
        KK.periodStart: XSD.gYear, KK.periodEnd: XSD.gYear, KK.targetValue: XSD.decimal,
        KK.value: XSD.decimal, KK.confidence: XSD.decimal, KK.order: XSD.integer,
        KK.fiscalYear: XSD.gYear, KK.targetYear: XSD.gYear, KK.localGovernmentCode: XSD.string,
        KK.sdg: SKOS.Concept, KK.contributesTo: SKOS.Concept, KK.basis: KK.AlignmentBasis,
    }
    for prop, rng in expected.items():
        assert set(onto.objects(prop, RDFS.range)) == {rng}, prop


def test_basis_individuals(onto: Graph) -> None:
    for ind in (KK.Explicit, KK.Curated, KK.Automatic):
        assert {OWL.NamedIndividual, SKOS.Concept, KK.AlignmentBasis} <= set(onto.objects(ind, RDF.type)), ind
        assert (ind, SKOS.inScheme, KK.AlignmentBasisScheme) in onto
        assert (ind, SKOS.topConceptOf, KK.AlignmentBasisScheme) in onto
        # the YAML value (`basis: Curated`) is the notation
        assert onto.value(ind, SKOS.notation) == Literal(ind.fragment)
    # kk:basis is used on plans, elements and reified links too, so it must not type them as alignments
    assert onto.value(KK.basis, RDFS.domain) is None


def test_owl_rl_closure_infers_what_data_format_promises(onto: Graph, kos: Graph) -> None:
    """Run owlrl as the build does, on the ontology, the KOS triples of target 13.2 and a tiny plan."""
    graph = Graph()
    graph += onto
    for triple in kos.triples((SDG["13.2"], None, None)):
        graph.add(triple)
    plan, vision, goal, policy, measure = (ID[f"t/{p}"] for p in ("plan", "vision", "goal", "policy", "m"))
    alignment = ID["t/m/sdg/13.2"]
    for s, p, o in [
        (plan, RDF.type, KK.Plan), (vision, RDF.type, KK.Vision), (goal, RDF.type, KK.Goal),
        (policy, RDF.type, KK.Policy), (measure, RDF.type, KK.Measure),
        (plan, KK.hasGoal, vision), (plan, KK.hasGoal, goal), (goal, KK.hasPolicy, policy),
        (policy, KK.hasMeasure, measure), (measure, KK.inPlan, plan),
        (measure, KK.sdgAlignment, alignment), (alignment, KK.sdg, SDG["13.2"]),
        (alignment, KK.basis, KK.Curated), (alignment, KK.confidence, Literal("0.9", datatype=XSD.decimal)),
        (goal, KK.sdgAlignment, ID["t/goal/sdg/13"]), (ID["t/goal/sdg/13"], KK.sdg, SDG["13"]),
    ]:
        graph.add((s, p, o))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)

    assert set(graph.objects(measure, KK.contributesTo)) == {SDG["13.2"], SDG["13"]}
    assert {vision, goal, policy, measure} <= set(graph.objects(plan, KK.hasPart))
    assert {policy, goal, plan} <= set(graph.objects(measure, KK.isPartOf))
    assert (alignment, RDF.type, KK.SDGAlignment) in graph
    assert (measure, RDF.type, KK.PlanElement) in graph
    # no mis-typing by domain/range: a vision under kk:hasGoal stays a vision, a goal stays a goal
    assert (vision, RDF.type, KK.Goal) not in graph
    assert (SDG["13"], RDF.type, SDGO.Target) not in graph
    assert (plan, RDF.type, KK.PlanElement) not in graph
    assert not list(graph.subjects(RDF.type, OWL.Nothing))


# --------------------------------------------------------------------------------------- schemes.ttl


def scheme_concepts(graph: Graph, scheme: URIRef) -> list[URIRef]:
    return sorted(graph.subjects(SKOS.inScheme, scheme))


def ja_label(graph: Graph, concept: URIRef) -> str:
    return next(str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "ja")


def test_schemes_are_declared(schemes: Graph) -> None:
    for scheme in (*SCHEME_IRI_PATTERNS, KK.AlignmentBasisScheme):
        assert (scheme, RDF.type, SKOS.ConceptScheme) in schemes
        assert scheme_concepts(schemes, scheme), f"{scheme} has no concepts"
    in_scheme_targets = set(schemes.objects(None, SKOS.inScheme))
    assert all((s, RDF.type, SKOS.ConceptScheme) in schemes for s in in_scheme_targets)


def test_every_scheme_concept_is_complete(schemes: Graph) -> None:
    for concept, scheme in schemes.subject_objects(SKOS.inScheme):
        assert (concept, RDF.type, SKOS.Concept) in schemes, concept
        assert langs(schemes, concept, SKOS.prefLabel) == Counter({"ja": 1, "en": 1}), concept
        assert schemes.value(concept, SKOS.notation) is not None, concept
        assert (concept, SKOS.topConceptOf, scheme) in schemes, concept
        assert (scheme, SKOS.hasTopConcept, concept) in schemes, concept
        assert len(set(schemes.objects(concept, SKOS.inScheme))) == 1, concept
    for scheme, concept in schemes.subject_objects(SKOS.hasTopConcept):
        assert (concept, SKOS.inScheme, scheme) in schemes


@pytest.mark.parametrize("language", ["ja", "en"])
def test_pref_labels_unique_within_each_scheme(schemes: Graph, language: str) -> None:
    """Data files name concepts by prefLabel@ja; a duplicate would make that lookup ambiguous."""
    for scheme in set(schemes.subjects(RDF.type, SKOS.ConceptScheme)):
        labels = Counter(
            str(o) for c in scheme_concepts(schemes, scheme)
            for o in schemes.objects(c, SKOS.prefLabel) if o.language == language
        )
        assert not [label for label, n in labels.items() if n > 1], scheme


def test_concept_iris_follow_their_scheme(schemes: Graph) -> None:
    for scheme, prefix in SCHEME_IRI_PATTERNS.items():
        for concept in scheme_concepts(schemes, scheme):
            assert str(concept).startswith(str(ID[prefix])), concept
            assert str(concept).rsplit("/", 1)[1] == str(schemes.value(concept, SKOS.notation))
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(concept).rsplit("/", 1)[1]), concept


def test_partner_types_are_the_eight_of_kamakura_in_printed_order(schemes: Graph) -> None:
    concepts = scheme_concepts(schemes, KK.PartnerTypeScheme)
    ordered = sorted(concepts, key=lambda c: int(schemes.value(c, KK.order)))
    assert [ja_label(schemes, c) for c in ordered] == PARTNER_TYPES
    assert [int(schemes.value(c, KK.order)) for c in ordered] == list(range(1, 9))
    assert ordered == [ID[f"partner-type/{slug}"] for slug in PARTNER_SLUGS]
    for concept in concepts:
        assert {"ja", "en"} <= set(langs(schemes, concept, SKOS.definition))
    assert "共創のパートナー" in str(schemes.value(KK.PartnerTypeScheme, SKOS.definition))


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [(KK.PlanTypeScheme, PLAN_TYPES), (KK.ElementLevelScheme, LEVELS), (KK.ThemeScheme, THEMES)],
)
def test_scheme_holds_exactly_the_agreed_words(schemes: Graph, scheme: URIRef, expected: set[str]) -> None:
    assert {ja_label(schemes, c) for c in scheme_concepts(schemes, scheme)} == expected


def test_themes_have_definitions_and_sound_sdg_matches(schemes: Graph, kos: Graph) -> None:
    for concept in scheme_concepts(schemes, KK.ThemeScheme):
        assert {"ja", "en"} <= set(langs(schemes, concept, SKOS.definition)), concept
        for match in schemes.objects(concept, SKOS.closeMatch):
            assert (match, RDF.type, SDGO.Goal) in kos, f"{concept} closeMatch {match} is not an SDG goal"
    assert (ID["theme/environment-decarbonisation"], SKOS.closeMatch, SDG["13"]) in schemes


# --------------------------------------------------------------------------------------- ontology/sdg


def readme_checksums() -> dict[str, str]:
    text = (SDG_DIR / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"`([\w.-]+\.ttl)`\s*\|\s*`([0-9a-f]{64})`", text))


def test_sdg_readme_records_source_licence_and_checksums() -> None:
    text = (SDG_DIR / "README.md").read_text(encoding="utf-8")
    assert "github.com/UNStats/LOD4Stats" in text
    assert "0ae578bacb1f4339596f5a6a19338457e4b22ba3" in text
    void = parse(SDG_DIR / "void.ttl")
    licence = str(void.value(URIRef("http://metadata.un.org/sdg/void.ttl#SDG"), DCTERMS.license))
    assert " ".join(licence.split()) in " ".join(text.replace("> ", "").split())
    recorded = readme_checksums()
    assert set(recorded) == set(VENDORED)
    for name in VENDORED:
        assert sha256(SDG_DIR / name) == recorded[name], f"{name} differs from the checksum in README.md"


@pytest.mark.skipif(not SHARED_SDG.is_dir(), reason="no shared SDG copy next to the repository")
@pytest.mark.parametrize("name", VENDORED)
def test_vendored_sdg_files_equal_the_shared_copy(name: str) -> None:
    assert sha256(SDG_DIR / name) == sha256(SHARED_SDG / name)


def test_sdg_kos_has_goals_with_targets(kos: Graph) -> None:
    goals = set(kos.subjects(RDF.type, SDGO.Goal))
    assert goals == {SDG[str(n)] for n in range(1, 18)}
    assert (SDG["13.2"], SKOS.broader, SDG["13"]) in kos
    parse(SDG_DIR / "sdgs-ontology.ttl")


def test_every_goal_has_our_japanese_label() -> None:
    labels = parse(SDG_DIR / "sdg-ja-labels.ttl")
    for n in range(1, 18):
        ja = [o for o in labels.objects(SDG[str(n)], SKOS.altLabel) if o.language == "ja"]
        assert len(ja) == 1, f"goal {n}: {ja}"


def test_japanese_labels_are_marked_as_ours() -> None:
    labels = parse(SDG_DIR / "sdg-ja-labels.ttl")
    dataset = ID["dataset/sdg-ja-labels"]
    assert labels.value(dataset, DCTERMS.creator) == EDITORS
    assert labels.value(dataset, PROV.wasAttributedTo) == EDITORS
    assert labels.value(dataset, DCTERMS.source) is not None
    assert {"ja", "en"} <= set(langs(labels, dataset, DCTERMS.description))
    # the file holds nothing about SDG concepts except the 17 labels its header announces
    sdg_triples = [t for t in labels if str(t[0]).startswith(str(SDG))]
    assert all(p == SKOS.altLabel and o.language == "ja" for _, p, o in sdg_triples)
    partition = labels.value(dataset, VOID.propertyPartition)
    assert labels.value(partition, VOID.property) == SKOS.altLabel
    assert int(labels.value(partition, VOID.triples)) == len(sdg_triples) == 17
    # and none of them claims to be an official UN prefLabel
    assert not list(labels.triples((None, SKOS.prefLabel, None)))
