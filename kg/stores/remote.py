"""A remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever) behind `Store`.

This is what makes "more data than one machine" a configuration change: `--store URL` points the CLI and
the server at any SPARQL 1.1 endpoint, and `keikaku load --endpoint URL` fills it. Queries are plain
SPARQL Protocol POSTs with the wanted media type; loading uses the Graph Store HTTP Protocol (one PUT —
or POST for `--append` — per named graph) and falls back to SPARQL Update where an endpoint has no
graph store. Parameters are bound as in the embedded store (`kg.queries.binding`).

Errors: an endpoint that cannot be reached is `StoreUnavailable`; one that answers wrongly is
`UpstreamError`, whose text is generic (the URL and the endpoint's body are in `.detail`, for the log).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from kg.errors import (
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
    UpstreamError,
)
from kg.formats import RESULT_FORMATS, Format, by_key
from kg.queries.binding import Bindings, bind_with_values, sparql_iri
from kg.sparql_text import analyse, refuse_service, with_base
from kg.stores.base import QueryResult, SerializedResult, Store
from kg.terms import term_from_sparql_json, to_rdflib

TIMEOUT_S = 60
#: quads per request when a graph must be sent with SPARQL Update (no Graph Store Protocol)
UPDATE_CHUNK = 20_000
_DETAIL_CHARS = 300
_FORM = "application/x-www-form-urlencoded"
_JSON = by_key("json")
_NT = by_key("ntriples")


def endpoints(url: str) -> tuple[str, str, str]:
    """(query, update, graph store) URLs from one URL; Oxigraph and Fuseki layouts are recognised.

    >>> endpoints("http://127.0.0.1:7878/query")
    ('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
    >>> endpoints("http://localhost:3030/ds/sparql")
    ('http://localhost:3030/ds/sparql', 'http://localhost:3030/ds/update', 'http://localhost:3030/ds/data')
    >>> endpoints("http://127.0.0.1:7878")
    ('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
    """
    url = url.rstrip("/")
    for suffix, store in (("/query", "/store"), ("/sparql", "/data")):
        if url.endswith(suffix):
            base = url[: -len(suffix)]
            return url, base + "/update", base + store
    return url + "/query", url + "/update", url + "/store"


def _detail(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


class RemoteStore(Store):
    """A Store over HTTP.

    The default graph is whatever the endpoint calls its default graph; for the union semantics of the
    embedded store run Oxigraph with `--union-default-graph` (Fuseki: `tdb:unionDefaultGraph true`).

    >>> RemoteStore("http://127.0.0.1:7878").query_url
    'http://127.0.0.1:7878/query'
    """

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S) -> None:
        if not url.startswith(("http://", "https://")):
            raise StoreError(f"not an http(s) SPARQL endpoint: {url!r}")
        self.url = url
        self.query_url, self.update_url, self.store_url = endpoints(url)
        self.timeout = timeout
        self.has_graph_store: bool | None = None  # learnt at the first load

    # ---- HTTP ------------------------------------------------------------------------------------
    def _http(
        self,
        url: str,
        *,
        method: str = "POST",
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> bytes:
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - http(s) only, checked in __init__
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc.code, exc.read(), url) from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise self._network_error(exc, url) from exc

    def _network_error(self, exc: OSError, url: str) -> KgErrorType:
        """The one mapping of a failed connection: a timeout, or an endpoint that cannot be reached."""
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return QueryTimeout(f"the SPARQL endpoint did not answer within {self.timeout:g} s")
        return StoreUnavailable(f"cannot reach the SPARQL endpoint {url}: {reason}")

    def _http_error(self, code: int, body: bytes, url: str) -> KgErrorType:
        """One of our errors for an HTTP error status (a StoreError keeps the status as `.status`)."""
        detail = _detail(body)
        if code == 400:
            return QuerySyntaxError(detail or "the endpoint refused the request as malformed")
        if code in (503, 504):
            return QueryTimeout(f"the SPARQL endpoint is overloaded or timed out ({code})")
        if code == 404:
            return UpstreamError(
                f"no SPARQL endpoint at {url} (404)", status=code,
                message="no SPARQL endpoint at the configured store URL (404)",
            )  # fmt: skip
        if code in (401, 403):
            return UpstreamError(f"{url} refused the request ({code}): {detail}", status=code)
        return UpstreamError(f"{url} answered {code}: {detail}", status=code)

    def _protocol_body(
        self, text: str, default_graph_uris: Sequence[str] | None, named_graph_uris: Sequence[str] | None
    ) -> bytes:
        return urllib.parse.urlencode(
            [("query", text)]
            + [("default-graph-uri", u) for u in default_graph_uris or ()]
            + [("named-graph-uri", u) for u in named_graph_uris or ()]
        ).encode("utf-8")

    def _prepare(
        self, sparql: str, bindings: Bindings | None, base_iri: str | None = None
    ) -> tuple[str, str]:
        """The text to send (bound, with BASE) and the query form; SERVICE and updates refused here."""
        facts = analyse(sparql)
        refuse_service(sparql)
        if facts.is_update:
            raise QueryRefused("this is an update, not a query: use update()")
        if facts.form is None:
            raise QuerySyntaxError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK found")
        text = bind_with_values(sparql, bindings)
        if base_iri:
            text = with_base(text, base_iri)
        return text, facts.form

    def _ask(
        self,
        text: str,
        accept: str,
        default_graph_uris: Sequence[str] | None,
        named_graph_uris: Sequence[str] | None,
    ) -> bytes:
        body = self._protocol_body(text, default_graph_uris, named_graph_uris)
        return self._http(self.query_url, body=body, content_type=_FORM, accept=accept)

    # ---- Store -----------------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        text, form = self._prepare(sparql, bindings)
        if form in ("construct", "describe"):
            body = self._ask(text, _NT.media_type, default_graph_uris, named_graph_uris)
            graph = Graph()
            try:
                for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
                    graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
            except SyntaxError as exc:
                raise UpstreamError(f"{self.query_url} sent N-Triples that do not parse: {exc}") from exc
            return QueryResult("graph", graph=graph)
        body = self._ask(text, _JSON.media_type, default_graph_uris, named_graph_uris)
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise UpstreamError(f"{self.query_url} sent no SPARQL JSON results: {_detail(body)}") from exc
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.query_url} sent no SPARQL JSON results: {_detail(body)}")
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            tuple(term_from_sparql_json(b[v]) if v in b else None for v in variables)
            for b in data.get("results", {}).get("bindings", [])
        ]
        return QueryResult("select", variables=variables, rows=rows)

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
        text, form = self._prepare(sparql, bindings, base_iri)
        fmt = graph_format if form in ("construct", "describe") else result_format
        kind = "graph" if fmt is graph_format else form
        if (fmt in RESULT_FORMATS) != (kind != "graph"):
            raise QueryRefused(f"{fmt.key!r} is not a result format for {form.upper()}")
        body = self._ask(text, fmt.media_type, default_graph_uris, named_graph_uris)
        return SerializedResult(body, fmt, kind)

    def update(self, sparql_update: str, *, base_iri: str | None = None) -> None:
        refuse_service(sparql_update)
        text = with_base(sparql_update, base_iri)
        self._http(self.update_url, body=text.encode("utf-8"), content_type="application/sparql-update")

    # ---- Graph Store Protocol ----------------------------------------------------------------------
    def _graph_url(self, graph_iri: str | None) -> str:
        query = "default" if graph_iri is None else urllib.parse.urlencode({"graph": graph_iri})
        return f"{self.store_url}?{query}"

    def send_graph(self, graph_iri: str | None, ntriples: bytes, *, replace: bool = True) -> None:
        """Replace (PUT) or extend (POST) one graph through the Graph Store Protocol; `None` is the
        default graph. Falls back to SPARQL Update when the endpoint has no graph store."""
        if self.has_graph_store is not False:
            try:
                self._http(
                    self._graph_url(graph_iri),
                    method="PUT" if replace else "POST",
                    body=ntriples,
                    content_type=_NT.media_type,
                )
                self.has_graph_store = True
                return
            except StoreError as exc:
                if self.has_graph_store or exc.status not in (404, 405, 501):
                    raise
                self.has_graph_store = False
        self._send_by_update(graph_iri, ntriples, replace=replace)

    def _send_by_update(self, graph_iri: str | None, ntriples: bytes, *, replace: bool) -> None:
        target = "DEFAULT" if graph_iri is None else f"GRAPH {sparql_iri(graph_iri)}"
        if replace:
            self.update(f"CLEAR SILENT {target}")
        lines = ntriples.decode("utf-8").splitlines()
        for start in range(0, len(lines), UPDATE_CHUNK):
            chunk = "\n".join(lines[start : start + UPDATE_CHUNK])
            if graph_iri is None:
                self.update(f"INSERT DATA {{ {chunk} }}")
            else:
                self.update(f"INSERT DATA {{ GRAPH {sparql_iri(graph_iri)} {{ {chunk} }} }}")

    def load_file(self, path: Path, graph: str | None = None) -> None:
        """Add a dataset file's quads (or a Turtle/N-Triples file's triples into `graph`)."""
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise StoreError(f"unknown RDF format for {path.name}")
        if fmt.supports_datasets:
            load_dataset_into(self, path, replace=False)
            return
        try:
            triples = list(ox.parse(path=str(path), format=fmt))
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"cannot load {path.name}: {exc}") from exc
        body = ox.serialize(
            (t.triple if isinstance(t, ox.Quad) else t for t in triples), format=ox.RdfFormat.N_TRIPLES
        )
        self.send_graph(graph, body or b"", replace=False)

    def clear(self) -> None:
        self.update("CLEAR ALL")

    def graph_names(self) -> list[str]:
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(str(row[0]) for row in result.rows if isinstance(row[0], URIRef))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}"
            result = self.query(text)
        value = result.rows[0][0] if result.rows else None
        if not isinstance(value, Literal):
            raise UpstreamError(f"{self.query_url} did not return a count")
        return int(value.toPython())

    def ping(self) -> None:
        """Raise a StoreError with a clear message unless the endpoint answers a trivial query."""
        self.query("ASK { }")


KgErrorType = QuerySyntaxError | QueryTimeout | StoreError


# ---------------------------------------------------------------------------------------------------
# loading a dataset
# ---------------------------------------------------------------------------------------------------


def _graphs_of(dataset: Path) -> Iterator[tuple[str | None, list[ox.Quad]]]:
    """The quads of a dataset file grouped by graph (None = default graph), in a stable order."""
    fmt = ox.RdfFormat.from_extension(dataset.suffix.lstrip("."))
    if fmt is None or not fmt.supports_datasets:
        raise StoreError(f"{dataset.name} is not a dataset file (N-Quads or TriG)")
    local = ox.Store()
    try:
        local.bulk_load(path=str(dataset), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise StoreError(f"cannot read {dataset}: {exc}") from exc
    default = list(local.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if default:
        yield None, default
    names = sorted((g for g in local.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    for graph in names:
        yield graph.value, list(local.quads_for_pattern(None, None, None, graph))


def load_dataset_into(
    store: RemoteStore, dataset: Path, *, replace: bool = True, only_graph: str | None = None
) -> int:
    """Send a dataset file to the endpoint graph by graph; returns the number of quads sent.

    `replace` PUTs each graph (the endpoint's copy of that graph is replaced; other graphs are left
    alone); otherwise each graph is POSTed (added to).
    """
    sent = 0
    for graph, quads in _graphs_of(dataset):
        if only_graph and graph != only_graph:
            continue
        body = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""
        store.send_graph(graph, body, replace=replace)
        sent += len(quads)
    return sent


def load_dataset(endpoint: str, dataset: Path, *, replace: bool = True) -> int:
    """`keikaku load --endpoint URL`: put the built dataset into a SPARQL 1.1 endpoint.

    >>> load_dataset("http://127.0.0.1:7878", Path("dist/dataset.nq"))  # doctest: +SKIP
    12345
    """
    if not dataset.exists():
        raise StoreUnavailable(f"no built dataset at {dataset}: run `keikaku build` first")
    store = RemoteStore(endpoint)
    store.ping()
    return load_dataset_into(store, dataset, replace=replace)
