"""Hand-curated extraction of small, irregular documents: quotes given as text, offsets computed.

Three of the source documents are short and laid out as posters or summary sheets (Tsurumi's
区将来ビジョン 2023–2027 summary, Setagaya's 基本計画 poster, Izumi's FY2024 運営方針): their columns
come out of the PDF in an order no parser can undo, and there is too little of them to justify one. So a
person writes the structure in a *curation file* (``data/curation/{municipality}/{document}.yaml``) that
has exactly the shape of the final YAML of docs/data-format.md, except that every quoted text is a
*spec* — the text as it reads in the source, never an offset. This module finds each spec in the source
ignoring white space (so PDF line breaks and indentation do not matter), computes the ``at`` ranges and
the reader's ``text``, and writes ``data/plans/{municipality}/{document}.yaml``. Offsets are therefore
regenerated, never typed; a spec that is not in the source is an error, not a silent skip.

Spec forms (any quote-valued key: title, name, label, subtitle, description, target_state, evidence,
role, and the items of texts / variants; ``period.at`` gives ranges only):

``"text"``
    the first occurrence at or after the current search start;
``{q: text, nth: n}``
    the n-th occurrence (1-based);
``{parts: [spec, …]}``
    several ranges read as one text, each part searched after the end of the previous one — for a text
    interrupted by something that is not part of it (a bullet mark, a page artefact);
``after: spec``
    in a spec, or in a whole record (element, stub, plan, partner, unit, relation): start searching
    after the end of ``spec`` (itself resolved from the enclosing start).

``order`` of an element is filled in from its position among its siblings (same ``parent``) unless the
curation gives it; stubs get no order (we do not know the other plan's sequence).

Run ``python -m kg.extract.curated`` to regenerate all three, ``--check`` to verify the files on disk.

Example:
    >>> src = "  ① つながる・\\n支えあう（住み慣れた地域）\\n"
    >>> Finder(src).quote("つながる・支えあう")
    {'text': 'つながる・支えあう', 'at': [4, 14]}
    >>> Finder(src).quote({"parts": ["つながる・", "地域"]})
    {'text': 'つながる・地域', 'at': [[4, 9], [20, 22]]}
"""

from __future__ import annotations

import argparse
import re
import sys
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.extract.common import dump_yaml
from kg.paths import DATA, PLANS, SOURCES

CURATION = DATA / "curation"

DOCUMENTS = ("osaka-tsurumi/vision-2027", "setagaya/basic-plan", "yokohama-izumi/policy-2024")
"""The documents curated this way (``{municipality}/{document}``)."""

QUOTE_KEYS = frozenset(
    {"title", "name", "label", "subtitle", "description", "target_state", "evidence", "role"}
)
"""Keys whose value is one quoted text."""

QUOTE_LIST_KEYS = frozenset({"texts", "variants"})
"""Keys whose value is a list of quoted texts."""

RECORD_KEYS = ("plans", "stubs", "elements", "partners", "units")
"""Top-level lists of records, in the order docs/data-format.md lists them."""

KEY_ORDER = (
    "id", "class", "level", "notation", "order", "parent", "title", "label", "plan_type", "issued_by",
    "period", "name", "subtitle", "description", "target_state", "texts", "partner_type", "role",
    "partner_types", "partners", "themes", "relations", "variants", "notes",
)  # fmt: skip
"""Output key order of a record (the order of docs/data-format.md); unknown keys follow."""

_WS = re.compile(r"\s")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")

Range = tuple[int, int]


class SpecError(ValueError):
    """A curation spec that cannot be resolved (not in the source, malformed)."""


@dataclass(frozen=True)
class Found:
    """Where a spec was found: one or more ranges of the source."""

    ranges: tuple[Range, ...]

    @property
    def end(self) -> int:
        return self.ranges[-1][1]

    def at(self) -> Any:
        """The ``at`` of the YAML: one pair, or a list of pairs."""
        pairs = [[s, e] for s, e in self.ranges]
        return pairs[0] if len(pairs) == 1 else pairs


def reader_text(raw: str) -> str:
    """The text a reader wants: line breaks and indentation removed, every other character kept.

    Lines are stripped and joined without a separator (Japanese has no spaces between words); where an
    ASCII word would be glued to another one across a break, one space is kept.

    >>> reader_text(" 地域・産業と\\n学びがつながる")
    '地域・産業と学びがつながる'
    >>> reader_text("GREEN×EXPO\\n2027")
    'GREEN×EXPO 2027'
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


class Finder:
    """Finds texts in one source ignoring white space, and turns them into quoted texts."""

    def __init__(self, source: str) -> None:
        self.source = source
        chars: list[str] = []
        offsets: list[int] = []
        for i, ch in enumerate(source):
            if not _WS.match(ch):
                chars.append(ch)
                offsets.append(i)
        self._stripped = "".join(chars)
        self._offsets = offsets

    def find(self, text: str, start: int = 0, nth: int = 1) -> Found:
        """The ``nth`` occurrence of ``text`` (white space ignored) starting at or after ``start``."""
        needle = _WS.sub("", text)
        if not needle:
            raise SpecError("empty quote")
        if nth < 1:
            raise SpecError(f"nth must be ≥ 1, got {nth}")
        pos = bisect_left(self._offsets, start)
        for _ in range(nth):
            hit = self._stripped.find(needle, pos)
            if hit < 0:
                raise SpecError(f"{text[:50]!r} (occurrence {nth}) not found after offset {start}")
            pos = hit + 1
        first = self._offsets[hit]
        last = self._offsets[hit + len(needle) - 1]
        return Found(((first, last + 1),))

    def resolve(self, spec: Any, start: int = 0) -> Found:
        """Resolve one spec (see the module docstring) from ``start``."""
        if isinstance(spec, str):
            return self.find(spec, start)
        if not isinstance(spec, dict):
            raise SpecError(f"a quote spec is a string or a mapping, got {spec!r:.60}")
        if "after" in spec:
            start = self.resolve(spec["after"], start).end
        if "parts" in spec:
            ranges: list[Range] = []
            for part in spec["parts"]:
                found = self.resolve(part, start)
                ranges.extend(found.ranges)
                start = found.end
            if not ranges:
                raise SpecError("`parts` is empty")
            return Found(tuple(ranges))
        if "q" in spec:
            return self.find(str(spec["q"]), start, int(spec.get("nth", 1)))
        raise SpecError(f"a quote spec mapping needs `q` or `parts`, got keys {sorted(spec)}")

    def text_of(self, found: Found) -> str:
        """The reader's text of the found ranges (joined as one text)."""
        return reader_text("\n".join(self.source[s:e] for s, e in found.ranges))

    def quote(self, spec: Any, start: int = 0) -> dict[str, Any]:
        """The quoted text ``{text, at}`` of a spec."""
        found = self.resolve(spec, start)
        return {"text": self.text_of(found), "at": found.at()}


