"""Helpers shared by the extractors: quoted texts, the fidelity rule and a YAML writer.

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
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WS = re.compile(r"\s")
"""White space as the fidelity rule understands it (``re.sub(r"\\s", "", …)`` — includes U+3000)."""

PAGE_NUMBER = re.compile(r"^\s*[-－‐]?\s*\d{1,3}\s*[-－‐]?\s*$")
"""A line that holds only a page number (``5``, ``- 12 -``): the usual junk inside a PDF-derived text."""

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")

Range = tuple[int, int]


class QuoteNotFound(ValueError):
    """A text that an extractor expected in its source is not there (the source or the parser changed)."""


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


def write_yaml(path: Path, data: Any, *, header: str = "") -> None:
    """Write :func:`dump_yaml` to ``path`` (UTF-8, LF line ends), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(dump_yaml(data, header=header))
