"""HTTP content negotiation: `Accept` with q-values, and `choose()`, the one "`?format=` else `Accept`".

Every route that serves several formats calls `choose(request, offered)` with formats of the one
registry (`kg.formats`), in its order of preference: `?format=` picks by name (an unknown name is 400,
`UnknownFormat`), otherwise the `Accept` header does (nothing acceptable is 406, `NotAcceptable`). So
/sparql, the graph store, the named-query API and the pages agree on what a client gets for the same
request. Lower-level names: `negotiate(accept_header, offered_media_types)`, `prefers()`,
`parse_content_type(header)` (for request bodies) and `content_type(media_type)` (adds `charset=utf-8`).

>>> from kg.formats import RESULT_FORMATS
>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", list(media_offers(RESULT_FORMATS)))
'application/sparql-results+xml'
>>> negotiate(None, ["text/turtle", "application/ld+json"])
'text/turtle'
>>> negotiate("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request

from kg.formats import Format, by_name, media_offers
from server.errors import NotAcceptable, UnknownFormat


def choose_media(
    request: Request,
    offered: Sequence[Format],
    *,
    html: bool = True,
    headers: Mapping[str, str] | None = None,
) -> tuple[Format, str]:
    """The format to answer in and the media type to write in Content-Type (the one the client named
    when it named an alias we accept, e.g. `application/json`; the canonical one otherwise).

    `offered` is in our order of preference: with no `Accept` (or `*/*`) the first wins. `html=False`
    leaves the HTML page out of `offered`. `headers` go with the 400/406 (e.g. `Vary`)."""
    formats = [f for f in offered if html or f.kind != "html"]
    name = request.query_params.get("format")
    if name:
        chosen = by_name(name, formats)
        if chosen is None:
            names = [n for f in formats for n in f.format_names]
            raise UnknownFormat(name, names, dict(headers or {}))
        return chosen, chosen.media_type
    offers = media_offers(formats)
    media = negotiate(request.headers.get("accept"), list(offers))
    if media is None:
        raise NotAcceptable([f.media_type for f in formats], dict(headers or {}))
    return offers[media], media


def choose(
    request: Request,
    offered: Sequence[Format],
    *,
    html: bool = True,
    headers: Mapping[str, str] | None = None,
) -> Format:
    """The format of the answer: `?format=` first, then `Accept` (see `choose_media`).

    Raises `UnknownFormat` (400) for a `?format=` name not offered, `NotAcceptable` (406) when the
    client accepts none of the offered media types."""
    return choose_media(request, offered, html=html, headers=headers)[0]


def openapi_content(offered: Sequence[Format]) -> dict[str, dict[str, object]]:
    """The OpenAPI `content` object of a response served in `offered` (canonical media types only).

    >>> from kg.formats import RESULT_FORMATS
    >>> list(openapi_content(RESULT_FORMATS[:2]))
    ['application/sparql-results+json', 'application/sparql-results+xml']
    """
    return {f.media_type: {} for f in offered}


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float
    params: int  # number of non-q parameters, for specificity

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + self.params


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed elements are skipped (a client typo must not cause a 500)."""
    ranges: list[MediaRange] = []
    for element in (header or "").split(","):
        parts = [p.strip() for p in element.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            if media == "*":  # some clients send a bare "*"
                media = "*/*"
            else:
                continue
        t, _, s = media.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q, params = 1.0, 0
        for p in parts[1:]:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif name.strip():
                params += 1
        ranges.append(MediaRange(t, s, q, params))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q the client gives `media_type`: from its most specific matching range (RFC 9110 §12.5.1)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best is not None else 0.0


def negotiate(accept_header: str | None, offered: Sequence[str]) -> str | None:
    """Pick the offered media type the client prefers; ties go to the earlier offer (our preference).

    No Accept header (or an empty one) means "anything", so the first offer wins. Returns None when
    nothing offered is acceptable — the caller answers 406.
    """
    if not offered:
        return None
    if accept_header is None or not accept_header.strip():
        return offered[0]
    ranges = parse_accept(accept_header)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for media in offered:
        q = quality(ranges, media.lower())
        if q > best_q:
            best, best_q = media, q
    return best


def prefers(accept_header: str | None, media_type: str, over: Sequence[str]) -> bool:
    """Whether the client explicitly ranks `media_type` above every type in `over` (e.g. HTML vs RDF)."""
    ranges = parse_accept(accept_header)
    if not ranges:
        return False
    q = quality(ranges, media_type)
    exact = any(r.type != "*" and r.subtype != "*" and r.matches(media_type) for r in ranges)
    return exact and q > 0 and all(q > quality(ranges, o) for o in over)


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into its lower-cased media type and its parameters."""
    if not header:
        return "", {}
    parts = header.split(";")
    params: dict[str, str] = {}
    for p in parts[1:]:
        name, _, value = p.partition("=")
        if name.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return parts[0].strip().lower(), params


def content_type(media_type: str) -> str:
    """The Content-Type value for a response body we wrote (always UTF-8)."""
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8"
    return media_type
