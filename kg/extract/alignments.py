"""Turn a curated SDG-alignment file into the located alignment file that the engine ingests.

Curators write only what needs judgement — element, SDG code, basis, confidence, an evidence *quote* and a
rationale — in ``data/curation/alignments/{municipality}/{document}.yaml``. Character offsets are tedious
and error-prone to type, so this generator finds each quote in the unchanged source text and writes
``data/alignments/{municipality}/{document}.yaml`` with ``evidence: {text, at}`` as docs/data-format.md
requires. It refuses (with the alignment named) anything that would put a wrong fact into the graph: a quote
that is missing or occurs more than once, an SDG code that is not a goal or target of the UN SDG KOS, a
malformed field, a duplicate element/SDG pair, and — once the structured extraction exists — an element id
it does not define.

Matching ignores white space, because the PDF-derived text breaks lines and indents inside sentences, and
skips page-number lines (a line holding only a number), so a quote may run across a page break; the
offsets then become a list of ``[start, end]`` pairs around the page number. Offsets count Unicode code
points of the file read with ``newline=""`` (RFC 5147 ``char=`` fragments). Where a document prints the
same passage several times (Tsurumi's evaluation table repeats a row under each heading it serves), a
repeated quote is resolved to the occurrence inside the element's own quoted texts (or its descendants')
in the extraction; it stays ambiguous, and is refused, if that does not single one out.

Usage (``python -m kg.extract.alignments kamakura plan-2030``, named in the generated files, does the same)::

    keikaku extract kamakura/plan-2030          # (re)write the document's plan and alignment files
    keikaku extract --check kamakura/plan-2030  # exit 1 if one of them is out of date
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kg import paths
from kg.errors import SourceError

CURATION = paths.CURATION / "alignments"
KOS_FILE = "sdg-kos-goals-targets-indicators.ttl"
# The vendored copy wins; the shared research copy is the fallback while the ontology is being assembled.
KOS_CANDIDATES = (paths.ONTOLOGY / "sdg" / KOS_FILE, paths.ROOT.parent / "shared" / "sdg-data" / KOS_FILE)

SDG_BASE = "http://metadata.un.org/sdg/"
SDGO = "http://metadata.un.org/sdg/ontology#"
BASES = ("Explicit", "Curated", "Automatic")
REQUIRED_KEYS = ("element", "sdg", "basis", "confidence", "evidence", "rationale")
SDG_CODE = re.compile(r"^[1-9][0-9]?(\.([0-9]{1,2}|[a-z]))?$")
ELEMENT_ID = re.compile(r"^[a-z0-9][a-z0-9\-]*(/[A-Za-z0-9\-]+)+$")
PAGE_NUMBER_LINE = re.compile(r"(?m)^[ \t\u3000]*[0-9０-９]{1,4}[ \t\u3000]*$")
WHITE = re.compile(r"\s")

Span = tuple[int, int]


class EvidenceNotFound(SourceError):
    """An evidence quote does not occur in the source (ignoring white space and page numbers)."""


class EvidenceAmbiguous(SourceError):
    """An evidence quote occurs more than once; the curator must quote a longer, unique passage."""


def squeeze(text: str) -> str:
    """Remove all white space (including U+3000), as the fidelity rule compares texts.

    >>> squeeze("ごみの 削減\\n に　取り組みます")
    'ごみの削減に取り組みます'
    """
    return WHITE.sub("", text)


@dataclass(frozen=True)
class SourceIndex:
    """A source text with a white-space-free view that maps back to code-point offsets of the original.

    Characters on page-number lines are left out of the view, so that a quote which the page break
    interrupts still matches; ``page_prefix`` counts them so a match can be split around them.
    """

    text: str
    squeezed: str
    positions: tuple[int, ...]
    page_prefix: tuple[int, ...]

    @classmethod
    def from_text(cls, text: str) -> SourceIndex:
        """Index ``text`` (already read with ``newline=""``).

        >>> SourceIndex.from_text("ab\\n 7 \\ncd").locate("bc")
        [(1, 2), (7, 8)]
        """
        on_page_line = [False] * len(text)
        for match in PAGE_NUMBER_LINE.finditer(text):
            for i in range(match.start(), match.end()):
                on_page_line[i] = True
        prefix = [0]
        for flag in on_page_line:
            prefix.append(prefix[-1] + flag)
        kept = [i for i, ch in enumerate(text) if not on_page_line[i] and not ch.isspace()]
        return cls(text, "".join(text[i] for i in kept), tuple(kept), tuple(prefix))

    @classmethod
    def from_file(cls, path: Path) -> SourceIndex:
        """Read the source exactly as offsets are defined: UTF-8, no newline translation."""
        with open(path, encoding="utf-8", newline="") as handle:
            return cls.from_text(handle.read())

    def _matches(self, needle: str) -> list[int]:
        """Indices into ``squeezed`` where ``needle`` starts, overlapping matches included."""
        found: list[int] = []
        start = self.squeezed.find(needle) if needle else -1
        while start != -1:
            found.append(start)
            start = self.squeezed.find(needle, start + 1)
        return found

    def occurrences(self, quote: str) -> list[int]:
        """Start offsets (in the original text) of every match of ``quote``."""
        return [self.positions[k] for k in self._matches(squeeze(quote))]

    def _spans(self, first: int, length: int) -> list[Span]:
        """The source ranges of the match at ``squeezed[first:first + length]``, split around page numbers."""
        spans: list[Span] = []
        seg_start = self.positions[first]
        previous = seg_start
        for k in range(first + 1, first + length):
            here = self.positions[k]
            if self.page_prefix[here] != self.page_prefix[previous]:
                spans.append((seg_start, previous + 1))
                seg_start = here
            previous = here
        spans.append((seg_start, previous + 1))
        return spans

    def locate(self, quote: str, within: Sequence[Span] = ()) -> list[Span]:
        """The source ranges of the single occurrence of ``quote``: one span, or several around page numbers.

        Some documents print the same passage several times (a table row repeated under each heading it
        serves). When the quote occurs more than once, ``within`` — the ranges the element's own quoted
        texts occupy — picks the occurrence: only matches lying wholly inside those ranges are kept. A
        quote that occurs once is taken as it is, so documents without repetitions are unaffected.

        >>> SourceIndex.from_text("ab ab").locate("ab", within=[(3, 5)])
        [(3, 5)]

        Raises:
            LookupError: the quote is absent (``args[1] == []``) or ambiguous (``args[1]`` lists the starts).
        """
        needle = squeeze(quote)
        starts = self._matches(needle)
        if len(starts) > 1 and within:
            inside = [
                k
                for k in starts
                if all(any(a <= s and e <= b for a, b in within) for s, e in self._spans(k, len(needle)))
            ]
            starts = inside or starts
        if len(starts) != 1:
            raise LookupError(quote, [self.positions[s] for s in starts])
        return self._spans(starts[0], len(needle))

    def line_of(self, offset: int) -> int:
        """1-based line number of an offset, for error messages."""
        return self.text.count("\n", 0, offset) + 1


def kos_path() -> Path:
    """The SDG KOS to check codes against: the vendored ontology copy if present, else the shared one."""
    for candidate in KOS_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise SourceError("UN SDG KOS not found; looked at " + ", ".join(str(c) for c in KOS_CANDIDATES))


@lru_cache(maxsize=4)
def load_sdg_codes(path: Path) -> frozenset[str]:
    """Codes of every ``sdgo:Goal`` and ``sdgo:Target`` in the KOS ("13", "13.2", "13.a").

    Parsed with rdflib rather than pattern-matched, so only resources really typed Goal/Target count.
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    graph = Graph()
    graph.parse(path, format="turtle")
    codes: set[str] = set()
    for cls in ("Goal", "Target"):
        for subject in graph.subjects(RDF.type, URIRef(SDGO + cls)):
            iri = str(subject)
            if iri.startswith(SDG_BASE):
                codes.add(iri[len(SDG_BASE) :])
    return frozenset(codes)


