"""`/sparql`: the SPARQL 1.1 Protocol (query and, with the write token, update) and its Service Description.

Requests (https://www.w3.org/TR/sparql11-protocol/):
- query: `GET ?query=`, `POST` form (`query=`), `POST application/sparql-query`; the dataset by
  `default-graph-uri` / `named-graph-uri` (repeatable; they override FROM / FROM NAMED);
- update: `POST` form (`update=`) or `POST application/sparql-update`, with `using-graph-uri` /
  `using-named-graph-uri` — only with `Authorization: Bearer <write token>` (see deps.require_writer);
- `GET /sparql` without a query: the Service Description (Turtle unless the client asks for another
  RDF syntax).

Answers: SELECT/ASK as SPARQL JSON (default), XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle (default),
JSON-LD, N-Triples, RDF/XML, TriG or N-Quads — chosen from `Accept` with q-values (server.conneg).
Headers: `Vary: Accept`; `X-Result-Rows` when the number of solutions/triples was counted exactly.
A browser (HTML preferred) asking for `/sparql` without a query is sent to the query editor
(server.routes.ui).
Errors: 400 (syntax, with the parser's message; missing or repeated `query`; SERVICE; too many rows),
401/403 (writes), 405 (other methods, with `Allow`), 406, 413 (body), 415 (content type or charset),
503 (timeout). Evaluation happens in server.execution, outside the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD
from starlette.concurrency import run_in_threadpool
from starlette.routing import NoMatchFound

from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format, media_offers
from kg.namespaces import FORMATS, SD
from kg.queries.types import checked_iri
from kg.sparql_text import analyse, tokens
from kg.stores import Store
from server import conneg
from server.deps import get_executor, get_store, require_writer
from server.errors import HttpProblem, NotAcceptable
from server.execution import Executor, run_query
from server.execution.writes import apply_update
from server.routes.methods import add_method_routes
from server.settings import Settings
from server.sparql_format import BOM, accept_for, wants_excel

router = APIRouter(tags=["sparql"])

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

#: route names of the HTML query editor, tried in order (server.routes.ui)
EDITOR_ROUTES = ("sparql_editor", "yasgui")

#: every media type accepted for a SELECT/ASK answer and for a graph, best first → its format
_RESULT_OFFERS = media_offers(RESULT_FORMATS)
_RDF_OFFERS = media_offers(RDF_FORMATS)


async def sparql_endpoint(
    request: Request,
    store: Store = Depends(get_store),  # noqa: B008
    executor: Executor = Depends(get_executor),  # noqa: B008
) -> Response:
    """Dispatch a protocol request: read and check the operation here, evaluate in the thread pool."""
    params = list(request.query_params.multi_items())
    if request.method == "POST":
        media, ctype_params = conneg.parse_content_type(request.headers.get("content-type"))
        charset = ctype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HttpProblem(415, f"only UTF-8 is accepted, not {charset} / 文字コードは UTF-8 のみ対応です")
        body = await request.body()
        text = _decode(body)
        if media == FORM:
            params += parse_qsl(text, keep_blank_values=True)
            operation, sparql = _single_operation(params)
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            if any(k in ("query", "update") for k, _ in params):
                raise HttpProblem(400, "the operation is in the body; do not repeat it in the URL")
            operation, sparql = ("query" if media == QUERY_TYPE else "update"), text
        else:
            raise HttpProblem(
                415,
                f"POST needs Content-Type {FORM}, {QUERY_TYPE} or {UPDATE_TYPE} / Content-Type が不正です",
            )
    else:
        operation, sparql = _single_operation(params)
        if operation == "update":
            raise HttpProblem(400, "SPARQL Update must be sent with POST / 更新は POST で送ってください")

    endpoint = str(request.url_for("sparql"))
    if sparql is not None:
        check_nesting(sparql)
    if operation == "update":
        require_writer(request, store)
        check_load(sparql or "", request.app.state.settings.load_allow)
        return await _until_disconnect(request, _update, request, store, executor, sparql, params, endpoint)
    if sparql is None:
        if request.method == "POST" or params:
            raise HttpProblem(400, "missing 'query' parameter / query パラメータがありません")
        return await run_in_threadpool(_service_description, request, store, executor, endpoint)
    return await run_in_threadpool(_query, request, executor, sparql, params, endpoint)


_DATASET_PARAMS: list[dict[str, object]] = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{what} (repeatable; replaces FROM / FROM NAMED) / {ja}",
        "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
        "style": "form",
        "explode": True,
    }
    for name, what, ja in (
        ("default-graph-uri", "a graph of the default graph", "既定グラフに含めるグラフ"),
        ("named-graph-uri", "a named graph of the dataset", "名前付きグラフ"),
    )
]
_QUERY_PARAM: dict[str, object] = {
    "name": "query",
    "in": "query",
    "required": False,
    "description": "the SPARQL query; without it, the Service Description / SPARQL クエリ",
    "schema": {"type": "string"},
    "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
}
_POST_BODY: dict[str, object] = {
    "required": True,
    "content": {
        FORM: {
            "schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "update": {"type": "string"},
                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
        QUERY_TYPE: {"schema": {"type": "string"}, "example": "ASK { ?s ?p ?o }"},
        UPDATE_TYPE: {"schema": {"type": "string"}},
    },
}

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "SELECT/ASK results or a graph (CONSTRUCT/DESCRIBE, the Service Description), "
        "in the negotiated format",
        "content": conneg.openapi_content((*RESULT_FORMATS, *RDF_FORMATS)),
    },
    204: {"description": "The update was applied"},
}

# One route per method, each its own OpenAPI operation, and 405 for the rest (server.routes.methods).
_SPARQL_METHODS = ("GET", "HEAD", "POST")
add_method_routes(
    router,
    "/sparql",
    sparql_endpoint,
    _SPARQL_METHODS,
    name="sparql",
    operation_id="sparql",
    summary="SPARQL 1.1 Protocol endpoint / SPARQL エンドポイント",
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra=lambda method: (
        {"parameters": _DATASET_PARAMS, "requestBody": _POST_BODY}
        if method == "POST"
        else {"parameters": [_QUERY_PARAM, *_DATASET_PARAMS]}
    ),
)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpProblem(415, "the body is not valid UTF-8 / 本文が UTF-8 ではありません") from None


def _single_operation(params: Sequence[tuple[str, str]]) -> tuple[str, str | None]:
    """The one `query` or `update` among the parameters (400 if repeated or both are given)."""
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if len(queries) > 1 or len(updates) > 1:
        raise HttpProblem(400, "more than one query or update / query・update は一つだけ指定してください")
    if queries and updates:
        raise HttpProblem(400, "both 'query' and 'update' given / query と update が両方あります")
    if updates:
        return "update", updates[0]
    return "query", queries[0] if queries else None


def _values(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


# ---- query -----------------------------------------------------------------------------------------


def _query(
    request: Request, executor: Executor, sparql: str, params: list[tuple[str, str]], endpoint: str
) -> Response:
    accept = accept_for(params) or request.headers.get("accept")  # `format=`/`output=` (issue 13)
    form = analyse(sparql).form  # lexed once: the store reads the same (cached) analysis
    result_media = conneg.negotiate(accept, list(_RESULT_OFFERS)) if form in (None, "select", "ask") else None
    graph_media = (
        conneg.negotiate(accept, list(_RDF_OFFERS)) if form in (None, "construct", "describe") else None
    )
    if form is not None and result_media is None and graph_media is None:
        raise _not_acceptable(RESULT_FORMATS if form in ("select", "ask") else RDF_FORMATS)
    # checked here: an IRI the store refuses (empty, relative, a control character) is the client's
    # mistake — 400 — not a ValueError inside the store (500)
    default_graphs = [_iri(g) for g in _values(params, "default-graph-uri")]
    named_graphs = [_iri(g) for g in _values(params, "named-graph-uri")]
    settings: Settings = request.app.state.settings
    outcome = run_query(
        executor,
        settings,
        sparql,
        None,
        _RESULT_OFFERS[result_media].key if result_media else "json",
        graph_format=_RDF_OFFERS[graph_media].key if graph_media else "turtle",
        # protocol dataset given → it replaces the whole dataset, so no default-graph-uri means an
        # empty default graph ([]); no dataset at all (None) → the union of all graphs
        default_graph_uris=default_graphs if (default_graphs or named_graphs) else None,
        named_graph_uris=named_graphs or None,
        base_iri=endpoint,
    )
    if form is None and (graph_media if outcome.kind == "graph" else result_media) is None:
        raise _not_acceptable(RDF_FORMATS if outcome.kind == "graph" else RESULT_FORMATS)
    headers = {"Vary": "Accept"}
    if outcome.rows is not None:
        headers["X-Result-Rows"] = str(outcome.rows)
    full = outcome.body
    if wants_excel(params) and outcome.content_type.startswith("text/csv"):  # CSV for Excel (issue 13)
        full = BOM + full
        headers["Content-Disposition"] = 'attachment; filename="sparql-results.csv"'
    body = b"" if request.method == "HEAD" else full
    response = Response(body, media_type=outcome.content_type, headers=headers)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(full))
    return response


def _not_acceptable(offered: Sequence[Format]) -> NotAcceptable:
    return NotAcceptable([f.media_type for f in offered])


# ---- update ----------------------------------------------------------------------------------------


def apply_protocol_dataset(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Apply `using-graph-uri` / `using-named-graph-uri` by adding USING clauses to each DELETE/INSERT
    … WHERE operation (SPARQL 1.1 Protocol §2.2.3). The protocol forbids combining them with USING or
    WITH in the request; that, and DELETE WHERE (which has no USING form), are 400.

    >>> apply_protocol_dataset("INSERT { ?s a <c> } WHERE { ?s a <d> }", ["http://g"], [])
    'INSERT { ?s a <c> } USING <http://g> WHERE { ?s a <d> }'
    """
    if not using and not using_named:
        return update
    clause = " ".join(
        [f"USING <{_iri(g)}>" for g in using] + [f"USING NAMED <{_iri(g)}>" for g in using_named]
    )
    inserts: list[int] = []
    previous = None
    for tok in tokens(update):
        if tok.depth == 0 and tok.is_word("USING", "WITH"):
            raise HttpProblem(
                400,
                "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH / "
                "using-graph-uri と USING・WITH は併用できません",
            )
        if tok.depth == 0 and tok.is_word("WHERE"):
            if previous is not None and previous.is_word("DELETE"):
                raise HttpProblem(
                    400, "using-graph-uri cannot apply to DELETE WHERE; write DELETE {…} WHERE {…}"
                )
            inserts.append(tok.start)
        previous = tok
    for pos in reversed(inserts):
        update = f"{update[:pos]}{clause} {update[pos:]}"
    return update


