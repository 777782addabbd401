"""Repository-anchored paths, so nothing depends on the working directory."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SOURCES = DATA / "sources"
PLANS = DATA / "plans"
ALIGNMENTS = DATA / "alignments"
CURATION = DATA / "curation"
ONTOLOGY = ROOT / "ontology"
SHAPES = ROOT / "shapes"
QUERIES = ROOT / "queries"
DIST = ROOT / "dist"
