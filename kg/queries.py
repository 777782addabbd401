"""The named-query registry: `queries/*.rq` files with a YAML front matter are data, not code.

The CLI, the REST API and its OpenAPI description are all generated from this registry. Parameter values
are checked against their declared type and turned into RDF terms here; `bind()` leaves the file's text
as it is and returns the scalar values as terms, which the store binds (`kg.binding`: one-row VALUES
blocks written by a serialiser that keeps each value one term), so a value can never change the
structure of a query. Only list parameters are written into the query here, as a VALUES block built
from already-validated terms serialised as N-Triples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.errors import QueryNotFound, QueryParamError, SourceError
from kg.namespaces import ID, SDG
from kg.paths import QUERIES
from kg.terms import to_oxigraph

MUNICIPALITIES = ("kamakura", "osaka-tsurumi", "setagaya", "yokohama-izumi", "osaka", "yokohama")
MAX_STRING = 200

_SDG_CODE = re.compile(r"^(?:SDG\s*)?(\d{1,2})(?:\.([0-9]{1,2}|[a-z]))?$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
_PATH = re.compile(r"^[a-z0-9][a-z0-9\-/._~%]{0,300}$", re.IGNORECASE)
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')


def _sdg(value: str) -> Node:
    """'13' → sdg:13 (goal); '13.2' / '13.a' → sdg:13.2 (target); 'SDG13' accepted."""
    m = _SDG_CODE.match(value.strip())
    if not m or not 1 <= int(m.group(1)) <= 17:
        raise ValueError("an SDG goal 1–17 or a target such as 13.2 / 13.a")
    goal = str(int(m.group(1)))
    return SDG[f"{goal}.{m.group(2).lower()}" if m.group(2) else goal]


def _municipality(value: str) -> Node:
    if value not in MUNICIPALITIES:
        raise ValueError("one of " + ", ".join(MUNICIPALITIES))
    return ID[value]


def _valid_iri(iri: str) -> URIRef:
    """The store's own IRI parser (RFC 3987) has the last word: a value it would refuse when the query
    runs — a NUL or other control character, a bad percent-escape (`%zz`), a broken host (`[::1`) —
    is refused here, as the client's mistake (400), not inside the store as a 500."""
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise ValueError(f"a valid IRI ({exc})") from None
    return URIRef(iri)


def _iri(value: str) -> Node:
    if not re.match(r"^https?://", value) or _IRI_FORBIDDEN.search(value) or len(value) > 2000:
        raise ValueError('an absolute http(s) IRI without spaces or <>"{}|\\^`')
    return _valid_iri(value)


def _element(value: str) -> Node:
    """An element given as a full IRI or as its path below id/ (kamakura/plan-2030/policy/3-4)."""
    if value.startswith(("http://", "https://")):
        return _iri(value)
    if not _PATH.match(value) or ".." in value:
        raise ValueError("a path such as kamakura/plan-2030/policy/3-4 or a full IRI")
    return _valid_iri(str(ID[value]))


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


PARAM_TYPES: dict[str, Callable[[str], Node]] = {
    "sdg": _sdg,
    "municipality": _municipality,
    "iri": _iri,
    "element": _element,
    "theme": _concept("theme"),
    "partner-type": _concept("partner-type"),
    "plan-type": _concept("plan-type"),
    "string": _string,
    "integer": _integer,
    "year": _year,
}


def _shown(raw: str, width: int = 60) -> str:
    """A value as an error message quotes it: at most `width` characters, never a megabyte echoed back."""
    return raw if len(raw) <= width else raw[: width - 3] + "..."


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool = False
    description: str = ""
    example: str | None = None
    enum: tuple[str, ...] = ()
    list: bool = False
    default: str | None = None

    def convert(self, raw: str) -> Node:
        """Check a raw value and turn it into an RDF term, or raise QueryParamError."""
        shown = _shown(raw)
        if self.enum and raw not in self.enum:
            raise QueryParamError(f"parameter {self.name!r}: {shown!r} is not one of {', '.join(self.enum)}")
        try:
            return PARAM_TYPES[self.type](raw)
        except ValueError as exc:
            raise QueryParamError(f"parameter {self.name!r}: {shown!r} is not {exc}") from exc


