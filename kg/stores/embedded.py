"""The embedded pyoxigraph store, the default backend: in memory, or on disk when given a path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import QuerySyntaxError, StoreError, StoreUnavailable
from kg.formats import Format
from kg.queries.binding import Bindings, bind_with_values
from kg.sparql_text import analyse, refuse_service
from kg.stores.base import QueryResult, SerializedResult, Store
from kg.terms import quads_of, to_rdflib

_Answer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


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
            raise StoreUnavailable(f"cannot open store at {path}: {exc}") from exc
        self.writable = not read_only
        self.path = path

    @property
    def native(self) -> ox.Store:
        """The underlying pyoxigraph store (for the build and the fast materialiser)."""
        return self._store

    def _run(
        self,
        sparql: str,
        bindings: Bindings | None,
        default_graph_uris: Sequence[str] | None,
        named_graph_uris: Sequence[str] | None,
        base_iri: str | None = None,
    ) -> _Answer:
        text = analyse(sparql)
        refuse_service(sparql)  # the one SERVICE check of a query (cached lexing: no second scan)
        kwargs: dict[str, object] = {}
        if default_graph_uris is not None:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
        elif not text.declares_dataset:
            # union only when neither the protocol nor the query (FROM / FROM NAMED) names a dataset:
            # pyoxigraph's union flag would otherwise silently override FROM
            kwargs["use_default_graph_as_union"] = True
        if named_graph_uris is not None:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        if base_iri:
            kwargs["base_iri"] = base_iri  # a BASE in the text itself still wins
        if bindings:
            # VALUES blocks, not pyoxigraph `substitutions` (kg.queries.binding says why)
            sparql = bind_with_values(sparql, bindings)
        try:
            return self._store.query(sparql, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        result = self._run(sparql, bindings, default_graph_uris, named_graph_uris)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(to_rdflib(sol[v]) for v in variables) for sol in result]
            return QueryResult("select", variables=variables, rows=rows)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))  # type: ignore[arg-type]
        return QueryResult("graph", graph=graph)

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
        result = self._run(sparql, bindings, default_graph_uris, named_graph_uris, base_iri)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            kind = "select" if isinstance(result, ox.QuerySolutions) else "ask"
            return SerializedResult(result.serialize(format=result_format.ox), result_format, kind)  # type: ignore[arg-type]
        return SerializedResult(ox.serialize(result, format=graph_format.ox) or b"", graph_format, "graph")  # type: ignore[arg-type]

    def update(self, sparql_update: str, *, base_iri: str | None = None) -> None:
        refuse_service(sparql_update)
        try:
            self._store.update(sparql_update, base_iri=base_iri)
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
        if self.writable and self.path is not None:
            self._store.flush()
