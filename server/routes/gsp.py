"""`/gsp`: the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Graphs are named indirectly (`/gsp?graph=<IRI>`, `/gsp?default`) or directly (`/gsp/<path>` names the
graph whose IRI is that request URL). Reading (GET, HEAD) is always allowed; writing (PUT, POST, DELETE)
needs the write token exactly like SPARQL Update (deps.require_writer), and goes through
`Store.update`, so it works on any backend.

- GET/HEAD: the graph in the negotiated RDF syntax (Turtle by default); 404 if the graph does not exist.
  `?default` is the endpoint's default graph, i.e. the union of all graphs (as on /sparql).
- PUT: replace (201 if the graph is new, else 204). POST: add (201/204); POST to `/gsp` without a graph
  creates a new graph and answers 201 with its IRI in `Location`. DELETE: 204, or 404 if absent.
  Bodies: Turtle, N-Triples, RDF/XML or JSON-LD, or multipart/form-data of those.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kg.formats import RDF_FORMATS, media_offers
from kg.queries.types import checked_iri
from kg.stores import Store
from server import conneg
from server.deps import get_executor, get_store, require_writer
from server.errors import HttpProblem, NotAcceptable
from server.execution import Executor, run_query
from server.internal import sparql
from server.routes.methods import add_method_routes

router = APIRouter(tags=["graph store"])

#: every media type a graph is served in, best first → its format
_RDF_OFFERS = media_offers(RDF_FORMATS)
#: body syntaxes accepted for writes (graph syntaxes only: a TriG body has no single target graph)
_WRITE_FORMATS = media_offers(f for f in RDF_FORMATS if not f.is_dataset)
_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


async def gsp_indirect(
    request: Request,
    store: Store = Depends(get_store),  # noqa: B008
    executor: Executor = Depends(get_executor),  # noqa: B008
) -> Response:
    """`?graph=<IRI>` or `?default`; POST with neither creates a graph."""
    graphs = request.query_params.getlist("graph")
    default = "default" in request.query_params
    if len(graphs) > 1 or (graphs and default):
        raise HttpProblem(
            400, "give exactly one of 'graph' or 'default' / graph か default を一つ指定してください"
        )
    if not graphs and not default:
        if request.method != "POST":
            raise HttpProblem(400, "missing 'graph' or 'default' parameter / graph パラメータがありません")
        new_graph = str(request.url_for("gsp_direct", path=f"graphs/{uuid.uuid4().hex}"))
        response = await _handle(request, Ctx(store, executor), new_graph)
        response.status_code = 201
        response.headers["Location"] = new_graph
        return response
    return await _handle(request, Ctx(store, executor), graphs[0] if graphs else None)


async def gsp_direct(
    request: Request,
    path: str,
    store: Store = Depends(get_store),  # noqa: B008
    executor: Executor = Depends(get_executor),  # noqa: B008
) -> Response:
    """The graph whose IRI is this request's URL (without query string)."""
    graph = str(request.url.replace(query="", fragment=""))
    return await _handle(request, Ctx(store, executor), graph)


_GRAPH_PARAMS: list[dict[str, object]] = [
    {
        "name": "graph",
        "in": "query",
        "required": False,
        "description": "the IRI of the graph / グラフの IRI",
        "schema": {"type": "string", "format": "iri"},
    },
    {
        "name": "default",
        "in": "query",
        "required": False,
        "description": "the default graph (a flag: `?default`) / 既定グラフ",
        "schema": {"type": "string"},
        "allowEmptyValue": True,
    },
]

_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The graph, in the negotiated RDF syntax",
        "content": conneg.openapi_content(RDF_FORMATS),
    }
}

# One route per method and path, each its own OpenAPI operation; every other method: 405 with the
# five in `Allow` (server.routes.methods).
add_method_routes(
    router,
    "/gsp",
    gsp_indirect,
    _METHODS,
    name="gsp",
    operation_id="gsp",
    summary="Graph Store Protocol (indirect)",
    responses=_RESPONSES,
    openapi_extra=lambda _: {"parameters": _GRAPH_PARAMS},
)
add_method_routes(
    router,
    "/gsp/{path:path}",
    gsp_direct,
    _METHODS,
    name="gsp_direct",
    operation_id="gsp_direct",
    summary="Graph Store Protocol (direct)",
    responses=_RESPONSES,
)


