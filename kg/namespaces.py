"""Vocabulary terms in one place: a typo in a term is an import error, not a silent empty query."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DefinedNamespace
from rdflib.term import URIRef

BASE = "https://w3id.org/keikaku/"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SOURCE = Namespace(BASE + "source/")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
ESTAT_SAC = Namespace("http://data.e-stat.go.jp/lod/sac/")


class KK(DefinedNamespace):
    """The Keikaku ontology, `https://w3id.org/keikaku/def#`."""

    _NS = Namespace("https://w3id.org/keikaku/def#")
    _fail = True

    # classes
    Municipality: URIRef
    Plan: URIRef
    PlanElement: URIRef
    Vision: URIRef
    Goal: URIRef
    Policy: URIRef
    Measure: URIRef
    Indicator: URIRef
    Observation: URIRef
    Evaluation: URIRef
    SDGAlignment: URIRef
    Partner: URIRef
    AlignmentBasis: URIRef
    SourceDocument: URIRef

    # individuals
    Explicit: URIRef
    Curated: URIRef
    Automatic: URIRef

    # concept schemes
    PartnerTypeScheme: URIRef
    PlanTypeScheme: URIRef
    ElementLevelScheme: URIRef
    ThemeScheme: URIRef
    AlignmentBasisScheme: URIRef

    # municipality / plan
    partOf: URIRef
    localGovernmentCode: URIRef
    issuedBy: URIRef
    periodStart: URIRef
    periodEnd: URIRef
    planType: URIRef
    inPlan: URIRef

    # hierarchy
    hasPart: URIRef
    isPartOf: URIRef
    hasGoal: URIRef
    hasPolicy: URIRef
    hasMeasure: URIRef

    # element attributes
    localLevel: URIRef
    targetState: URIRef
    subtitle: URIRef
    cocreationText: URIRef
    text: URIRef
    order: URIRef

    # indicators and evaluations
    indicatorOf: URIRef
    hasIndicator: URIRef
    unit: URIRef
    targetValue: URIRef
    targetComparator: URIRef
    targetYear: URIRef
    observationOf: URIRef
    value: URIRef
    fiscalYear: URIRef
    evaluationOf: URIRef
    rating: URIRef

    # partners
    involvesPartnerType: URIRef
    notInvolvesPartnerType: URIRef
    partnerType: URIRef
    involvesPartner: URIRef

    # SDGs
    sdgAlignment: URIRef
    sdg: URIRef
    basis: URIRef
    confidence: URIRef
    evidence: URIRef
    rationale: URIRef
    contributesTo: URIRef

    # cross-plan relations and themes
    implements: URIRef
    continues: URIRef
    inheritsFrom: URIRef
    relatedTo: URIRef
    theme: URIRef
