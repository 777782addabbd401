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

Run ``keikaku extract`` to regenerate them (``python -m kg.extract.curated``, named in the generated
files, runs it for these three documents), ``--check`` to verify the files on disk.

Example:
    >>> src = "  ① つながる・\\n支えあう（住み慣れた地域）\\n"
    >>> Finder(src).quote("つながる・支えあう")
    {'text': 'つながる・支えあう', 'at': [4, 14]}
    >>> Finder(src).quote({"parts": ["つながる・", "地域"]})
    {'text': 'つながる・地域', 'at': [[4, 9], [20, 22]]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.extract.common import Found, SourceReader, SpecError, clean_text, dump_yaml
from kg.extract.common import read_source as read_text
from kg.paths import CURATION, PLANS, SOURCES

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

Range = tuple[int, int]


class Finder(SourceReader):
    """Finds texts in one source ignoring white space, and turns them into quoted texts."""

    def resolve(self, spec: Any, start: int = 0) -> Found:
        """Resolve one spec (see the module docstring) from ``start``."""
        if isinstance(spec, str):
            return self.locate(spec, start)
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
            return Found(tuple(ranges), clean_text("\n".join(self.source[s:e] for s, e in ranges)))
        if "q" in spec:
            return self.locate(str(spec["q"]), start, int(spec.get("nth", 1)))
        raise SpecError(f"a quote spec mapping needs `q` or `parts`, got keys {sorted(spec)}")

    def text_of(self, found: Found) -> str:
        """The reader's text of the found ranges (joined as one text)."""
        return clean_text("\n".join(self.source[s:e] for s, e in found.ranges))

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
    return read_text(source_path(document))


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


if __name__ == "__main__":  # the generated files' headers name this command: `keikaku extract` for each
    import sys

    from kg.extract.cli import module_main

    raise SystemExit(module_main(DOCUMENTS, sys.argv[1:]))
