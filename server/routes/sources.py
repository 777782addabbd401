"""`/source/{municipality}/{document}`: a source document as received (`text/plain; charset=utf-8`), an
HTML view that highlights `?char=s,e`, or its RDF description. The texts are read from `dist/sources/`
(`server.dist`), where the build copies them."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from rdflib import URIRef

from kg.formats import HTML, Format
from server.conneg import choose, openapi_content
from server.dist import read_meta, read_source
from server.errors import NotFound
from server.internal import sparql
from server.views.context import PageContext, get_page_context
from server.views.rdf import RDF_PAGE_FORMATS, VARY, rdf_response, serialize

router = APIRouter(tags=["linked data"])

_CHAR = re.compile(r"^(\d{1,9}),(\d{1,9})$")

#: The document itself, as received (not an RDF syntax: the plain text the offsets count in).
TEXT = Format(
    key="text",
    media_type="text/plain",
    media_types=("text/plain",),
    extension="txt",
    kind="text",
    format_names=("txt", "text", "plain"),
    ox=None,
    rdflib=None,
    label="plain text",
)
#: HTML first, then the text, then its RDF description (text/plain is the text here, never N-Triples).
SOURCE_FORMATS: tuple[Format, ...] = (HTML, TEXT, *RDF_PAGE_FORMATS)


@router.head("/source/{municipality}/{document}", include_in_schema=False)
@router.get(
    "/source/{municipality}/{document}",
    response_class=Response,
    summary="A source document / 出典文書",
    responses={200: {"content": openapi_content(SOURCE_FORMATS)}},
)
def source_document(
    municipality: str,
    document: str,
    request: Request,
    char: str | None = None,
    web: PageContext = Depends(get_page_context),  # noqa: B008
) -> Response:
    """The document as received: `text/plain; charset=utf-8`, an HTML view that highlights `?char=s,e`
    (fragments never reach the server; a small script also highlights `#char=s,e`), or its RDF
    description."""
    text = read_source(web.settings.dist, municipality, document)
    fmt = choose(request, SOURCE_FORMATS, headers={"Vary": VARY})
    if text is None:
        if fmt is HTML:
            return web.not_found()
        raise NotFound("no such source document", {"Vary": VARY})
    if fmt is TEXT:
        return Response(text.encode("utf-8"), media_type="text/plain; charset=utf-8", headers={"Vary": VARY})
    if fmt is not HTML:
        iri = URIRef(f"{web.base}source/{municipality}/{document}")
        return rdf_response(serialize(web.construct_ntriples(sparql("describe"), {"r": iri}), fmt), fmt)
    highlight = None
    if char is not None:
        m = _CHAR.match(char)
        if not m or not int(m.group(1)) <= int(m.group(2)) <= len(text):
            return web.bad_request(f"char={char[:40]}: 0 ≤ start ≤ end ≤ {len(text)}")
        highlight = (int(m.group(1)), int(m.group(2)))
    meta = read_meta(web.settings.dist, municipality, document)
    parts = (
        {
            "before": text[: highlight[0]],
            "mark": text[highlight[0] : highlight[1]],
            "after": text[highlight[1] :],
        }
        if highlight
        else {"before": text, "mark": None, "after": ""}
    )
    title = meta.get("title") if isinstance(meta.get("title"), dict) else {}
    publisher = meta.get("publisher") if isinstance(meta.get("publisher"), dict) else {}
    return web.render(
        "source.html",
        document=f"{municipality}/{document}",
        title=(title or {}).get(web.lang) or (title or {}).get("ja") or f"{municipality}/{document}",
        publisher=(publisher or {}).get(web.lang) or (publisher or {}).get("ja"),
        licence=meta.get("licence"),
        highlight=highlight,
        parts=parts,
        length=len(text),
        plain_href=web.url(f"/source/{municipality}/{document}", format="txt"),
        iri=f"{web.base}source/{municipality}/{document}",
    )