def _iri(value: str) -> str:
    try:
        return str(checked_iri(value, http_only=False))
    except ValueError:
        raise HttpProblem(400, f"not an IRI: {value[:80]!r} / IRI ではありません") from None


def _update(
    request: Request,
    store: Store,
    executor: Executor,
    update: str,
    params: list[tuple[str, str]],
    endpoint: str,
    cancel: threading.Event | None = None,
) -> Response:
    if any(k in ("default-graph-uri", "named-graph-uri") for k, _ in params):
        raise HttpProblem(400, "default-graph-uri/named-graph-uri apply to queries; use using-graph-uri")
    text = apply_protocol_dataset(
        update, _values(params, "using-graph-uri"), _values(params, "using-named-graph-uri")
    )
    settings: Settings = request.app.state.settings
    apply_update(
        store,
        executor,
        request.app.state.write_lock,
        text,
        base_iri=endpoint,
        timeout_s=settings.update_timeout_s,
        cancel=cancel,
    )
    return Response(status_code=204)


# ---- limits on the text (issue 10) -------------------------------------------------------------------

#: deeper nesting of { ( [ than this is refused with 400 (the parser would overflow its stack near 5 000)
MAX_NESTING = 1000
_OPENERS, _CLOSERS = frozenset("{(["), frozenset("})]")


