"""Our curation added to a document's graph: SDG alignments and themes (data/alignments, data/curation)."""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, XSD, Literal, URIRef
from rdflib.namespace import PROV

from kg.ingest.common import BASES, EDITORS, Where
from kg.ingest.documents import DocumentIngester
from kg.namespaces import ID, KK, SDG
from kg.yamlio import load_yaml


def ingest_alignments(path: Path, ingester: DocumentIngester) -> None:
    """Add the curated SDG alignments of a document to its graph."""
    data = load_yaml(path)
    where = Where(path, 1)
    if not isinstance(data, dict) or data.get("document") != ingester.document:
        where.fail(f"expected `document: {ingester.document}`")
    g = ingester.graph
    for item in data.get("alignments") or []:
        awhere = where.at(item)
        element = ingester.local(item["element"])
        if element not in ingester.element_plan:
            awhere.fail(f"alignment for unknown element {item['element']!r}")
        code = str(item["sdg"])
        node = URIRef(f"{element}/sdg/{code}")
        basis = BASES.get(item.get("basis", ""))
        if basis is None:
            awhere.fail(f"basis must be one of {', '.join(BASES)}")
        g.add((element, KK.sdgAlignment, node))
        g.add((node, RDF.type, KK.SDGAlignment))
        g.add((node, KK.sdg, SDG[code]))
        g.add((node, KK.basis, basis))  # type: ignore[arg-type]
        if item.get("confidence") is not None:
            g.add((node, KK.confidence, Literal(str(item["confidence"]), datatype=XSD.decimal)))
        ingester.quote(node, KK.evidence, item["evidence"], awhere)
        if item.get("rationale"):
            g.add((node, KK.rationale, Literal(str(item["rationale"]), lang="ja")))
        g.add(
            (node, PROV.wasAttributedTo, EDITORS if basis != KK.Automatic else ID["agent/keikaku-suggester"])
        )


def ingest_themes(path: Path, ingester: DocumentIngester) -> None:
    """Add a curated theme file (`{element, themes}` items) to a document's graph."""
    data = load_yaml(path)
    where = Where(path, 1)
    items = data.get("themes", data.get("items")) if isinstance(data, dict) else data
    for item in items or []:
        iwhere = where.at(item)
        element = ingester.local(item["element"])
        if element not in ingester.element_plan:
            iwhere.fail(f"themes for unknown element {item['element']!r}")
        for theme in item.get("themes") or []:
            ingester.graph.add((element, KK.theme, ingester.vocab.concept(KK.ThemeScheme, theme, iwhere)))
