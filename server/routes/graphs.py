"""`/graph/{path}`: the named-graph IRIs (`https://w3id.org/keikaku/graph/…`) dereference (issue 13).

HTML for browsers (a description: triple count, instances per class, the dump and a SPARQL query over
the graph); for machines the graph's own triples in every RDF syntax of the registry — TriG and N-Quads
carry the graph name. Unknown graphs are 404, so the graph list of VoID is the list of what resolves.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from rdflib import URIRef

from kg.formats import HTML, RDF_FORMATS, Format
from kg.namespaces import PREFIXES
from server import conneg
from server.errors import NotFound
from server.internal import sparql
from server.routes.publish import graph_counts
from server.views.context import PageContext, get_page_context
from server.views.rdf import VARY

router = APIRouter(tags=["linked data"])

#: HTML first (browsers and `*/*` get the description), then every RDF syntax
GRAPH_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS)


def _data(web: PageContext, iri: str, fmt: Format) -> bytes:
    nt = web.construct_ntriples(sparql("graph-data"), {"g": URIRef(iri)})
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    if fmt.is_dataset:
        graph = ox.NamedNode(iri)
        quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        return ox.serialize(quads, format=fmt.ox)  # type: ignore[arg-type]
    if fmt.key == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return ox.serialize(triples, format=fmt.ox)  # type: ignore[arg-type]


@router.head("/graph/{path:path}", include_in_schema=False)
@router.get(
    "/graph/{path:path}",
    response_class=Response,
    summary="名前付きグラフの参照解決 / Dereference a named graph IRI",
    responses={
        200: {"content": conneg.openapi_content(GRAPH_FORMATS), "description": "description or data"},
        404: {"description": "No such graph"},
    },
)
def named_graph(
    path: str,
    request: Request,
    web: PageContext = Depends(get_page_context),  # noqa: B008
) -> Response:
    """A description of the graph (HTML), or its triples (`Accept` or `?format=`)."""
    fmt = conneg.choose(request, GRAPH_FORMATS, headers={"Vary": VARY})
    iri = web.base + "graph/" + path
    counts = graph_counts(web)
    if iri not in counts:
        if fmt is HTML:
            return web.not_found()
        raise NotFound(f"no named graph <{iri}> / この名前付きグラフはありません", {"Vary": VARY})
    link = ", ".join(
        f'<{web.url("/graph/" + path, format=f.format_names[0])}>; rel="alternate"; type="{f.media_type}"'
        for f in RDF_FORMATS
    )
    if fmt is not HTML:
        body = _data(web, iri, fmt)
        headers = {"Vary": VARY, "Link": link}
        return Response(body, media_type=conneg.content_type(fmt.media_type), headers=headers)
    classes = [
        {"iri": str(r["class"]), "label": _short(str(r["class"])), "n": int(r["n"].toPython())}  # type: ignore[union-attr]
        for r in web.select(sparql("graph-stats"), {"g": URIRef(iri)})
    ]
    dump = web.settings.dist / "graphs" / f"{path}.ttl"
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 100"
    response = web.render(
        "graph.html",
        iri=iri,
        triples=counts[iri],
        classes=classes,
        formats=[{"label": f.label, "href": _format_url(web, path, f)} for f in RDF_FORMATS],
        dump=web.url(f"/download/graphs/{path}.ttl") if dump.is_file() else None,
        query_href=web.url("/sparql/ui", query=query),
    )
    response.headers["Link"] = link
    return response


def _format_url(web: PageContext, path: str, fmt: Format) -> str:
    return web.url("/graph/" + path, format=fmt.format_names[0])


def _short(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri
