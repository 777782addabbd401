"""The one `Store` interface every caller (CLI, server, tests, benchmarks) talks to.

Which backend answers is a configuration choice (`kg.stores.open_store`). Query parameters arrive as
already-validated rdflib terms and are bound by the backend — every backend the same way, with VALUES
blocks written by `kg.queries.binding.bind_with_values` — never pasted into the query text by callers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rdflib import Graph
from rdflib.term import Node

from kg.formats import Format
from kg.queries.binding import Bindings


@dataclass
class QueryResult:
    """A backend-neutral result: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def dicts(self) -> list[dict[str, Node | None]]:
        """Rows as dicts keyed by variable name (unbound values are None)."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


class SerializedResult(NamedTuple):
    """A serialised answer: the bytes, the format they are in, and the real result kind."""

    body: bytes
    format: Format
    kind: str  # "select" | "ask" | "graph"

    @property
    def media_type(self) -> str:
        """The canonical media type of `format`."""
        return self.format.media_type


class Store(ABC):
    """What the rest of Keikaku Graph needs from a triple store."""

    #: whether SPARQL Update may run against it (the server adds its own token check on top)
    writable: bool = True

    @abstractmethod
    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query. The default graph is the union of all graphs unless
        `default_graph_uris` is given (SPARQL Protocol `default-graph-uri`)."""

    @abstractmethod
    def query_serialized(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        result_format: Format,
        graph_format: Format,
        base_iri: str | None = None,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> SerializedResult:
        """Evaluate and serialise in one step, the fast path for the HTTP endpoint (no rdflib).

        The store serialises by the *real* result kind: SELECT/ASK in `result_format`, CONSTRUCT/DESCRIBE
        in `graph_format`. `base_iri` resolves relative IRIs (a BASE in the text still wins). SERVICE is
        refused here, once.
        """

    @abstractmethod
    def update(self, sparql_update: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update; `base_iri` resolves its relative IRIs (a BASE in the text wins)."""

    @abstractmethod
    def load_file(self, path: Path, graph: str | None = None) -> None:
        """Add the quads of a TriG/N-Quads file (or the triples of a Turtle file into `graph`)."""

    @abstractmethod
    def clear(self) -> None:
        """Remove everything."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs present."""

    @abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of quads (in one named graph, or in all)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (files, connections)."""
