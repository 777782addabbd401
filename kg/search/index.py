"""Build the search index (dist/search/) and open it again.

The engine is tantivy (BM25, positions for phrases, boolean queries, fast fields for facet counts),
fed with text that `kg.search.analysis` has already cut: every text field is indexed twice, as Sudachi
word keys (`*_w`) and as character bigrams (`*_g`), both with tantivy's whitespace tokenizer. Why tantivy
and not an own inverted index or SQLite FTS5: docs/search.md (measured).

The index holds IRIs only (element, plan, municipality, themes) plus the SDG goal numbers and the class:
what it shows beside a hit (label, notation, the texts for the snippet) the store supplies, so the same
index serves the embedded store and a remote endpoint loaded from the same build.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from kg.search.analysis import bigrams, words
from kg.search.documents import BODY_FIELDS, Doc, collect
from kg.search.thesaurus import Thesaurus

FORMAT_VERSION = 1
INDEX_DIR = "tantivy"
META_FILE = "search.json"
THESAURUS_FILE = "thesaurus.json"
GROUPS = ("label", "body", "names")
"""Index fields: the label, the body (every other text) and the names of what is attached."""
FACETS = ("municipality", "plan", "cls", "sdg", "theme")


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("iri", stored=True, tokenizer_name="raw", index_option="basic")
    for group in GROUPS:
        sb.add_text_field(f"{group}_w", tokenizer_name="whitespace")
        sb.add_text_field(f"{group}_g", tokenizer_name="whitespace")
    for facet in FACETS:
        sb.add_text_field(facet, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


def _group_texts(doc: Doc) -> dict[str, list[str]]:
    return {
        "label": doc.texts.get("label", []),
        "body": [t for name in BODY_FIELDS for t in doc.texts.get(name, [])],
        "names": doc.texts.get("names", []),
    }


def _joined(parts: Iterable[list[str]]) -> str:
    # a gap token between two texts keeps a phrase from running across them
    return " \u241e ".join(" ".join(p) for p in parts if p)


def to_fields(doc: Doc) -> dict[str, Any]:
    """The tantivy fields of one element (tokens joined by spaces: the whitespace tokenizer splits them)."""
    fields: dict[str, Any] = {"iri": doc.iri}
    for group, texts in _group_texts(doc).items():
        fields[f"{group}_w"] = _joined(words(t) for t in texts)
        fields[f"{group}_g"] = _joined(bigrams(t) for t in texts)
    fields["municipality"] = [doc.municipality]
    fields["plan"] = [doc.plan]
    fields["cls"] = [doc.cls]
    fields["sdg"] = sorted(doc.sdg_goals) or [""]
    fields["theme"] = sorted(doc.themes) or [""]
    return fields


@dataclass
class BuildStats:
    documents: int
    seconds: dict[str, float]


def build_index(store: Any, target: Path, thesaurus: Thesaurus | None = None) -> BuildStats:
    """Read every element of `store`, analyse it and write the index into `target` (created fresh)."""
    seconds: dict[str, float] = {}
    begin = time.perf_counter()
    docs = collect(store)
    seconds["collect"] = round(time.perf_counter() - begin, 3)
    if target.exists():
        shutil.rmtree(target)
    (target / INDEX_DIR).mkdir(parents=True)
    begin = time.perf_counter()
    index = tantivy.Index(schema(), path=str(target / INDEX_DIR))
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for doc in docs.values():
        writer.add_document(tantivy.Document.from_dict(to_fields(doc)))
    writer.commit()
    writer.wait_merging_threads()
    seconds["index"] = round(time.perf_counter() - begin, 3)
    if thesaurus is not None:
        (target / THESAURUS_FILE).write_text(thesaurus.to_json(), encoding="utf-8")
    meta = {"format": FORMAT_VERSION, "engine": f"tantivy {_version()}", "documents": len(docs),
            "seconds": seconds}  # fmt: skip
    (target / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return BuildStats(len(docs), seconds)


def _version() -> str:
    from importlib.metadata import version

    return version("tantivy")


def open_index(folder: Path) -> tantivy.Index:
    """The index a build wrote into `folder` (dist/search/)."""
    index = tantivy.Index.open(str(folder / INDEX_DIR))
    index.reload()
    return index


__all__ = ["FACETS", "GROUPS", "INDEX_DIR", "META_FILE", "THESAURUS_FILE", "build_index", "open_index",
           "schema", "to_fields"]  # fmt: skip