def _item_lines(path: Path, text: str) -> list[int]:
    """1-based line of each item of the top-level ``alignments`` sequence, so errors can point at it."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(f"YAML syntax error: {exc}", path, mark.line + 1 if mark else None) from exc
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "alignments" and isinstance(value, yaml.SequenceNode):
                return [node.start_mark.line + 1 for node in value.value]
    return []


def known_element_ids(municipality: str, document: str) -> set[str] | None:
    """Ids defined by the structured extraction (elements, plans, stubs), or None while it does not exist."""
    plan_file = paths.PLANS / municipality / f"{document}.yaml"
    if not plan_file.is_file():
        return None
    data = yaml.safe_load(plan_file.read_text(encoding="utf-8")) or {}
    ids: set[str] = set()
    for key in ("plans", "elements"):
        ids.update(str(item["id"]) for item in data.get(key) or [] if isinstance(item, dict) and "id" in item)
    return ids


QUOTED_FIELDS = ("label", "subtitle", "description", "target_state", "texts", "cocreation", "variants")


def _quoted_spans(value: Any) -> list[Span]:
    """The ``at`` ranges of a quoted text ``{text, at}`` or a list of them (one pair or a list of pairs)."""
    items = value if isinstance(value, list) else [value]
    spans: list[Span] = []
    for item in items:
        at = item.get("at") if isinstance(item, dict) else None
        if not at:
            continue
        pairs = at if isinstance(at[0], list) else [at]
        spans.extend((int(s), int(e)) for s, e in pairs)
    return spans


def element_text_spans(municipality: str, document: str) -> dict[str, list[Span]]:
    """Source ranges of each element's own quoted texts and those of its descendants (empty if no extraction).

    This is the text an alignment of the element may quote; the generator uses it only to choose among
    repeated occurrences of a quote (see ``SourceIndex.locate``).
    """
    plan_file = paths.PLANS / municipality / f"{document}.yaml"
    if not plan_file.is_file():
        return {}
    data = yaml.safe_load(plan_file.read_text(encoding="utf-8")) or {}
    elements = [e for e in data.get("elements") or [] if isinstance(e, dict) and "id" in e]
    parent = {str(e["id"]): str(e.get("parent", "")) for e in elements}
    spans: dict[str, list[Span]] = {str(e["id"]): [] for e in elements}
    for e in elements:
        own = [span for key in QUOTED_FIELDS if key in e for span in _quoted_spans(e[key])]
        node: str | None = str(e["id"])
        seen: set[str] = set()
        while node in spans and node not in seen:  # the element, then each ancestor among the elements
            seen.add(node)
            spans[node].extend(own)
            node = parent.get(node)
    return spans


def _check_item(item: Any, where: str, path: Path, line: int | None, codes: frozenset[str]) -> None:
    """Refuse a malformed curation entry before any text search, naming the field."""
    if not isinstance(item, dict):
        raise SourceError(f"{where}: an alignment must be a mapping", path, line)
    missing = [key for key in REQUIRED_KEYS if key not in item]
    unknown = sorted(set(item) - set(REQUIRED_KEYS))
    if missing or unknown:
        raise SourceError(f"{where}: missing keys {missing}, unknown keys {unknown}", path, line)
    element, sdg = item["element"], item["sdg"]
    if not isinstance(element, str) or not ELEMENT_ID.match(element):
        raise SourceError(f"{where}: element {element!r} is not a relative element id", path, line)
    if not isinstance(sdg, str):
        # An unquoted 16.10 would silently become the float 16.1.
        raise SourceError(f"{where}: sdg must be a quoted string, got {sdg!r}", path, line)
    if not SDG_CODE.match(sdg) or sdg not in codes:
        raise SourceError(f"{where}: SDG {sdg!r} is not a goal or target of the UN SDG KOS", path, line)
    if item["basis"] not in BASES:
        raise SourceError(f"{where}: basis must be one of {BASES}, got {item['basis']!r}", path, line)
    confidence = item["confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise SourceError(f"{where}: confidence must be a number in 0..1, got {confidence!r}", path, line)
    for key in ("evidence", "rationale"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise SourceError(f"{where}: {key} must be a non-empty text", path, line)


def generate(
    municipality: str,
    document: str,
    *,
    curation_file: Path | None = None,
    source_file: Path | None = None,
    sdg_codes: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Build the located alignment document for ``{municipality}/{document}`` from its curation file.

    Example (on the real Kamakura data)::

        >>> data = generate("kamakura", "plan-2030")
        >>> data["document"], sorted(data["alignments"][0]["evidence"])
        ('kamakura/plan-2030', ['at', 'text'])

    Raises:
        SourceError: with file, line and the alignment named, for anything the curation gets wrong.
    """
    curation_file = curation_file or CURATION / municipality / f"{document}.yaml"
    source_file = source_file or paths.SOURCES / municipality / f"{document}.txt"
    if not curation_file.is_file():
        raise SourceError("curation file not found", curation_file)
    if not source_file.is_file():
        raise SourceError("source text not found", source_file)
    codes = sdg_codes if sdg_codes is not None else load_sdg_codes(kos_path())

    text = curation_file.read_text(encoding="utf-8")
    lines = _item_lines(curation_file, text)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise SourceError("expected a mapping with document, curator and alignments", curation_file)
    expected = f"{municipality}/{document}"
    if data.get("document") != expected:
        raise SourceError(f"document must be {expected!r}, got {data.get('document')!r}", curation_file)
    if not isinstance(data.get("curator"), str) or not data["curator"].strip():
        raise SourceError("curator must be a non-empty text", curation_file)
    items = data.get("alignments")
    if not isinstance(items, list):
        raise SourceError("alignments must be a list", curation_file)

    index = SourceIndex.from_file(source_file)
    element_ids = known_element_ids(municipality, document)
    element_spans = element_text_spans(municipality, document)
    seen: dict[tuple[str, str], int] = {}
    out: list[dict[str, Any]] = []
    for number, item in enumerate(items, start=1):
        line = lines[number - 1] if number - 1 < len(lines) else None
        label = f"{item.get('element')} → SDG {item.get('sdg')}" if isinstance(item, dict) else "?"
        where = f"alignment #{number} ({label})"
        _check_item(item, where, curation_file, line, codes)
        key = (item["element"], item["sdg"])
        if key in seen:
            raise SourceError(f"{where}: duplicates alignment #{seen[key]}", curation_file, line)
        seen[key] = number
        if element_ids is not None and item["element"] not in element_ids:
            raise SourceError(
                f"{where}: element {item['element']!r} is not defined in data/plans/{expected}.yaml",
                curation_file,
                line,
            )
        quote = " ".join(item["evidence"].split())
        try:
            spans = index.locate(quote, element_spans.get(item["element"], ()))
        except LookupError as exc:
            starts = exc.args[1]
            if not starts:
                raise EvidenceNotFound(
                    f"{where}: evidence «{quote}» not found in {source_file.name}", curation_file, line
                ) from None
            places = ", ".join(f"offset {s} (line {index.line_of(s)})" for s in starts)
            raise EvidenceAmbiguous(
                f"{where}: evidence «{quote}» occurs {len(starts)} times in {source_file.name} "
                f"({places}); quote a longer passage",
                curation_file,
                line,
            ) from None
        at: list[int] | list[list[int]] = (
            [spans[0][0], spans[0][1]] if len(spans) == 1 else [[s, e] for s, e in spans]
        )
        out.append(
            {
                "element": item["element"],
                "sdg": item["sdg"],
                "basis": item["basis"],
                "confidence": item["confidence"],
                "evidence": {"text": quote, "at": at},
                "rationale": item["rationale"].strip(),
            }
        )
    return {"document": expected, "curator": data["curator"], "alignments": out}


