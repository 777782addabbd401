"""Helpers shared by the extractors: reading a source, quoted texts, the fidelity rule and a YAML writer.

Every piece of text an extractor takes from a source document is a *quoted text* ``{text, at}``
(docs/data-format.md). These helpers are the one place that decides how a slice of a PDF-derived text
becomes a readable ``text`` (line breaks and indentation removed, nothing else touched) and how the
fidelity rule is checked, so that all extractors — and the tests — agree on it.

>>> src = "  平和都市宣言及び鎌倉市民憲章の\\n\\n精神とします。\\n"
>>> quote(src, 0, len(src))
{'text': '平和都市宣言及び鎌倉市民憲章の精神とします。', 'at': [2, 26]}
>>> find_quote(src, "憲章の精神")
[(14, 21)]
>>> check_fidelity(src, {"text": "憲章の 精神", "at": [14, 21]})
True
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

import yaml

from kg.errors import SourceError

WS = re.compile(r"\s")
"""White space as the fidelity rule understands it (``re.sub(r"\\s", "", …)`` — includes U+3000)."""

PAGE_NUMBER = re.compile(r"^\s*[-－‐]?\s*\d{1,3}\s*[-－‐]?\s*$")
"""A line that holds only a page number (``5``, ``- 12 -``): the usual junk inside a PDF-derived text."""

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")

Range = tuple[int, int]


class QuoteNotFound(SourceError, ValueError):
    """A text that an extractor expected in its source is not there (the source or the parser changed)."""


class SpecError(QuoteNotFound):
    """A curation spec that cannot be resolved: not in the source, or malformed (fix the curation file,
    never the source)."""


def read_source(path: Path) -> str:
    """A source text exactly as the offsets count it: code points of UTF-8, newlines untranslated."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


# ---- quoted texts ----------------------------------------------------------------------------------


def clean_text(raw: str) -> str:
    """Remove the PDF's line breaks and indentation; keep every other character as printed.

    Lines are stripped and joined without a separator (Japanese has no spaces between words); only
    where an ASCII word was broken across lines (``Sustainable`` / ``Development``) a space is kept, so
    that the reader does not see ``SustainableDevelopment``. White space inside a line stays as printed.

    >>> clean_text("持続可能な開発目標（Sustainable \\n\\nDevelopment Goals）のこと")
    '持続可能な開発目標（Sustainable Development Goals）のこと'
    """
    out = ""
    for line in raw.splitlines():
        piece = line.strip()
        if not piece:
            continue
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(piece[0]):
            out += " "
        out += piece
    return out


def trim(source: str, start: int, end: int) -> Range:
    """Shrink ``[start, end)`` so that it neither starts nor ends with white space."""
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class Quote:
    """A quoted text: what the reader sees and the source ranges it was read from."""

    text: str
    at: tuple[Range, ...]

    def to_dict(self) -> dict[str, Any]:
        """The YAML form: ``at`` is one pair, or a list of pairs when the text is interrupted."""
        pairs = [[s, e] for s, e in self.at]
        return {"text": self.text, "at": pairs[0] if len(pairs) == 1 else pairs}


def make_quote(source: str, ranges: Sequence[Range]) -> Quote:
    """A :class:`Quote` over one or more ranges, each trimmed of surrounding white space."""
    trimmed = [trim(source, s, e) for s, e in ranges]
    trimmed = [(s, e) for s, e in trimmed if s < e]
    if not trimmed:
        raise QuoteNotFound(f"empty quote at {list(ranges)}")
    text = clean_text("\n".join(source[s:e] for s, e in trimmed))
    return Quote(text, tuple(trimmed))


def quote(source: str, start: int, end: int) -> dict[str, Any]:
    """The quoted text ``{text, at}`` of ``source[start:end]`` (white space at both ends trimmed)."""
    return make_quote(source, [(start, end)]).to_dict()


def quote_ranges(source: str, ranges: Sequence[Range]) -> dict[str, Any]:
    """The quoted text of several ranges read as one text (a page number or heading cut out)."""
    return make_quote(source, ranges).to_dict()


@lru_cache(maxsize=16)
def _index(source: str, skip: re.Pattern[str] | None) -> tuple[str, tuple[int, ...]]:
    """The source without white space (and without the lines ``skip`` matches), with offsets."""
    skipped = [False] * len(source)
    if skip is not None:
        pos = 0
        for line in source.splitlines(keepends=True):
            if skip.match(line.rstrip("\r\n")):
                skipped[pos : pos + len(line)] = [True] * len(line)
            pos += len(line)
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(source):
        if not skipped[i] and not WS.match(ch):
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), tuple(offsets)


