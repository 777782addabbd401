"""What the server reads from `dist/` besides the store: the source texts, their metadata, the
vocabulary Turtle and the build record.

A deployed server needs `dist/` and nothing else (never the repository's `data/` or `ontology/`):
`keikaku build` copies `data/sources/<municipality>/<document>.txt|.meta.yaml` to `dist/sources/` byte for
byte, and the ontology Turtle to `dist/ontology/`. Every path comes from `Settings.dist`; slugs are
checked, so no request names a file outside it. Files are re-read when their modification time changes.

>>> read_source(Path("/nonexistent"), "../etc", "passwd") is None
True
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
#: What follows `<base>source/` in the IRI of a source document or of a range of it:
#: `<municipality>/<document>` and, for a range, `#char=<start>,<end>` (RFC 5147 offsets).
SOURCE_REF = re.compile(r"^([a-z0-9-]+)/([a-z0-9-]+)(?:#char=(\d+),(\d+))?$")


def sources_dir(dist: Path) -> Path:
    return dist / "sources"


@lru_cache(maxsize=32)
def _read_source(path: str, mtime: float) -> str:
    with open(path, encoding="utf-8", newline="") as fh:  # offsets count code points of this reading
        return fh.read()


def read_source(dist: Path, municipality: str, document: str) -> str | None:
    """The text of a source document, or None (slugs are checked, so no path leaves `dist/sources`)."""
    if not _SLUG.match(municipality) or not _SLUG.match(document):
        return None
    path = sources_dir(dist) / municipality / f"{document}.txt"
    if not path.is_file():
        return None
    return _read_source(str(path), path.stat().st_mtime)


def excerpt(
    dist: Path, municipality: str, document: str, start: int, end: int, limit: int = 60
) -> str | None:
    """The quoted range of a source text, whitespace removed and cut at `limit` characters."""
    text = read_source(dist, municipality, document)
    if text is None or not 0 <= start <= end <= len(text):
        return None
    quoted = re.sub(r"\s+", "", text[start:end])
    return quoted if len(quoted) <= limit else quoted[: limit - 1] + "…"


def read_meta(dist: Path, municipality: str, document: str) -> dict[str, Any]:
    """A source document's `meta.yaml` (title, publisher, licence), or {} when absent or unreadable."""
    if not _SLUG.match(municipality) or not _SLUG.match(document):
        return {}
    path = sources_dir(dist) / municipality / f"{document}.meta.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def build_info(dist: Path) -> dict[str, Any]:
    """`dist/build.json` (when and from what the dataset was built), or {}."""
    path = dist / "build.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ontology_files(dist: Path) -> list[Path]:
    """The vocabulary Turtle the build copied to dist/ontology/ (it decides which: `kg.build`)."""
    folder = dist / "ontology"
    return sorted(folder.glob("*.ttl")) if folder.is_dir() else []


@lru_cache(maxsize=4)
def _ontology(stamp: tuple[tuple[str, float], ...]) -> Graph:
    g = Graph()
    for path, _ in stamp:
        g.parse(path, format="turtle")
    return g


def ontology_graph(dist: Path) -> Graph:
    """The vocabulary (every Turtle file of dist/ontology/: keikaku.ttl, schemes.ttl), parsed once per
    change of the files."""
    return _ontology(tuple((str(p), p.stat().st_mtime) for p in ontology_files(dist) if p.is_file()))