def check_nesting(text: str) -> None:
    """400 for a text nested deeper than `MAX_NESTING` groups, before any parser sees it.

    >>> check_nesting("ASK { { ?s ?p ( 1 ) } }")
    >>> try:
    ...     check_nesting("ASK " + "{" * 2000 + "}" * 2000)
    ... except HttpProblem as exc:
    ...     print(exc.status, exc.message[:40])
    400 the text is nested more than 1000 levels
    """
    depth = 0
    for tok in tokens(text):
        if tok.text in _OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                raise HttpProblem(
                    400,
                    f"the text is nested more than {MAX_NESTING} levels deep / "
                    f"入れ子が深すぎます（上限 {MAX_NESTING} 段）",
                )
        elif tok.text in _CLOSERS:
            depth = max(depth - 1, 0)


def check_load(update: str, allowed: Sequence[str]) -> None:
    """Refuse `LOAD` unless its IRI is absolute http(s) and starts with an entry of `allowed`
    (`Settings.load_allow`, empty by default): the endpoint never calls out on its own.

    >>> check_load("LOAD <https://example.org/data/x.nt>", ["https://example.org/data/"])
    >>> try:
    ...     check_load("LOAD SILENT <http://127.0.0.1:8821/x.nt> INTO GRAPH <urn:g>", [])
    ... except HttpProblem as exc:
    ...     print(exc.status, exc.message[:49])
    403 LOAD of http://127.0.0.1:8821/x.nt is not allowed
    """
    toks = tokens(update)
    for i, tok in enumerate(toks):
        if not tok.is_word("LOAD"):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.is_word("SILENT"):
            nxt = toks[i + 2] if i + 2 < len(toks) else None
        url = nxt.text[1:-1] if nxt is not None and nxt.kind == "iri" else None
        ok = (
            url is not None
            and "\\" not in url
            and url.startswith(("http://", "https://"))
            and any(url.startswith(prefix) for prefix in allowed)
        )
        if not ok:
            shown = url if url is not None else (nxt.text[:80] if nxt is not None else "")
            raise HttpProblem(
                403 if url is not None else 400,
                f"LOAD of {shown} is not allowed: the URL is not on the server's allow-list / "
                "この URL からの LOAD は許可されていません",
            )