def find_quote(
    source: str, text: str, start: int = 0, *, end: int | None = None, skip: re.Pattern[str] | None = None
) -> list[Range]:
    """Locate ``text`` in ``source`` ignoring white space; return the ranges it occupies.

    The first occurrence that starts at or after ``start`` (and ends by ``end``) is returned. With
    ``skip`` (e.g. :data:`PAGE_NUMBER`), lines matching it are ignored, and the result is split into
    several ranges around them — the multi-range ``at`` of a text interrupted by a page number.

    >>> find_quote("共創\\n12\\n社会", "共創社会", skip=PAGE_NUMBER)
    [(0, 2), (6, 8)]
    """
    stripped, offsets = _index(source, skip)
    needle = WS.sub("", text)
    if not needle:
        raise QuoteNotFound("empty text")
    first = bisect_left(offsets, start)
    hit = stripped.find(needle, first)
    if hit < 0 or (end is not None and offsets[hit + len(needle) - 1] >= end):
        raise QuoteNotFound(f"{text[:40]!r} not found after offset {start}")
    positions = offsets[hit : hit + len(needle)]
    ranges: list[Range] = []
    run_start = prev = positions[0]
    for pos in positions[1:]:
        if WS.sub("", source[prev + 1 : pos]):  # something skipped lies between: a new range
            ranges.append((run_start, prev + 1))
            run_start = pos
        prev = pos
    ranges.append((run_start, prev + 1))
    return ranges


def find(source: str, text: str, start: int = 0, **kwargs: Any) -> dict[str, Any]:
    """:func:`find_quote`, returned as the quoted text ``{text, at}``."""
    return quote_ranges(source, find_quote(source, text, start, **kwargs))


def ranges_of(at: Any) -> list[Range]:
    """The ``at`` of a quoted text as a list of ranges (one pair or a list of pairs)."""
    if isinstance(at, (list, tuple)) and len(at) == 2 and all(isinstance(x, int) for x in at):
        return [(at[0], at[1])]
    if isinstance(at, (list, tuple)) and at and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in at):
        return [(int(p[0]), int(p[1])) for p in at]
    raise ValueError(f"`at` must be [start, end] or a list of such pairs, got {at!r}")


def check_fidelity(source: str, quoted: dict[str, Any]) -> bool:
    """The fidelity rule: the source slices, white space removed, equal the text, white space removed.

    Ranges must also lie inside the source and not be empty; a malformed ``at`` is not faithful.
    """
    try:
        ranges = ranges_of(quoted["at"])
    except (KeyError, ValueError):
        return False
    if not all(0 <= s < e <= len(source) for s, e in ranges):
        return False
    sliced = "".join(source[s:e] for s, e in ranges)
    return WS.sub("", sliced) == WS.sub("", str(quoted.get("text", "")))


# ---- reading a source -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One content line of a source: its 1-based line number, trimmed offsets and trimmed text."""

    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Found:
    """A located text: its ranges in the source (one or more) and the reader's text of them."""

    ranges: tuple[Range, ...]
    text: str

    @property
    def start(self) -> int:
        return self.ranges[0][0]

    @property
    def end(self) -> int:
        return self.ranges[-1][1]

    def at(self) -> Any:
        """The ``at`` of the YAML: one pair, or a list of pairs."""
        pairs = [[s, e] for s, e in self.ranges]
        return pairs[0] if len(pairs) == 1 else pairs

    def quote(self) -> dict[str, Any]:
        """The quoted text ``{text, at}`` of docs/data-format.md."""
        return {"text": self.text, "at": self.at()}


