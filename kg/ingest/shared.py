"""The shared graphs: municipalities (data/municipalities.yaml), the ontology and the SDG KOS."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, Graph, Literal

from kg.ingest.common import Where
from kg.namespaces import ESTAT_SAC, ID, KK, ORG, SCHEMA
from kg.paths import ONTOLOGY
from kg.terms import parse_rdf
from kg.yamlio import load_yaml


def ingest_municipalities(path: Path) -> Graph:
    """`data/municipalities.yaml` → kk:Municipality resources with codes and e-Stat links."""
    data = load_yaml(path)
    where = Where(path, 1)
    g = Graph()
    items = data.get("municipalities", data) if isinstance(data, dict) else data
    entries: Iterable[tuple[str, Any]] = (
        items.items() if isinstance(items, dict) else ((m["id"], m) for m in items)
    )
    for slug, m in entries:
        mwhere = where.at(m)
        iri = ID[slug]
        g.add((iri, RDF.type, KK.Municipality))
        g.add((iri, RDF.type, ORG.Organization))
        label = m.get("label") or {}
        for lang in ("ja", "en"):
            if label.get(lang):
                g.add((iri, RDFS.label, Literal(label[lang], lang=lang)))
                g.add((iri, SKOS.prefLabel, Literal(label[lang], lang=lang)))
        code = str(m.get("code") or m.get("local_government_code") or "")
        if not re.fullmatch(r"\d{6}", code):
            mwhere.fail(f"{slug}: 全国地方公共団体コード must be 6 digits, got {code!r}")
        g.add((iri, KK.localGovernmentCode, Literal(code)))
        g.add((iri, SKOS.notation, Literal(code)))
        sac = ESTAT_SAC[f"C{code[:5]}"]
        g.add((iri, SKOS.exactMatch, sac))
        parent = m.get("part_of") or m.get("partOf")
        if parent:
            g.add((iri, KK.partOf, ID[parent]))
        pref = m.get("prefecture") or {}
        if isinstance(pref, dict) and pref.get("ja"):
            g.add((iri, SCHEMA.containedInPlace, Literal(pref["ja"], lang="ja")))
        if m.get("code_checked"):
            g.add((iri, SKOS.editorialNote, Literal(str(m["code_checked"]))))
    return g


THESAURUS_FILE = "thesaurus.ttl"
"""The policy thesaurus, which goes to its own graph (graph/thesaurus), not to graph/ontology."""


def load_ontology(folder: Path = ONTOLOGY) -> Graph:
    """The ontology graph: every Turtle file directly in ontology/ except the thesaurus."""
    g = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != THESAURUS_FILE:
            _parse_into(g, path)
    return g


def load_thesaurus(folder: Path = ONTOLOGY) -> Graph:
    """The policy thesaurus (SKOS, ontology/thesaurus.ttl) for graph/thesaurus; empty if it is absent."""
    g = Graph()
    if (folder / THESAURUS_FILE).is_file():
        _parse_into(g, folder / THESAURUS_FILE)
    return g


def load_sdg(folder: Path = ONTOLOGY / "sdg") -> Graph:
    """The SDG graph: the vendored UN KOS and our Japanese labels (the KOS's own VoID stays a file)."""
    g = Graph()
    for path in sorted(folder.glob("*.ttl")):
        if path.name != "void.ttl":
            _parse_into(g, path)
    return g


def _parse_into(g: Graph, path: Path) -> None:
    parse_rdf(path, "ttl", into=g)  # a syntax error is a SourceError with file and line
