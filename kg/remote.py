"""A remote SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever) behind `Store`.

This is what makes "more data than one machine" a configuration change: `--store URL` points the CLI and
the server at any SPARQL 1.1 endpoint, and `keikaku load --endpoint URL` fills it.

- SELECT/ASK go through SPARQLWrapper (JSON results); CONSTRUCT/DESCRIBE and the serialised fast path
  (`query_serialized`) are plain SPARQL Protocol POSTs with the wanted media type.
- Loading uses the SPARQL 1.1 Graph Store HTTP Protocol (one PUT — or POST for `--append` — per named
  graph) and falls back to SPARQL Update where an endpoint has no graph store.

Parameters are bound as in the embedded store, by `kg.binding.bind_with_values`: a one-row `VALUES`
block at the start of every group graph pattern that mentions the variable, the terms written by
`kg.binding.sparql_term`, so a value is always exactly one term and can never change the query.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from kg.binding import bind_with_values, sparql_iri, tokens
from kg.binding import sparql_term as sparql_term  # re-exported: part of this module's API before kg.binding
from kg.errors import QueryRefused, QuerySyntaxError, QueryTimeout, StoreError
from kg.store import RDF_MEDIA_TYPES, RESULT_MEDIA_TYPES, QueryResult, Store, refuse_service

TIMEOUT_S = 60
#: quads per request when a graph must be sent with SPARQL Update (no Graph Store Protocol)
UPDATE_CHUNK = 20_000
_DETAIL_CHARS = 300


# ---------------------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------
# the query form (read with kg.binding's lexer)
# ---------------------------------------------------------------------------------------------------

_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def query_form(sparql: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE, ASK — or UPDATE for an update request.

    Read from the first keyword after the prologue, so that words in comments, strings, IRIs or prefix
    names never count (SPARQLWrapper's own regular expression can be fooled by a comment).

    >>> query_form("# construct a list\\nPREFIX ask: <http://x/select>\\nSELECT * { ?s ?p ?o }")
    'SELECT'
    >>> query_form("CONSTRUCT WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    """
    for token in tokens(sparql):
        if token.kind != "word":
            continue
        word = token.text.upper()
        if word in _FORMS:
            return word
        if word in _UPDATES:
            return "UPDATE"
    raise QuerySyntaxError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK found")


# ---------------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------------


