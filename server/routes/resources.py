"""`/id/{path}`: every minted IRI dereferences — HTML for browsers, RDF for machines.

Content negotiation (`Accept` with q-values, or `?format=ttl|jsonld|nt|rdf|html`): HTML in Japanese, or
English with `Accept-Language: en` or `?lang=en`; Turtle, JSON-LD, N-Triples and RDF/XML. Every answer
says `Vary: Accept, Accept-Language` and lists its alternates in a `Link` header. The IRI described is
rebuilt from `Settings.base_iri`, so the same URIs dereference on any host.

What is served for an IRI (the "concise bounded description" of the design, `server/sparql/describe.rq`):
its own triples from every graph including the inferred one, its SDG alignment nodes, the reified
statements (cross-plan links) it is the subject or object of, and the triples pointing at it. The HTML
page is built from a larger page graph (`page.rq`), fetched with one CONSTRUCT.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import URIRef
from rdflib.namespace import RDF

from kg.formats import HTML
from kg.namespaces import KK
from kg.queries.types import checked_iri
from server.conneg import choose
from server.errors import NotFound
from server.internal import sparql
from server.views.context import PageContext, get_page_context
from server.views.element import element_page
from server.views.municipality import municipality_page
from server.views.page import ELEMENT_CLASSES, View, generic_page
from server.views.plan import plan_page
from server.views.rdf import PAGE_FORMATS, RDF_RESPONSES, VARY, alternates, rdf_response, serialize

router = APIRouter(tags=["linked data"])


def _resource_iri(web: PageContext, path: str) -> URIRef | None:
    """The IRI `/id/{path}` names, or None when no store could hold it (so it cannot exist)."""
    try:
        return checked_iri(web.id_base + path) if path else None
    except ValueError:
        return None


@router.head("/id/{path:path}", include_in_schema=False)
@router.get(
    "/id/{path:path}",
    response_class=Response,
    summary="Dereference a Keikaku Graph IRI / IRI の参照解決",
    responses={
        200: {
            "content": RDF_RESPONSES,
            "description": "The description of the resource, in the negotiated format",
        },
        404: {"description": "No such resource"},
        406: {"description": "No acceptable format"},
    },
)
def dereference(
    path: str,
    request: Request,
    web: PageContext = Depends(get_page_context),  # noqa: B008
) -> Response:
    """HTML for browsers, RDF for machines (`Accept` or `?format=ttl|jsonld|nt|rdf|html`)."""
    fmt = choose(request, PAGE_FORMATS, headers={"Vary": VARY})
    iri = _resource_iri(web, path)
    if iri is None:
        if fmt is HTML:
            return web.not_found()
        raise NotFound("not found", {"Vary": VARY})
    if not web.ask(sparql("exists"), {"r": iri}):
        if fmt is HTML:
            response = web.not_found()
            response.headers["Vary"] = VARY
            return response
        raise NotFound(f"no resource <{iri}> in this dataset / この資源はありません", {"Vary": VARY})
    link = alternates(web, "/id/" + path)
    if fmt is not HTML:
        return rdf_response(serialize(web.construct_ntriples(sparql("describe"), {"r": iri}), fmt), fmt, link)
    response = render_resource(web, iri)
    response.headers["Link"] = link
    return response


def render_resource(web: PageContext, iri: URIRef) -> HTMLResponse:
    """Pick the page for a resource by what it is."""
    graph = web.construct(sparql("page"), {"r": iri, "inferred": URIRef(web.inferred_graph)})
    view = View(web, graph, iri)
    types = set(graph.objects(iri, RDF.type))
    if KK.Plan in types:
        return web.render("plan.html", v=view, page=plan_page(view))
    if KK.Municipality in types or (None, KK.issuedBy, iri) in graph:
        return web.render("municipality.html", v=view, page=municipality_page(view))
    if types & set(ELEMENT_CLASSES) or KK.PlanElement in types:
        return web.render("element.html", v=view, page=element_page(view))
    return web.render("resource.html", v=view, page=generic_page(view))
