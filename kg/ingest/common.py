"""What every part of the ingest shares: the mappings of YAML words to terms, source texts and
quotes, the vocabulary of concept schemes, and error locations (file and line)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import SKOS, Graph, Literal, URIRef

from kg.errors import SourceError
from kg.namespaces import GRAPH, ID, KK, SOURCE, TARGET_COMPARATORS
from kg.paths import SOURCES
from kg.yamlio import line_of, load_yaml

EDITORS = ID["agent/keikaku-editors"]

CLASSES = {"Vision": KK.Vision, "Goal": KK.Goal, "Policy": KK.Policy, "Measure": KK.Measure, "Plan": KK.Plan}
CHILD_PROPERTY = {
    KK.Vision: KK.hasPart,
    KK.Goal: KK.hasGoal,
    KK.Policy: KK.hasPolicy,
    KK.Measure: KK.hasMeasure,
}
BASES = {"Explicit": KK.Explicit, "Curated": KK.Curated, "Automatic": KK.Automatic}
RELATIONS = {
    "implements": KK.implements,
    "continues": KK.continues,
    "inheritsFrom": KK.inheritsFrom,
    "relatedTo": KK.relatedTo,
}
COMPARATORS = frozenset(TARGET_COMPARATORS)
_WS = re.compile(r"\s")


def note_literal(note: object) -> Literal:
    """An editorial note: @en when it is mostly Latin script (some are written in English), else @ja."""
    text = str(note)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return Literal(text, lang="en" if latin > len(text) / 2 else "ja")


def document_graph_iri(document: str) -> URIRef:
    """`kamakura/plan-2030` → graph/kamakura/plan-2030."""
    return GRAPH[document]


def fragment(document: str, start: int, end: int) -> URIRef:
    """The RFC 5147 fragment IRI of a character range of a source document."""
    return URIRef(f"{SOURCE}{document}#char={start},{end}")


@dataclass
class Vocabulary:
    """prefLabel@ja → concept IRI, per scheme, read from ontology/schemes.ttl."""

    schemes: dict[URIRef, dict[str, URIRef]] = field(default_factory=dict)

    @classmethod
    def load(cls, graph: Graph) -> Vocabulary:
        vocab = cls()
        for concept, scheme in graph.subject_objects(SKOS.inScheme):
            for label in graph.objects(concept, SKOS.prefLabel):
                if isinstance(label, Literal) and label.language == "ja":
                    vocab.schemes.setdefault(scheme, {})[str(label)] = concept  # type: ignore[index]
        return vocab

    def concept(self, scheme: URIRef, label: str, where: Where) -> URIRef:
        found = self.schemes.get(scheme, {}).get(label)
        if found is None:
            known = "、".join(sorted(self.schemes.get(scheme, {}))) or "(scheme empty)"
            where.fail(f"{label!r} is not a concept of {scheme.fragment or scheme}; known: {known}")
        return found  # type: ignore[return-value]


@dataclass
class Where:
    """A file and a line, for error messages."""

    path: Path
    line: int | None = None

    def at(self, value: Any, key: Any = None) -> Where:
        """The line of `value` (a mapping), or of its `key` when given; else this one."""
        return Where(self.path, line_of(value, key) or self.line)

    def fail(self, message: str, rule: str | None = None) -> None:
        raise SourceError(message, self.path, self.line, rule)

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        """`value` when it is a mapping, else a SourceError naming `what` (rule `type`)."""
        if not isinstance(value, dict):
            self.fail(f"{what} must be a mapping, got {type(value).__name__} {value!r:.60}", "type")
        return value

    def sequence(self, value: Any, what: str) -> list[Any]:
        """`value` when it is a list (None → []), else a SourceError naming `what` (rule `type`)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{what} must be a list, got {type(value).__name__} {value!r:.60}", "type")
        return value

    def integer(self, value: Any, what: str) -> int:
        """`value` when it is an integer (not a boolean), else a SourceError (rule `type`)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{what} must be an integer, got {type(value).__name__} {value!r:.60}", "type")
        return value


@dataclass
class SourceText:
    """One source document held in memory with its metadata."""

    document: str
    text: str
    meta: dict[str, Any]
    path: Path

    def check_quote(self, quote: Any, where: Where) -> list[tuple[int, int]]:
        """Validate a `{text, at}` quote against the fidelity rule; return its ranges."""
        if not isinstance(quote, dict) or "text" not in quote or "at" not in quote:
            where.at(quote).fail(f"expected a quoted text {{text, at}}, got {quote!r:.80}")
        ranges = source_ranges(quote["at"], where.at(quote))
        pieces = []
        for start, end in ranges:
            if not 0 <= start < end <= len(self.text):
                where.at(quote).fail(
                    f"range [{start}, {end}] is outside {self.document} (0–{len(self.text)})"
                )
            pieces.append(self.text[start:end])
        if _WS.sub("", "".join(pieces)) != _WS.sub("", str(quote["text"])):
            got = _WS.sub("", "".join(pieces))[:40]
            where.at(quote).fail(
                f"quote {str(quote['text'])[:40]!r} does not match the source at {ranges}: {got!r}"
            )
        return ranges


def source_ranges(at: Any, where: Where) -> list[tuple[int, int]]:
    if isinstance(at, list) and len(at) == 2 and all(isinstance(x, int) for x in at):
        return [(at[0], at[1])]
    if (
        isinstance(at, list)
        and at
        and all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, int) for x in p) for p in at)
    ):
        return [(p[0], p[1]) for p in at]
    where.fail(f"`at` must be [start, end] or a list of such pairs, got {at!r}")
    return []


def load_source(document: str, sources: Path = SOURCES) -> SourceText:
    """Read `data/sources/{document}.txt` and its `.meta.yaml`, checking the recorded sha256."""
    path = sources / f"{document}.txt"
    meta_path = sources / f"{document}.meta.yaml"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"source document missing: {exc}", path) from exc
    meta = load_yaml(meta_path) if meta_path.exists() else {}
    digest = hashlib.sha256(raw).hexdigest()
    if meta.get("sha256") and meta["sha256"] != digest:
        raise SourceError(f"sha256 {digest} differs from the recorded {meta['sha256']}", meta_path)
    with path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    return SourceText(document, text, meta, path)
