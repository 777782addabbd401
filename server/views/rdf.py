"""RDF representations of a resource: the formats a page is served in, serialising a description,
and the `Link` header listing the alternates.

Every format comes from the one registry (`kg.formats`) and is chosen by `server.conneg.choose`; the
prefixes are the one map of `kg.namespaces`.

>>> [f.key for f in PAGE_FORMATS]
['html', 'turtle', 'jsonld', 'ntriples', 'rdfxml']
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi.responses import Response
from rdflib import Graph

from kg.formats import HTML, Format, by_key
from kg.namespaces import PREFIXES
from server import conneg
from server.views.context import PageContext

#: Every page of a resource varies by these request headers.
VARY = "Accept, Accept-Language"

#: The RDF syntaxes a description is served in, best first.
RDF_PAGE_FORMATS: tuple[Format, ...] = tuple(by_key(k) for k in ("turtle", "jsonld", "ntriples", "rdfxml"))
#: What a resource is served in: HTML first (browsers, and `*/*`), then RDF.
PAGE_FORMATS: tuple[Format, ...] = (HTML, *RDF_PAGE_FORMATS)
#: OpenAPI `content` of a resource's 200 answer
RDF_RESPONSES = conneg.openapi_content(PAGE_FORMATS)

#: JSON-LD context: the project's prefixes (owl: is not used in descriptions)
_JSONLD_CONTEXT = {k: v for k, v in PREFIXES.items() if k != "owl"}


def alternates(web: PageContext, path: str) -> str:
    """RFC 8288 `Link` header listing the other representations of a page."""
    return ", ".join(
        f'<{web.url(path, format=f.extension)}>; rel="alternate"; type="{f.media_type}"' for f in PAGE_FORMATS
    )


def serialize(ntriples: bytes, fmt: Format) -> bytes:
    """Re-serialise an N-Triples description in the requested syntax (prefixes for readability)."""
    if fmt.key == "ntriples":
        return ntriples
    if fmt.key == "jsonld":
        graph = Graph()
        if ntriples.strip():
            graph.parse(data=ntriples.decode("utf-8"), format="nt")
        return graph.serialize(format="json-ld", context=_JSONLD_CONTEXT, auto_compact=True).encode("utf-8")
    triples = list(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    if fmt.key == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return ox.serialize(triples, format=fmt.ox)  # type: ignore[arg-type]


def rdf_response(body: bytes, fmt: Format, link: str | None = None) -> Response:
    headers = {"Vary": VARY}
    if link:
        headers["Link"] = link
    return Response(body, media_type=conneg.content_type(fmt.media_type), headers=headers)