class SourceReader:
    """One source text, indexed once for both ways the extractors read it.

    By layout: ``lines`` are the content lines (blank and page-number lines left out, their numbers in
    ``page_numbers``); ``find``, ``expect``, ``quote`` … read them as a grammar over headings does
    (kamakura's), and ``fail`` names the file and line where the text departs from the layout. By quote:
    ``locate`` finds a text ignoring white space, so a PDF line break or indentation never defeats a
    quote — what the curation specs of curated.py and tsurumi_evaluation.py resolve to.

    >>> reader = SourceReader("地域\\n活動  協議会\\n 3 \\n")
    >>> reader.locate("域活動")
    Found(ranges=((1, 5),), text='域活動')
    >>> [line.text for line in reader.lines], reader.page_numbers
    (['地域', '活動  協議会'], [3])
    """

    who = "extractor"
    """How `fail` names the reader in its messages."""

    def __init__(self, source: str, path: Path | None = None) -> None:
        self.source = source
        self.path = path
        self.positions = [i for i, c in enumerate(source) if not WS.match(c)]
        self.stripped = "".join(source[i] for i in self.positions)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.lines: list[Line] = []
        self.page_numbers: list[int] = []
        offset = 0
        for number, raw in enumerate(source.splitlines(keepends=True), start=1):
            body = raw.rstrip("\r\n")
            stripped = body.strip()
            if stripped and PAGE_NUMBER.match(body):
                self.page_numbers.append(number)
            elif stripped:
                lead = len(body) - len(body.lstrip())
                self.lines.append(Line(number, offset + lead, offset + lead + len(stripped), stripped))
            offset += len(raw)

    def span(self, start: int, end: int) -> Found:
        """``source[start:end]`` as a located text (the reader's text: :func:`clean_text`)."""
        return Found(((start, end),), clean_text(self.source[start:end]))

    def locate(self, needle: str, start: int = 0, nth: int = 1) -> Found:
        """The ``nth`` occurrence of ``needle`` (white space ignored) starting at or after ``start``."""
        target = WS.sub("", needle)
        if not target:
            raise SpecError("empty quote")
        if nth < 1:
            raise SpecError(f"nth must be ≥ 1, got {nth}")
        k = bisect_left(self.positions, start)
        hit = -1
        for _ in range(nth):
            hit = self.stripped.find(target, k)
            if hit < 0:
                raise SpecError(f"{needle[:50]!r} (occurrence {nth}) not found after char {start}")
            k = hit + 1
        return self.span(self.positions[hit], self.positions[hit + len(target) - 1] + 1)

    def count(self, needle: str) -> int:
        """How often ``needle`` occurs (white space ignored)."""
        return self.stripped.count(WS.sub("", needle))

    def find_line(self, content: str, start: int = 0, nth: int = 1) -> Found:
        """The ``nth`` whole line (from ``start``) whose text, white space ignored, equals ``content``."""
        target = WS.sub("", content)
        seen = 0
        first = bisect_right(self.line_starts, start) - 1
        for idx in range(max(first, 0), len(self.line_starts)):
            ls = self.line_starts[idx]
            le = self.line_starts[idx + 1] - 1 if idx + 1 < len(self.line_starts) else len(self.source)
            if ls < start:
                continue
            if WS.sub("", self.source[ls:le]) == target:
                seen += 1
                if seen == nth:
                    line = self.source[ls:le]
                    lead = len(line) - len(line.lstrip())
                    return self.span(ls + lead, ls + len(line.rstrip()))
        raise SpecError(f"line {content!r} (occurrence {nth}) not found after char {start}")

    # -- by layout (content lines)

    def fail(self, message: str, index: int | None = None) -> NoReturn:
        """Raise a SourceError naming the file and the line of content line ``index``."""
        line = self.lines[index].number if index is not None and index < len(self.lines) else None
        raise SourceError(f"{self.who}: {message}", self.path, line)

    def find(self, pattern: str | re.Pattern[str], start: int = 0, stop: int | None = None) -> int:
        """Index of the first content line (from ``start``) that fully matches ``pattern``."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        for i in range(start, len(self.lines) if stop is None else stop):
            if rx.fullmatch(self.lines[i].text):
                return i
        self.fail(f"expected a line matching {rx.pattern!r}", start)

    def expect(self, index: int, text: str) -> None:
        """Fail unless content line ``index`` reads exactly ``text``."""
        if index >= len(self.lines) or self.lines[index].text != text:
            self.fail(f"expected {text!r}", index)

    def ranges(self, i: int, j: int) -> list[Range]:
        """The source ranges of content lines ``i``..``j-1``; split where a page number intervenes."""
        out: list[Range] = []
        for line in self.lines[i:j]:
            if out and not self.source[out[-1][1] : line.start].strip():
                out[-1] = (out[-1][0], line.end)
            else:
                out.append((line.start, line.end))
        return out

    def quote(self, i: int, j: int | None = None) -> dict[str, Any]:
        """The quoted text of content lines ``i``..``j-1`` (one line when ``j`` is omitted)."""
        if j is None:
            j = i + 1
        if j <= i:
            self.fail("empty text", i)
        return quote_ranges(self.source, self.ranges(i, j))

    def heading_label(self, index: int, match: re.Match[str], group: int) -> dict[str, Any]:
        """The quoted text of one group of a heading's match (e.g. the 名称 of ``3-4 廃棄物``)."""
        line = self.lines[index]
        return quote(self.source, line.start + match.start(group), line.start + match.end(group))

    def bracketed(self, i: int, j: int, *, last: bool = False) -> dict[str, Any]:
        """The text inside the first (or last) 「…」 of lines ``i``..``j-1``, across line breaks."""
        start, end = self.lines[i].start, self.lines[j - 1].end
        found = list(re.finditer(r"「([^「」]+)」", self.source[start:end]))
        if not found:
            self.fail("expected a text in 「」", i)
        m = found[-1] if last else found[0]
        return quote(self.source, start + m.start(1), start + m.end(1))

    def paragraphs(self, i: int, j: int) -> list[tuple[int, int]]:
        """Split content lines ``i``..``j-1`` into paragraphs: a line ending in 「。」 closes one.

        The PDF's paragraph indentation is lost in the text, so a sentence that happens to end exactly
        at the end of a printed line inside a paragraph would be split here (kamakura's tests check that
        its layout has no such case that changes a reading).
        """
        out: list[tuple[int, int]] = []
        begin = i
        for k in range(i, j):
            if self.lines[k].text.endswith("。") or k == j - 1:
                out.append((begin, k + 1))
                begin = k + 1
        return out