def _term(binding: dict[str, str]) -> Node:
    """A SPARQL 1.1 Query Results JSON term as an rdflib term."""
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    lang = binding.get("xml:lang")
    if lang:
        return Literal(binding["value"], lang=lang)
    datatype = binding.get("datatype")  # "typed-literal" (the 2008 draft) carries one too
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(binding["value"], datatype=URIRef(datatype))
    return Literal(binding["value"])


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
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc.code, exc.read(), url) from exc
        except TimeoutError as exc:
            raise QueryTimeout(f"{url} did not answer within {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(f"{url} did not answer within {self.timeout:g} s") from exc
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {exc.reason}") from exc
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {exc}") from exc

    def _http_error(self, code: int, body: bytes, url: str) -> Exception:
        """One of our errors for an HTTP error status; it keeps the status as `.status`."""
        detail = _detail(body)
        exc: Exception
        if code == 400:
            exc = QuerySyntaxError(detail or "the endpoint refused the request as malformed")
        elif code in (401, 403):
            exc = StoreError(f"{url} refused the request ({code}): {detail}")
        elif code == 404:
            exc = StoreError(f"no SPARQL endpoint at {url} (404)")
        elif code in (503, 504):
            exc = QueryTimeout(f"{url} is overloaded or timed out ({code}): {detail}")
        else:
            exc = StoreError(f"{url} answered {code}: {detail}")
        exc.status = code  # type: ignore[attr-defined]
        return exc

    def _protocol_body(
        self, text: str, default_graph_uris: Sequence[str] | None, named_graph_uris: Sequence[str] | None
    ) -> bytes:
        return urllib.parse.urlencode(
            [("query", text)]
            + [("default-graph-uri", u) for u in default_graph_uris or ()]
            + [("named-graph-uri", u) for u in named_graph_uris or ()]
        ).encode("utf-8")

    def _prepare(self, sparql: str, bindings: Mapping[str, Node] | None) -> tuple[str, str]:
        refuse_service(sparql)
        form = query_form(sparql)
        if form == "UPDATE":
            raise QueryRefused("this is an update, not a query: use update()")
        return bind_with_values(sparql, bindings), form

    # ---- Store -----------------------------------------------------------------------------------
    def query(self, sparql, bindings=None, *, default_graph_uris=None, named_graph_uris=None):  # type: ignore[override]
        text, form = self._prepare(sparql, bindings)
        if form in ("CONSTRUCT", "DESCRIBE"):
            body = self._http(
                self.query_url,
                body=self._protocol_body(text, default_graph_uris, named_graph_uris),
                content_type="application/x-www-form-urlencoded",
                accept="application/n-triples",
            )
            graph = Graph()
            try:
                graph.parse(data=body.decode("utf-8"), format="nt")
            except Exception as exc:  # rdflib raises parser-specific types
                raise StoreError(f"{self.query_url} sent N-Triples that do not parse: {exc}") from exc
            return QueryResult("graph", graph=graph)
        wrapper = SPARQLWrapper(self.query_url)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(max(1, self.timeout)))
        wrapper.setQuery(text)
        wrapper.queryType = form  # ours, read past comments and prefixes
        wrapper.setReturnFormat(JSON)
        for uri in default_graph_uris or ():
            wrapper.addDefaultGraph(uri)
        for uri in named_graph_uris or ():
            wrapper.addNamedGraph(uri)
        data = self._run_wrapper(wrapper)
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        rows = [
            tuple(_term(b[v]) if v in b else None for v in variables)
            for b in data.get("results", {}).get("bindings", [])
        ]
        return QueryResult("select", variables=variables, rows=rows)

    def _run_wrapper(self, wrapper: SPARQLWrapper) -> dict:
        try:
            data = wrapper.query().convert()
        except QueryBadFormed as exc:
            raise QuerySyntaxError(_detail(_wrapper_detail(exc))) from exc
        except EndPointNotFound as exc:
            raise StoreError(f"no SPARQL endpoint at {self.query_url} (404)") from exc
        except Unauthorized as exc:
            raise StoreError(f"{self.query_url} refused the query (401)") from exc
        except EndPointInternalError as exc:
            detail = _detail(_wrapper_detail(exc))
            raise StoreError(f"{self.query_url} failed (500): {detail}") from exc
        except SPARQLWrapperException as exc:
            raise StoreError(f"{self.query_url} failed: {_detail(_wrapper_detail(exc))}") from exc
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc.code, exc.read(), self.query_url) from exc
        except TimeoutError as exc:
            raise QueryTimeout(f"{self.query_url} did not answer within {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(f"{self.query_url} did not answer within {self.timeout:g} s") from exc
            raise StoreError(f"cannot reach the SPARQL endpoint {self.query_url}: {exc.reason}") from exc
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {self.query_url}: {exc}") from exc
        if isinstance(data, bytes | str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise StoreError(f"{self.query_url} did not send SPARQL JSON results") from exc
        if not isinstance(data, dict):
            raise StoreError(f"{self.query_url} did not send SPARQL JSON results")
        return data

    def query_serialized(
        self, sparql, result_format, bindings=None, *, default_graph_uris=None, named_graph_uris=None
    ):  # type: ignore[override]
        text, form = self._prepare(sparql, bindings)
        graph_query = form in ("CONSTRUCT", "DESCRIBE")
        formats = RDF_MEDIA_TYPES if graph_query else RESULT_MEDIA_TYPES
        if result_format not in formats:
            raise QueryRefused(f"{result_format!r} is not a result format for {form}")
        media = formats[result_format]
        body = self._http(
            self.query_url,
            body=self._protocol_body(text, default_graph_uris, named_graph_uris),
            content_type="application/x-www-form-urlencoded",
            accept=media,
        )
        kind = "graph" if graph_query else ("ask" if form == "ASK" else "select")
        return body, media, kind

    def update(self, sparql_update: str) -> None:
        refuse_service(sparql_update)
        self._http(
            self.update_url,
            body=sparql_update.encode("utf-8"),
            content_type="application/sparql-update",
        )

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
                    content_type="application/n-triples",
                )
                self.has_graph_store = True
                return
            except StoreError as exc:
                if self.has_graph_store or getattr(exc, "status", None) not in (404, 405, 501):
                    raise
                self.has_graph_store = False
        self._send_by_update(graph_iri, ntriples, replace=replace)

    def put_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Replace one named graph (Graph Store Protocol PUT ?graph=)."""
        self.send_graph(graph_iri, ntriples, replace=True)

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
            raise StoreError(f"{self.query_url} did not return a count")
        return int(value.toPython())

    def ping(self) -> None:
        """Raise StoreError with a clear message unless the endpoint answers a trivial query."""
        self.query("ASK { }")


def _wrapper_detail(exc: SPARQLWrapperException) -> str:
    """The endpoint's own message inside a SPARQLWrapper exception, without SPARQLWrapper's preamble."""
    text = str(exc)
    for marker in ("Response:\n", "Response: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1].encode("latin-1", "replace").decode("unicode_escape", "replace")
        text = text.encode("latin-1", "replace").decode("utf-8", "replace")
    return text


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
        raise StoreError(f"no built dataset at {dataset}: run `keikaku build` first")
    store = RemoteStore(endpoint)
    store.ping()
    return load_dataset_into(store, dataset, replace=replace)
