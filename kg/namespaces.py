"""Vocabulary terms and prefixes in one place: a typo in a term is an import error, not a silent empty query.

Every Namespace the project uses is defined (or re-exported from rdflib) here, and `PREFIXES` is the one
prefix map: the dumps, the JSON-LD context, the pages' SPARQL and the examples all take theirs from it.

>>> print(sparql_prologue({"kk": PREFIXES["kk"]}))
PREFIX kk: <https://w3id.org/keikaku/def#>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace
from rdflib.term import URIRef

BASE = "https://w3id.org/keikaku/"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
SOURCE = Namespace(BASE + "source/")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
ESTAT_SAC = Namespace("http://data.e-stat.go.jp/lod/sac/")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
KK_NS = "https://w3id.org/keikaku/def#"

__all__ = [
    "BASE", "DCTERMS", "ESTAT_SAC", "FORMATS", "GRAPH", "ID", "KK", "ORG", "OWL", "PREFIXES", "PROV",
    "RDF", "RDFS", "SCHEMA", "SD", "SDG", "SDGO", "SH", "SKOS", "SOURCE", "TARGET_COMPARATORS", "VANN",
    "XSD", "sparql_prologue", "target_met",
]  # fmt: skip

#: The one prefix map (dumps, JSON-LD contexts, the server's SPARQL, examples), in display order.
PREFIXES: dict[str, str] = {
    "kk": KK_NS,
    "id": str(ID),
    "src": str(SOURCE),
    "sdg": str(SDG),
    "sdgo": str(SDGO),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dct": str(DCTERMS),
    "org": str(ORG),
    "owl": str(OWL),
    "xsd": str(XSD),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
}


#: The values of kk:targetComparator and what each says of an actual value against the target (the one
#: Python statement of it: the ingest checks against the keys, the element page uses the functions;
#: queries/indicator-status.rq states the same in SPARQL).
TARGET_COMPARATORS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "≥": lambda actual, target: actual >= target,
    "≤": lambda actual, target: actual <= target,
    "=": lambda actual, target: actual == target,
    ">": lambda actual, target: actual > target,
    "<": lambda actual, target: actual < target,
}


def target_met(actual: Decimal, comparator: str | None, target: Decimal) -> bool:
    """Whether an actual value meets its target; no comparator means "=" (as in indicator-status).

    >>> target_met(Decimal(5), "≤", Decimal(6)), target_met(Decimal(5), None, Decimal(6))
    (True, False)
    """
    return TARGET_COMPARATORS[comparator or "="](actual, target)


def sparql_prologue(prefixes: Mapping[str, str] | None = None) -> str:
    """`PREFIX p: <iri>` lines for `prefixes` (all of `PREFIXES` by default), one per line.

    >>> sparql_prologue().splitlines()[0]
    'PREFIX kk: <https://w3id.org/keikaku/def#>'
    """
    chosen = PREFIXES if prefixes is None else prefixes
    return "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in chosen.items())


class KK(DefinedNamespace):
    """The Keikaku ontology, `https://w3id.org/keikaku/def#`."""

    _NS = Namespace(KK_NS)
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
    targetRelativeTo: URIRef
    targetComparatorBasis: URIRef
    forecast: URIRef
    PreviousFiscalYear: URIRef
    TargetReference: URIRef
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
