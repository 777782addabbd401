"""Ingest: turn `data/` (sources, structured extractions, alignments, municipalities) into named graphs.

The mapping is the one written down in docs/data-format.md. Every fact keeps its provenance: quoted texts
carry `prov:wasDerivedFrom` RFC 5147 fragments of their source; SDG alignments and cross-plan links are
qualified nodes with their basis (stated by the plan, curated by us, suggested by a program). Every error
names its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rdflib import Graph, URIRef

from kg.ingest.common import (
    BASES,
    CHILD_PROPERTY,
    CLASSES,
    COMPARATORS,
    EDITORS,
    RELATIONS,
    SourceText,
    Vocabulary,
    Where,
    document_graph_iri,
    fragment,
    load_source,
    note_literal,
)  # fmt: skip
from kg.ingest.curation import ingest_alignments, ingest_themes
from kg.ingest.documents import DocumentIngester
from kg.ingest.shared import ingest_municipalities, load_ontology, load_sdg, load_thesaurus
from kg.namespaces import GRAPH
from kg.paths import DATA, ONTOLOGY, PLANS


def document_files(plans: Path = PLANS) -> Iterator[Path]:
    """Every structured extraction, in a stable order."""
    yield from sorted(plans.glob("*/*.yaml"))


def ingest_all(data: Path = DATA, ontology: Path = ONTOLOGY) -> dict[URIRef, Graph]:
    """All named graphs of the dataset except the inferred one, keyed by graph IRI."""
    graphs: dict[URIRef, Graph] = {}
    graphs[GRAPH["ontology"]] = load_ontology(ontology)
    graphs[GRAPH["sdg"]] = load_sdg(ontology / "sdg")
    thesaurus = load_thesaurus(ontology)
    if len(thesaurus):
        graphs[GRAPH["thesaurus"]] = thesaurus
    vocab = Vocabulary.load(graphs[GRAPH["ontology"]])
    municipalities = data / "municipalities.yaml"
    if municipalities.exists():
        graphs[GRAPH["municipalities"]] = ingest_municipalities(municipalities)
    for plan_file in document_files(data / "plans"):
        ingester = DocumentIngester(plan_file, vocab, data / "sources")
        graph = ingester.run()
        rel = f"{ingester.document}.yaml"
        alignments = data / "alignments" / rel
        if alignments.exists():
            ingest_alignments(alignments, ingester)
        themes = data / "curation" / "themes" / rel
        if themes.exists():
            ingest_themes(themes, ingester)
        graphs[document_graph_iri(ingester.document)] = graph
    return graphs


__all__ = [
    "BASES", "CHILD_PROPERTY", "CLASSES", "COMPARATORS", "EDITORS", "RELATIONS", "DocumentIngester",
    "SourceText", "Vocabulary", "Where", "document_files", "document_graph_iri", "fragment",
    "ingest_alignments", "ingest_all", "ingest_municipalities", "ingest_themes", "load_ontology", "load_sdg",
    "load_source", "load_thesaurus", "note_literal",
]  # fmt: skip