def iter_quotes(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every quoted text (a mapping with ``text`` and ``at``) in a YAML document, with its path."""
    if isinstance(data, dict):
        if "text" in data and "at" in data:
            yield path, data
        for key, value in data.items():
            yield from iter_quotes(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from iter_quotes(value, f"{path}[{n}]")


# ---- YAML ------------------------------------------------------------------------------------------

FLOW_KEYS = frozenset({"at", "involved", "not_involved", "themes", "partners"})
"""Keys whose list values are written in flow style (``at: [12, 34]``), as the data-format examples do."""

FLOW_MAPPING_KEYS = frozenset({"period"})
"""Keys whose mapping values are short enough to be read best on one line (``period: {start: …}``)."""

QUOTED_KEYS = frozenset({"notation"})
"""Keys whose string values are always double-quoted: notations such as ``"3-4"`` or ``"(1)"`` are
strings, and a reader (or a YAML 1.2 parser) should not have to wonder."""

SHORT_QUOTE = 40
"""A quoted text up to this many characters is written on one line: ``label: {text: 廃棄物, at: [1, 4]}``."""


class Dumper(yaml.SafeDumper):
    """Writes Japanese unescaped, keeps key order, never folds a text, never uses anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_dict(dumper: Dumper, data: dict[str, Any]) -> yaml.MappingNode:
    node = dumper.represent_mapping("tag:yaml.org,2002:map", data.items())
    for key_node, value_node in node.value:
        key = key_node.value
        flow_list = key in FLOW_KEYS and isinstance(value_node, yaml.SequenceNode)
        flow_map = key in FLOW_MAPPING_KEYS and isinstance(value_node, yaml.MappingNode)
        if flow_list or flow_map:
            _flow(value_node)
        elif key in QUOTED_KEYS and isinstance(value_node, yaml.ScalarNode):
            value_node.style = '"'
    if set(data) == {"text", "at"} and len(str(data["text"])) <= SHORT_QUOTE:
        node.flow_style = True
    return node


def _flow(node: yaml.Node) -> None:
    if isinstance(node, yaml.SequenceNode):
        node.flow_style = True
        for child in node.value:
            _flow(child)
    elif isinstance(node, yaml.MappingNode):
        node.flow_style = True
        for _, child in node.value:
            _flow(child)


Dumper.add_representer(dict, _represent_dict)


def dump_yaml(data: Any, *, header: str = "") -> str:
    """The YAML text of ``data`` (deterministic: the same data always gives the same text).

    >>> print(dump_yaml({"label": {"text": "廃棄物", "at": [1, 4]}, "ids": ["a"]}), end="")
    label: {text: 廃棄物, at: [1, 4]}
    ids:
    - a
    """
    body = yaml.dump(
        data,
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return lines + body