async def _until_disconnect(request: Request, fn: Callable[..., Response], *args: object) -> Response:
    """Run `fn(*args, cancel=event)` in the threadpool; set the event when the client goes away, so an
    update it sent is stopped (its worker killed) rather than finished for nobody."""
    cancel = threading.Event()
    task = asyncio.ensure_future(run_in_threadpool(functools.partial(fn, *args, cancel=cancel)))
    try:
        while not task.done():
            done, _ = await asyncio.wait({task}, timeout=0.25)
            if not done and await request.is_disconnected():
                cancel.set()
        return task.result()
    finally:
        cancel.set()


# ---- service description ---------------------------------------------------------------------------


def _service_description(request: Request, store: Store, executor: Executor, endpoint: str) -> Response:
    accept = request.headers.get("accept")
    if conneg.prefers(accept, "text/html", list(_RDF_OFFERS)):
        # a browser: send it to the query editor (server.routes.ui), when the app has one
        for name in EDITOR_ROUTES:
            with contextlib.suppress(NoMatchFound):
                return RedirectResponse(str(request.url_for(name)), status_code=303)
    media = conneg.negotiate(accept, list(_RDF_OFFERS))
    if media is None:
        raise _not_acceptable(RDF_FORMATS)
    fmt = _RDF_OFFERS[media]
    cache = request.app.state.__dict__.setdefault("_sd_cache", {})
    cache_key = (endpoint, fmt.key, id(store), executor.generation)
    body = cache.get(cache_key)
    if body is None:
        graph = service_description(endpoint, store, request.app.state.settings)
        body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
        cache.clear()
        cache[cache_key] = body
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        return Response(b"", media_type=conneg.content_type(fmt.media_type), headers=headers)
    return Response(body, media_type=conneg.content_type(fmt.media_type), headers=headers)


def service_description(endpoint: str, store: Store, settings: Settings) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint, with the dataset's graphs and sizes."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("formats", FORMATS)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.write_token and store.writable:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        if fmt.w3c:
            g.add((service, SD.resultFormat, FORMATS[fmt.w3c]))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    g.add((default_graph, RDFS.comment, Literal("全名前付きグラフの和集合", lang="ja")))
    for name in store.graph_names():
        named = BNode()
        graph = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(store.count(name), datatype=XSD.integer)))
    return g