class _Flow(list):  # type: ignore[type-arg]
    """A list that the dumper writes in flow style (``[12, 34]``), as the data-format examples do."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that keeps offsets on one line and never wraps long Japanese lines."""


_Dumper.add_representer(
    _Flow, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)
)


def render(data: dict[str, Any], curation_file: Path) -> str:
    """The output file's text: a do-not-edit header, then the document as block YAML."""
    municipality, document = data["document"].split("/", 1)
    alignments = []
    for item in data["alignments"]:
        at = item["evidence"]["at"]
        flow = _Flow(_Flow(pair) for pair in at) if isinstance(at[0], list) else _Flow(at)
        alignments.append({**item, "evidence": {"text": item["evidence"]["text"], "at": flow}})
    body = yaml.dump(
        {**data, "alignments": alignments},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
        default_flow_style=False,
    )
    try:
        shown = curation_file.relative_to(paths.ROOT)
    except ValueError:
        shown = curation_file
    header = (
        f"# GENERATED by kg/extract/alignments.py from {shown} — do not edit by hand.\n"
        f"# Regenerate: python -m kg.extract.alignments {municipality} {document}\n"
    )
    return header + body


def output_path(municipality: str, document: str) -> Path:
    """Where the located alignments of a document live."""
    return paths.ALIGNMENTS / municipality / f"{document}.yaml"


def build(municipality: str, document: str) -> str:
    """Generate and render in one step (what the CLI writes and the tests compare against)."""
    curation_file = CURATION / municipality / f"{document}.yaml"
    return render(generate(municipality, document, curation_file=curation_file), curation_file)


if __name__ == "__main__":  # the generated files' headers name this command (MUNICIPALITY DOCUMENT)
    import sys

    from kg.extract.cli import module_main

    document = "/".join(a for a in sys.argv[1:] if not a.startswith("-"))
    raise SystemExit(module_main([document], sys.argv[1:]))
