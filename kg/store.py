"""The one `Store` interface, and the embedded pyoxigraph implementation that is the default.

Every caller (CLI, server, tests, benchmarks) talks to a `Store`; which backend answers is a
configuration choice (`open_store`). Query parameters arrive as already-validated rdflib terms and are
bound by the backend — every backend the same way, with one-row VALUES blocks written by
`kg.binding.bind_with_values` (the module says why not pyoxigraph's `substitutions`) — never pasted
into the query text by callers.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.binding import bind_with_values
from kg.errors import QueryRefused, QuerySyntaxError, StoreError
from kg.terms import quads_of, to_rdflib

RESULT_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
RDF_MEDIA_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


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


class Store(ABC):
    """What the rest of Keikaku Graph needs from a triple store."""

    #: whether SPARQL Update may run against it (the server adds its own token check on top)
    writable: bool = True

    @abstractmethod
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
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
        result_format: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> tuple[bytes, str, str]:
        """Evaluate and serialise in one step: returns (body, media type, query kind).

        `result_format` is a key of RESULT_MEDIA_TYPES for SELECT/ASK, of RDF_MEDIA_TYPES for graphs;
        the fast path for the HTTP endpoint (no conversion through rdflib)."""

    @abstractmethod
    def update(self, sparql_update: str) -> None:
        """Run a SPARQL 1.1 Update."""

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


def refuse_service(sparql: str) -> None:
    """Refuse federated queries: the public endpoint must never call out to other servers."""
    if _SERVICE.search(_strip_strings_and_comments(sparql)):
        raise QueryRefused("SERVICE (federated query) is not allowed here / SERVICE は使用できません")


_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


def declares_dataset(sparql: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED."""
    return bool(_FROM.search(_strip_strings_and_comments(sparql)))


def _strip_strings_and_comments(sparql: str) -> str:
    """Remove literals, IRIs and comments so a keyword search does not match inside them."""
    out = re.sub(
        r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', sparql
    )
    out = re.sub(r"<[^<>\s]*>", "<>", out)
    return re.sub(r"#[^\n]*", "", out)


class OxigraphStore(Store):
    """Embedded pyoxigraph store: in memory by default, on disk when given a path.

    >>> store = OxigraphStore()
    >>> store.update('INSERT DATA { GRAPH <http://g> { <http://a> <http://b> "c" } }')
    >>> store.query("SELECT ?o WHERE { ?s ?p ?o }").rows[0][0].toPython()
    'c'
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store at {path}: {exc}") from exc
        self.writable = not read_only
        self.path = path

    @property
    def native(self) -> ox.Store:
        """The underlying pyoxigraph store (for the build and the fast materialiser)."""
        return self._store

    def _run(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None,
        default_graph_uris: Sequence[str] | None,
        named_graph_uris: Sequence[str] | None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        refuse_service(sparql)
        kwargs: dict[str, object] = {}
        if default_graph_uris is not None:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
        elif not declares_dataset(sparql):
            # union only when neither the protocol nor the query (FROM / FROM NAMED) names a dataset:
            # pyoxigraph's union flag would otherwise silently override FROM
            kwargs["use_default_graph_as_union"] = True
        if named_graph_uris is not None:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        if bindings:
            # VALUES blocks, not pyoxigraph `substitutions`: a substituted ?param is not BOUND(), does
            # not reach sub-queries and can get a far worse plan (kg.binding, docs/benchmarks.md)
            sparql = bind_with_values(sparql, bindings)
        try:
            return self._store.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def query(self, sparql, bindings=None, *, default_graph_uris=None, named_graph_uris=None):  # type: ignore[override]
        result = self._run(sparql, bindings, default_graph_uris, named_graph_uris)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(to_rdflib(sol[v]) for v in variables) for sol in result]
            return QueryResult("select", variables=variables, rows=rows)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return QueryResult("graph", graph=graph)

    def query_serialized(
        self, sparql, result_format, bindings=None, *, default_graph_uris=None, named_graph_uris=None
    ):  # type: ignore[override]
        result = self._run(sparql, bindings, default_graph_uris, named_graph_uris)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            kind = "select" if isinstance(result, ox.QuerySolutions) else "ask"
            media = RESULT_MEDIA_TYPES[result_format]
            fmt = ox.QueryResultsFormat.from_media_type(media)
            return result.serialize(format=fmt), media, kind
        media = RDF_MEDIA_TYPES[result_format]
        fmt = ox.RdfFormat.from_media_type(media)
        return ox.serialize(result, format=fmt), media, "graph"

    def update(self, sparql_update: str) -> None:
        refuse_service(sparql_update)
        try:
            self._store.update(sparql_update)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from exc

    def load_file(self, path: Path, graph: str | None = None) -> None:
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"unknown RDF format for {path.name}")
        to_graph = ox.NamedNode(graph) if graph else None
        try:
            if fmt.supports_datasets:
                self._store.bulk_load(path=str(path), format=fmt)
            else:
                self._store.bulk_load(path=str(path), format=fmt, to_graph=to_graph or ox.DefaultGraph())
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"cannot load {path.name}: {exc}") from exc

    def add_graph(self, graph: Graph, graph_iri: str) -> None:
        """Add an rdflib graph's triples into the named graph `graph_iri`."""
        self._store.extend(quads_of(graph, ox.NamedNode(graph_iri)))

    def clear(self) -> None:
        self._store.clear()

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def close(self) -> None:
        self._store.flush() if self.writable and self.path is not None else None


def open_store(url: str | None = None, *, dist: Path | None = None) -> Store:
    """Open the configured store.

    `None` or `"embedded"`: an in-memory pyoxigraph store loaded with the built dataset (`dist/dataset.nq`);
    `"oxigraph:/path"`: an on-disk pyoxigraph store; `http(s)://…`: a remote SPARQL 1.1 endpoint.
    """
    from kg.paths import DIST

    dist = dist or DIST
    if url is None or url == "embedded":
        store = OxigraphStore()
        dataset = dist / "dataset.nq"
        if not dataset.exists():
            raise StoreError(f"no built dataset at {dataset}: run `keikaku build` first")
        store.load_file(dataset)
        return store
    if url.startswith("oxigraph:"):
        return OxigraphStore(Path(url.removeprefix("oxigraph:")))
    if url.startswith(("http://", "https://")):
        from kg.remote import RemoteStore

        return RemoteStore(url)
    raise StoreError(f"unknown store URL {url!r}: use 'embedded', 'oxigraph:/path' or an http(s) endpoint")


def as_uri(value: str) -> URIRef:
    """Small helper for callers that hold IRIs as strings."""
    return URIRef(value)
