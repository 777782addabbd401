"""Parameter types of the named queries: each validates a raw value, turns it into an RDF term, and
yields its JSON Schema, so the CLI, the REST API and its OpenAPI description share one definition.

A value that a type refuses is the client's mistake (400), never the store's (500): the last word on an
IRI is the store's own parser. The municipality slugs are read from `data/municipalities.yaml`.

>>> PARAM_TYPES["sdg"].convert("SDG 13.A")
rdflib.term.URIRef('http://metadata.un.org/sdg/13.a')
>>> PARAM_TYPES["theme"].json_schema["pattern"]
'^[a-z0-9][a-z0-9-]{0,80}$'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.namespaces import ID, SDG
from kg.queries.binding import IRI_UNSAFE

MAX_STRING = 200
MAX_IRI = 2000

SLUG = r"^[a-z0-9][a-z0-9-]{0,80}$"
_SLUG = re.compile(SLUG)
_PATH = re.compile(r"^[a-z0-9][a-z0-9\-/._~%]{0,300}$", re.IGNORECASE)
_IRI_REFUSED = re.compile(rf"[\s{IRI_UNSAFE}]")
_SDG_CODE = re.compile(r"^(?:SDG\s*)?(\d{1,2})(?:\.([0-9]{1,2}|[a-z]))?$", re.IGNORECASE)
_SDG_CANONICAL = re.compile(r"^(\d{1,2})(?:\.([0-9]{1,2}|[a-z]))?$")
#: the JSON Schema (ECMA 262, no flags) spelling of what `sdg_code` accepts
SDG_PATTERN = r"^(?:[Ss][Dd][Gg]\s*)?\d{1,2}(?:\.(?:\d{1,2}|[a-z]))?$"


# ---------------------------------------------------------------------------------------------------
# the shared checks: SDG codes, IRIs, municipalities
# ---------------------------------------------------------------------------------------------------


def sdg_code(value: str, *, canonical: bool = False) -> str:
    """An SDG goal or target code, normalised: '13', '13.2', '13.a' ('SDG13', '13.A' accepted unless
    `canonical`, which takes only the normalised form, as in a URL). ValueError otherwise.

    >>> sdg_code(" SDG13.A "), sdg_code("7")
    ('13.a', '7')
    >>> sdg_code("18")
    Traceback (most recent call last):
    ...
    ValueError: an SDG goal 1–17 or a target such as 13.2 / 13.a
    """
    m = (_SDG_CANONICAL if canonical else _SDG_CODE).match(value if canonical else value.strip())
    if not m or not 1 <= int(m.group(1)) <= 17 or (canonical and m.group(1) != str(int(m.group(1)))):
        raise ValueError("an SDG goal 1–17 or a target such as 13.2 / 13.a")
    goal = str(int(m.group(1)))
    return f"{goal}.{m.group(2).lower()}" if m.group(2) else goal


def sdg_code_of(iri: str) -> str | None:
    """The code of an SDG goal/target IRI (`sdg:13.2` → '13.2'), or None for any other IRI.

    >>> sdg_code_of("http://metadata.un.org/sdg/13.2"), sdg_code_of("http://metadata.un.org/sdg/x")
    ('13.2', None)
    """
    if not iri.startswith(str(SDG)):
        return None
    try:
        return sdg_code(iri[len(str(SDG)) :], canonical=True)
    except ValueError:
        return None


def checked_iri(value: str, *, http_only: bool = True) -> URIRef:
    """An absolute IRI the store will take: http(s) (unless `http_only` is False), no white space or
    characters that could end it in a query, at most 2000 characters, and valid for the store's own
    RFC 3987 parser (a NUL, a bad percent-escape `%zz`, a broken host `[::1` are refused here).

    >>> checked_iri("https://w3id.org/keikaku/id/kamakura")
    rdflib.term.URIRef('https://w3id.org/keikaku/id/kamakura')
    >>> checked_iri("http://x/a b")
    Traceback (most recent call last):
    ...
    ValueError: an absolute http(s) IRI without spaces or <>"{}|\\^`
    """
    scheme_ok = not http_only or re.match(r"^https?://", value)
    if not scheme_ok or _IRI_REFUSED.search(value) or len(value) > MAX_IRI:
        raise ValueError('an absolute http(s) IRI without spaces or <>"{}|\\^`')
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"a valid IRI ({exc})") from None
    return URIRef(value)


@cache
def municipalities(path: Path | None = None) -> tuple[str, ...]:
    """The municipality slugs of the data (`data/municipalities.yaml`), in the file's order."""
    from kg.paths import DATA
    from kg.yamlio import load_yaml

    data = load_yaml(path or DATA / "municipalities.yaml") or {}
    return tuple(str(slug) for slug in (data.get("municipalities") or {}))


