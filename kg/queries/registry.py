"""The named-query registry: `queries/*.rq` files with a YAML front matter are data, not code.

The CLI, the REST API and its OpenAPI description are all generated from this registry. Parameter values
are checked against their declared type (`kg.queries.types`) and turned into RDF terms here; `bind()`
leaves the file's text as it is and returns the values as terms — a list parameter as a tuple of terms —
which the store binds (`kg.queries.binding`: VALUES blocks written by a serialiser that keeps each value
one term), so a value can never change the structure of a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib.term import Node

from kg.errors import QueryNotFound, QueryParamError, SourceError
from kg.paths import QUERIES
from kg.queries.types import MAX_STRING, PARAM_TYPES, ParamType
from kg.yamlio import load_yaml_text

__all__ = [
    "MAX_STRING", "PARAM_TYPES", "NamedQuery", "Param", "get_query", "load_registry", "parse_query_file",
]  # fmt: skip


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
    kind: ParamType | None = None  # the resolved type object; PARAM_TYPES[type] when not given

    @property
    def param_type(self) -> ParamType:
        """The type object that validates, converts and describes (JSON Schema) this parameter."""
        return self.kind or PARAM_TYPES[self.type]

    def convert(self, raw: str) -> Node:
        """Check a raw value and turn it into an RDF term, or raise QueryParamError."""
        shown = _shown(raw)
        if self.enum and raw not in self.enum:
            raise QueryParamError(f"parameter {self.name!r}: {shown!r} is not one of {', '.join(self.enum)}")
        try:
            return self.param_type.convert(raw)
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

    def bind(self, raw: Mapping[str, str | Sequence[str]]) -> tuple[str, dict[str, Node | tuple[Node, ...]]]:
        """Validate raw parameter values; return the query text to run (the file's, unchanged) and the
        bindings: one term per scalar parameter, a tuple of terms per list parameter.

        >>> q = load_registry()["measures-by-sdg"]
        >>> text, bindings = q.bind({"sdg": "13.2"})
        >>> str(bindings["sdg"]), text == q.sparql
        ('http://metadata.un.org/sdg/13.2', True)
        """
        unknown = sorted(set(raw) - set(self.params))
        if unknown:
            names = ", ".join(_shown(n) for n in unknown[:10]) + (" …" if len(unknown) > 10 else "")
            raise QueryParamError(f"unknown parameter(s) for {self.name}: {names}")
        bindings: dict[str, Node | tuple[Node, ...]] = {}
        for name, spec in self.params.items():
            value = raw.get(name, spec.default)
            if value is None or value == "" or value == []:
                if spec.required:
                    raise QueryParamError(f"parameter {name!r} is required ({spec.description})")
                continue
            items = [value] if isinstance(value, str) else list(value)
            if not spec.list and len(items) > 1:
                raise QueryParamError(f"parameter {name!r} takes one value")
            terms = tuple(spec.convert(str(item)) for item in items)
            bindings[name] = terms if spec.list else terms[0]
        return self.sparql, bindings


def parse_query_file(path: Path, types: Mapping[str, ParamType] | None = None) -> NamedQuery:
    """Read one `.rq` file; front matter lines start with `#+`. `types` are the parameter types to
    resolve against (PARAM_TYPES by default)."""
    types = PARAM_TYPES if types is None else types
    text = path.read_text(encoding="utf-8")
    front: list[str] = []
    for line in text.splitlines():
        if line.startswith("#+"):
            front.append(line[2:].removeprefix(" "))
        elif line.strip() and not line.startswith("#"):
            break
    meta = load_yaml_text("\n".join(front), path) or {}
    if not isinstance(meta, dict) or "summary" not in meta:
        raise SourceError("front matter needs at least `summary`", path, 1)
    params: dict[str, Param] = {}
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in types:
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
            kind=types[ptype],
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


def load_registry(
    folder: Path | None = None, types: Mapping[str, ParamType] | None = None
) -> dict[str, NamedQuery]:
    """All named queries of `folder` (the repo's `queries/` by default), by name."""
    folder = folder or QUERIES
    return {p.stem: parse_query_file(p, types) for p in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: Path | None = None) -> NamedQuery:
    """One named query by name (QueryNotFound lists the known names)."""
    registry = load_registry(folder)
    if name not in registry:
        raise QueryNotFound(f"no named query {name!r}; known: {', '.join(sorted(registry))}")
    return registry[name]