@dataclass(frozen=True)
class Ctx:
    """The store and executor of this request (from the dependencies, so tests can swap them)."""

    store: Store
    executor: Executor


async def _handle(request: Request, ctx: Ctx, graph: str | None) -> Response:
    """`graph` None means the default graph."""
    if graph is not None:
        graph = _check_iri(graph)
    if request.method in ("GET", "HEAD"):
        return await run_in_threadpool(_read, request, ctx, graph)
    require_writer(request, ctx.store)
    if request.method == "DELETE":
        return await run_in_threadpool(_write, request, ctx, graph, None, "DELETE")
    triples = await _body_triples(request, graph)
    return await run_in_threadpool(_write, request, ctx, graph, triples, request.method)


def _check_iri(value: str) -> str:
    try:
        return str(checked_iri(value, http_only=False))
    except ValueError:
        raise HttpProblem(400, f"not an absolute IRI: {value[:80]!r} / IRI ではありません") from None


def _exists(store: Store, graph: str | None) -> bool:
    return graph is None or graph in store.graph_names()


def _read(request: Request, ctx: Ctx, graph: str | None) -> Response:
    if not _exists(ctx.store, graph):
        raise HttpProblem(404, f"no graph named {graph} / グラフがありません")
    media = conneg.negotiate(request.headers.get("accept"), list(_RDF_OFFERS))
    if media is None:
        raise NotAcceptable([f.media_type for f in RDF_FORMATS])
    fmt = _RDF_OFFERS[media].key
    outcome = run_query(
        ctx.executor,
        request.app.state.settings,
        sparql("gsp-default" if graph is None else "gsp-graph"),
        None if graph is None else {"graph": URIRef(graph)},
        graph_format=fmt,
        max_rows=None,  # a stored graph is bounded data; the timeout still applies
    )
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(outcome.body))
        return Response(b"", media_type=outcome.content_type, headers=headers)
    return Response(outcome.body, media_type=outcome.content_type, headers=headers)


async def _body_triples(request: Request, graph: str | None) -> list[ox.Triple]:
    media, params = conneg.parse_content_type(request.headers.get("content-type"))
    if media == "multipart/form-data":
        form = await request.form()
        triples: list[ox.Triple] = []
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                part_media, _ = conneg.parse_content_type(value.content_type)
                triples += _parse(await value.read(), part_media or _guess(value.filename), graph)
        return triples
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpProblem(415, f"only UTF-8 is accepted, not {charset}")
    return _parse(await request.body(), media, graph)


def _guess(filename: str | None) -> str:
    fmt = ox.RdfFormat.from_extension((filename or "").rpartition(".")[2])
    return fmt.media_type if fmt is not None else ""


def _parse(body: bytes, media: str, graph: str | None) -> list[ox.Triple]:
    found = _WRITE_FORMATS.get(media)
    if found is None:
        raise HttpProblem(415, "send Turtle, N-Triples, RDF/XML or JSON-LD / RDF の形式を指定してください")
    try:
        quads = ox.parse(body, format=found.ox, base_iri=graph)  # type: ignore[arg-type]
        return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    except (SyntaxError, ValueError) as exc:
        raise HttpProblem(400, f"cannot parse the body: {exc} / 本文を解析できません") from None


def _write(
    request: Request, ctx: Ctx, graph: str | None, triples: list[ox.Triple] | None, method: str
) -> Response:
    target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
    data = "" if not triples else ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    wrapped = data if graph is None else f"GRAPH <{graph}> {{ {data} }}"
    with request.app.state.write_lock:
        existed = _exists(ctx.store, graph)
        if method == "DELETE":
            if not existed:
                raise HttpProblem(404, f"no graph named {graph} / グラフがありません")
            update = f"CLEAR {target}" if graph is None else f"DROP {target}"
        elif method == "PUT":
            update = f"CLEAR {target}" if graph is None else f"DROP SILENT {target} ; CREATE SILENT {target}"
            if data:
                update += f" ; INSERT DATA {{ {wrapped} }}"
        else:  # POST: merge
            update = "" if graph is None else f"CREATE SILENT {target}"
            if data:
                update += f"{' ; ' if update else ''}INSERT DATA {{ {wrapped} }}"
        try:
            if update:
                ctx.store.update(update)
        finally:
            ctx.executor.invalidate()
    return Response(status_code=204 if existed else 201)
