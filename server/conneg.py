"""HTTP content negotiation: `Accept` with q-values, and the media-type tables of the service.

One small module so that /sparql, the graph store and the /id/ pages agree on what a client gets for
the same `Accept` header. The public API is four names:

- `negotiate(accept_header, offered) -> str | None` — the offered media type the client prefers;
- `parse_content_type(header) -> (media_type, params)` — for request bodies;
- `RESULT_OFFERS` / `RDF_OFFERS` — media types we can produce for SELECT/ASK results and for RDF graphs,
  best first, each mapped to the format key of `kg.store` (`RESULT_MEDIA_TYPES` / `RDF_MEDIA_TYPES`);
- `content_type(media_type)` — the Content-Type header value (adds `charset=utf-8` to text types).

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", list(RESULT_OFFERS))
'application/sparql-results+xml'
>>> negotiate(None, ["text/turtle", "application/ld+json"])
'text/turtle'
>>> negotiate("image/png", ["text/turtle"]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: SELECT/ASK result media types we can write, best first → kg.store result-format key.
#: The last entries are aliases that plain-JSON/XML clients send; they get the SPARQL results format.
RESULT_OFFERS: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}

#: RDF graph media types (CONSTRUCT, DESCRIBE, graph store, service description), best first →
#: kg.store RDF-format key. Aliases at the end: older names of the same syntaxes.
RDF_OFFERS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "text/plain": "ntriples",
    "application/json": "jsonld",
    "application/xml": "rdfxml",
}

#: The canonical media type of each format key (what the response's Content-Type says).
CANONICAL: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "trig": "application/trig",
    "nquads": "application/n-quads",
}


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