# ---------------------------------------------------------------------------------------------------
# the types
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamType:
    """One parameter type: `parse` turns a raw value into a term or raises ValueError with what was
    expected; `schema` is its JSON Schema (a callable for schemas read from the data)."""

    name: str
    parse: Callable[[str], Node]
    schema: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)
    description: str = ""

    def convert(self, raw: str) -> Node:
        """The RDF term for a raw value (ValueError says what was expected)."""
        return self.parse(raw)

    __call__ = convert  # the old PARAM_TYPES were plain converters

    @property
    def json_schema(self) -> dict[str, Any]:
        """The value's JSON Schema (for OpenAPI): type, pattern / enum / length, and a description."""
        schema = dict(self.schema() if callable(self.schema) else self.schema)
        schema.setdefault("type", "string")
        if self.description:
            schema.setdefault("description", self.description)
        return schema


def _sdg(value: str) -> Node:
    return SDG[sdg_code(value)]


def _municipality_type(known: Callable[[], tuple[str, ...]]) -> ParamType:
    """The municipality type over a list of slugs (read when first needed): the repo's data by default,
    the list a build published into `dist/` for the server (`types_for`)."""

    def parse(value: str) -> Node:
        slugs = known()
        if value not in slugs:
            raise ValueError("one of " + ", ".join(slugs))
        return ID[value]

    return ParamType("municipality", parse, lambda: {"enum": list(known())}, "a municipality")


def _element(value: str) -> Node:
    """An element given as a full IRI or as its path below id/ (kamakura/plan-2030/policy/3-4)."""
    if value.startswith(("http://", "https://")):
        return checked_iri(value)
    if not _PATH.match(value) or ".." in value:
        raise ValueError("a path such as kamakura/plan-2030/policy/3-4 or a full IRI")
    return checked_iri(str(ID[value]))


def _concept(kind: str) -> Callable[[str], Node]:
    def convert(value: str) -> Node:
        if not _SLUG.match(value):
            raise ValueError(f"a {kind} slug (lower-case letters, digits and '-')")
        return ID[f"{kind}/{value}"]

    return convert


def _string(value: str) -> Node:
    if not value.strip():
        raise ValueError("a non-empty string")
    if len(value) > MAX_STRING:
        raise ValueError(f"at most {MAX_STRING} characters")
    return Literal(value)


def _integer(value: str) -> Node:
    if not re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        raise ValueError("an integer")
    return Literal(int(value), datatype=XSD.integer)


def _year(value: str) -> Node:
    if not re.fullmatch(r"\d{4}", value.strip()):
        raise ValueError("a four-digit year such as 2027")
    return Literal(value.strip(), datatype=XSD.gYear)


def _concept_type(kind: str) -> ParamType:
    expected = f"a {kind} slug (lower-case letters, digits and '-')"
    return ParamType(kind, _concept(kind), {"pattern": SLUG}, expected)


PARAM_TYPES: dict[str, ParamType] = {
    t.name: t
    for t in (
        ParamType("sdg", _sdg, {"pattern": SDG_PATTERN}, "an SDG goal 1–17 or a target such as 13.2 / 13.a"),
        _municipality_type(municipalities),
        ParamType("iri", checked_iri, {"format": "iri"}, "an absolute http(s) IRI"),
        ParamType("element", _element, {"maxLength": MAX_IRI}, "an element path or IRI"),
        _concept_type("theme"),
        _concept_type("partner-type"),
        _concept_type("plan-type"),
        ParamType("string", _string, {"minLength": 1, "maxLength": MAX_STRING}, "a non-empty string"),
        ParamType("integer", _integer, {"type": "integer"}, "an integer"),
        ParamType("year", _year, {"pattern": r"^\d{4}$"}, "a four-digit year such as 2027"),
    )
}


def types_for(municipalities_file: Path) -> dict[str, ParamType]:
    """The parameter types with the municipality list of `municipalities_file` (a build's
    `dist/municipalities.yaml`), so a server that reads only `dist/` validates against the data it serves."""
    return {**PARAM_TYPES, "municipality": _municipality_type(lambda: municipalities(municipalities_file))}