# ---- building the YAML -------------------------------------------------------------------------------


class Builder:
    """Turns a curation mapping into the structured-extraction mapping of docs/data-format.md."""

    def __init__(self, source: str, curation: dict[str, Any]) -> None:
        self.finder = Finder(source)
        self.curation = curation

    def run(self) -> dict[str, Any]:
        c = self.curation
        out: dict[str, Any] = {"document": c["document"], "municipality": c["municipality"]}
        for key in RECORD_KEYS:
            records = c.get(key)
            if not records:
                continue
            built = [self.record(r) for r in records]
            if key == "elements":
                _fill_order(built)
            out[key] = built
        return out

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """One plan, element, stub, partner or unit, with its quotes resolved."""
        start = self.finder.resolve(record["after"]).end if "after" in record else 0
        out: dict[str, Any] = {}
        for key, value in record.items():
            if key == "after":
                continue
            out[key] = self.value(key, value, start)
        return _ordered(out)

    def value(self, key: str, value: Any, start: int) -> Any:
        if key in QUOTE_KEYS:
            return self._quote(value, start)
        if key in QUOTE_LIST_KEYS:
            return [self._quote(v, start) for v in value]
        if key == "period":
            period = {k: v for k, v in value.items() if k != "at"}
            if "at" in value:
                period["at"] = self.finder.resolve(value["at"], start).at()
            return period
        if key == "relations":
            return [self._relation(rel, start) for rel in value]
        return value

    def _quote(self, spec: Any, start: int) -> dict[str, Any]:
        try:
            return self.finder.quote(spec, start)
        except SpecError as exc:
            raise SpecError(f"{exc} (spec {spec!r:.80})") from exc

    def _relation(self, rel: dict[str, Any], start: int) -> dict[str, Any]:
        if "after" in rel:
            start = self.finder.resolve(rel["after"], start).end
        out: dict[str, Any] = {}
        for key in ("type", "target", "basis", "evidence", "notes"):
            if key in rel:
                out[key] = self._quote(rel[key], start) if key == "evidence" else rel[key]
        unknown = set(rel) - {"type", "target", "basis", "evidence", "notes", "after"}
        if unknown:
            raise SpecError(f"unknown relation keys {sorted(unknown)}")
        return out


def _fill_order(records: list[dict[str, Any]]) -> None:
    """``order`` = 1-based position among the siblings (same parent), unless curated."""
    seen: dict[str, int] = {}
    for record in records:
        parent = record.get("parent")
        if parent is None or record.get("class") == "Plan":
            continue
        seen[parent] = seen.get(parent, 0) + 1
        if "order" not in record:
            record["order"] = seen[parent]
    for n, record in enumerate(records):
        records[n] = _ordered(record)


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    known = {k: record[k] for k in KEY_ORDER if k in record}
    known.update({k: v for k, v in record.items() if k not in known})
    return known


# ---- files -------------------------------------------------------------------------------------------


def source_path(document: str) -> Path:
    return SOURCES / f"{document}.txt"


def curation_path(document: str) -> Path:
    return CURATION / f"{document}.yaml"


def output_path(document: str) -> Path:
    return PLANS / f"{document}.yaml"


def read_source(document: str) -> str:
    """The source text exactly as the offsets count it (UTF-8, newlines untranslated)."""
    with source_path(document).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def build(document: str) -> dict[str, Any]:
    """The structured extraction of ``document`` from its curation file and its source."""
    curation = yaml.safe_load(curation_path(document).read_text(encoding="utf-8"))
    if curation.get("document") != document:
        raise SpecError(f"{curation_path(document)}: expected `document: {document}`")
    return Builder(read_source(document), curation).run()


def render(document: str) -> str:
    """The YAML text of :func:`build`, with a header that says where it comes from."""
    header = (
        f"Generated by kg/extract/curated.py from data/curation/{document}.yaml and the source text —\n"
        "do not edit by hand; change the curation file and run `python -m kg.extract.curated`."
    )
    return dump_yaml(build(document), header=header)


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with ``--check`` verify) the curated documents; exit 1 when a file is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="*", default=list(DOCUMENTS))
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    stale = []
    for document in args.documents:
        text = render(document)
        path = output_path(document)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(document)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        print(f"wrote {path}")
    for document in stale:
        print(f"stale: {output_path(document)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