@dataclass(frozen=True)
class NamedQuery:
    """A `queries/NAME.rq` file: its SPARQL text and its front matter."""

    name: str
    sparql: str
    summary: str
    description: str = ""
    params: dict[str, Param] = field(default_factory=dict)
    path: Path | None = None
    tags: tuple[str, ...] = ()
    examples: tuple[dict[str, Any], ...] = ()
    table: tuple[str, ...] = ()  # the columns a person wants to see in `--format table`

    def bind(self, raw: Mapping[str, str | Sequence[str]]) -> tuple[str, dict[str, Node]]:
        """Validate raw parameter values; return the query text to run and the scalar bindings.

        >>> q = load_registry()["measures-by-sdg"]
        >>> text, bindings = q.bind({"sdg": "13.2"})
        >>> str(bindings["sdg"])
        'http://metadata.un.org/sdg/13.2'
        """
        unknown = sorted(set(raw) - set(self.params))
        if unknown:
            names = ", ".join(_shown(n) for n in unknown[:10]) + (" …" if len(unknown) > 10 else "")
            raise QueryParamError(f"unknown parameter(s) for {self.name}: {names}")
        bindings: dict[str, Node] = {}
        values_blocks: list[str] = []
        for name, spec in self.params.items():
            value = raw.get(name, spec.default)
            if value is None or value == "" or value == []:
                if spec.required:
                    raise QueryParamError(f"parameter {name!r} is required ({spec.description})")
                continue
            items = [value] if isinstance(value, str) else list(value)
            if not spec.list and len(items) > 1:
                raise QueryParamError(f"parameter {name!r} takes one value")
            terms = [spec.convert(str(item)) for item in items]
            if spec.list:
                # N-Triples terms (pyoxigraph's serialisation: one line, every quote and control
                # character escaped), never rdflib's n3(), which writes multi-line """long strings"""
                nt = " ".join(str(to_oxigraph(t)) for t in terms)
                values_blocks.append(f"VALUES ?{name} {{ {nt} }}")
            else:
                bindings[name] = terms[0]
        text = self.sparql
        if values_blocks:
            text = _insert_after_where(text, "\n  ".join(values_blocks))
        return text, bindings


def _insert_after_where(sparql: str, block: str) -> str:
    m = re.search(r"\bWHERE\s*\{", sparql, re.IGNORECASE)
    if not m:
        raise QueryParamError("this query cannot take list values (no WHERE clause)")
    return f"{sparql[: m.end()]}\n  {block}\n{sparql[m.end() :]}"


def parse_query_file(path: Path) -> NamedQuery:
    """Read one `.rq` file; front matter lines start with `#+`."""
    text = path.read_text(encoding="utf-8")
    front: list[str] = []
    for line in text.splitlines():
        if line.startswith("#+"):
            front.append(line[2:].removeprefix(" "))
        elif line.strip() and not line.startswith("#"):
            break
    try:
        meta = yaml.safe_load("\n".join(front)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(f"bad front matter: {exc}", path, mark.line + 1 if mark else None) from exc
    if not isinstance(meta, dict) or "summary" not in meta:
        raise SourceError("front matter needs at least `summary`", path, 1)
    params: dict[str, Param] = {}
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise SourceError(f"parameter {name}: unknown type {ptype!r}", path)
        params[name] = Param(
            name=name,
            type=ptype,
            required=bool(spec.get("required", False)),
            description=str(spec.get("description", "")),
            example=None if spec.get("example") is None else str(spec.get("example")),
            enum=tuple(str(e) for e in spec.get("enum", ()) or ()),
            list=bool(spec.get("list", False)),
            default=None if spec.get("default") is None else str(spec.get("default")),
        )
    return NamedQuery(
        name=path.stem,
        sparql=text,
        summary=str(meta["summary"]),
        description=str(meta.get("description", "")),
        params=params,
        path=path,
        tags=tuple(meta.get("tags", ()) or ()),
        examples=tuple(meta.get("examples", ()) or ()),
        table=tuple(meta.get("table", ()) or ()),
    )


def load_registry(folder: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries, by name."""
    folder = folder or QUERIES
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: Path | None = None) -> NamedQuery:
    registry = load_registry(folder)
    if name not in registry:
        raise QueryNotFound(f"no named query {name!r}; known: {', '.join(sorted(registry))}")
    return registry[name]
