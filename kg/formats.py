"""The one format registry: media types, `?format=` names, file extensions and engine formats.

Content negotiation, the dumps, the CLI and the OpenAPI `responses` content all read this table, so a
syntax is described once. A `Format` is one syntax of one kind: RDF graphs/datasets ("rdf"), SPARQL
query results ("results"), or the HTML pages ("html"). The same `?format=` name or media type can mean
different formats in different places (`json` is SPARQL JSON on the query API but JSON-LD on a
resource page), so the look-ups take the formats a place offers.

>>> by_name("json").key, by_name("json", RDF_FORMATS).key
('json', 'jsonld')
>>> by_media_type("text/n3").key
'turtle'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One syntax. `media_type` is canonical (the Content-Type we send); `media_types` are all the
    media types accepted for it, canonical first; `format_names` the `?format=` values that choose it."""

    key: str
    media_type: str
    media_types: tuple[str, ...]
    extension: str
    kind: str  # "rdf" | "results" | "html"
    format_names: tuple[str, ...]
    ox: ox.RdfFormat | ox.QueryResultsFormat | None
    rdflib: str | None
    label: str
    w3c: str | None = None  # local name in http://www.w3.org/ns/formats/

    @property
    def is_dataset(self) -> bool:
        """Whether the syntax carries named graphs (TriG, N-Quads)."""
        return isinstance(self.ox, ox.RdfFormat) and self.ox.supports_datasets


def _f(
    key: str,
    media_types: tuple[str, ...],
    ext: str,
    kind: str,
    names: tuple[str, ...],
    oxf: ox.RdfFormat | ox.QueryResultsFormat | None,
    rdflib: str | None,
    label: str,
    w3c: str | None = None,
) -> Format:
    return Format(key, media_types[0], tuple(media_types), ext, kind, tuple(names), oxf, rdflib, label, w3c)


_R = ox.QueryResultsFormat
_G = ox.RdfFormat
RESULT_FORMATS: tuple[Format, ...] = (
    _f("json", ("application/sparql-results+json", "application/json"), "srj", "results", ("json", "srj"),
       _R.JSON, "json", "SPARQL JSON", "SPARQL_Results_JSON"),
    _f("xml", ("application/sparql-results+xml", "application/xml", "text/xml"), "srx", "results",
       ("xml", "srx"), _R.XML, "xml", "SPARQL XML", "SPARQL_Results_XML"),
    _f("csv", ("text/csv",), "csv", "results", ("csv",), _R.CSV, "csv", "CSV", "SPARQL_Results_CSV"),
    _f("tsv", ("text/tab-separated-values",), "tsv", "results", ("tsv",), _R.TSV, None, "TSV",
       "SPARQL_Results_TSV"),
)  # fmt: skip
RDF_FORMATS: tuple[Format, ...] = (
    _f("turtle", ("text/turtle", "application/x-turtle", "text/n3"), "ttl", "rdf", ("ttl", "turtle"),
       _G.TURTLE, "turtle", "Turtle", "Turtle"),
    _f("jsonld", ("application/ld+json", "application/json"), "jsonld", "rdf", ("jsonld", "json-ld", "json"),
       _G.JSON_LD, "json-ld", "JSON-LD", "JSON-LD"),
    _f("ntriples", ("application/n-triples", "text/plain"), "nt", "rdf", ("nt", "ntriples"),
       _G.N_TRIPLES, "nt", "N-Triples", "N-Triples"),
    _f("rdfxml", ("application/rdf+xml", "application/xml"), "rdf", "rdf", ("rdf", "rdfxml", "xml"),
       _G.RDF_XML, "xml", "RDF/XML", "RDF_XML"),
    _f("trig", ("application/trig",), "trig", "rdf", ("trig",), _G.TRIG, "trig", "TriG", "TriG"),
    _f("nquads", ("application/n-quads",), "nq", "rdf", ("nq", "nquads"), _G.N_QUADS, "nquads", "N-Quads",
       "N-Quads"),
)  # fmt: skip
HTML = _f("html", ("text/html", "application/xhtml+xml"), "html", "html", ("html",), None, None, "HTML")
FORMATS: tuple[Format, ...] = (*RESULT_FORMATS, *RDF_FORMATS, HTML)
_BY_KEY = {f.key: f for f in FORMATS}


def by_key(key: str) -> Format:
    """The format with this key (KeyError for an unknown key: keys are ours, not the client's).

    >>> by_key("ntriples").media_type
    'application/n-triples'
    """
    return _BY_KEY[key]


def by_name(name: str, offered: Iterable[Format] = FORMATS) -> Format | None:
    """The first offered format whose `?format=` names include `name` (case-insensitive), else None."""
    wanted = name.strip().lower()
    return next((f for f in offered if wanted in f.format_names), None)


def by_media_type(media_type: str, offered: Iterable[Format] = FORMATS) -> Format | None:
    """The first offered format that accepts `media_type` (parameters such as charset ignored)."""
    wanted = media_type.split(";", 1)[0].strip().lower()
    offered = tuple(offered)
    canonical = next((f for f in offered if f.media_type == wanted), None)
    return canonical or next((f for f in offered if wanted in f.media_types), None)


def by_extension(extension: str, offered: Iterable[Format] = FORMATS) -> Format | None:
    """The format a file extension names (`ttl`, `.nq` …), else None.

    >>> by_extension(".nq").key
    'nquads'
    """
    wanted = extension.lstrip(".").lower()
    return next((f for f in offered if f.extension == wanted), None)


def media_offers(offered: Iterable[Format]) -> dict[str, Format]:
    """Every accepted media type → its format, for content negotiation: all canonical media types first
    (in the order offered), then the aliases, so a tie goes to the canonical type.

    >>> list(media_offers(RESULT_FORMATS))[:5]  # doctest: +NORMALIZE_WHITESPACE
    ['application/sparql-results+json', 'application/sparql-results+xml', 'text/csv',
     'text/tab-separated-values', 'application/json']
    """
    offered = tuple(offered)
    out: dict[str, Format] = {f.media_type: f for f in offered}
    for f in offered:
        for media in f.media_types[1:]:
            out.setdefault(media, f)
    return out
