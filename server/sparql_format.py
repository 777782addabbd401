"""`format=` / `output=` on `/sparql` (the Fuseki and Virtuoso conventions), and CSV for Excel.

A client that cannot set `Accept` (a spreadsheet's "from web", a link in a page) names the format in
the URL: a `?format=` name of the registry (`json`, `xml`, `csv`, `tsv`, `ttl`, `jsonld`, `nt`, `rdf`,
`trig`, `nq`), a media type (`text/csv`), or `excel`: CSV with a UTF-8 byte order mark, so that Excel
reads Japanese text correctly (the SPARQL CSV format itself has no BOM, as its spec says). The name
stands in for the Accept header; `/sparql` then negotiates as usual, so a SELECT asked for `ttl` is 406.
"""

from __future__ import annotations

from collections.abc import Sequence

from kg.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from server.errors import UnknownFormat

BOM = b"\xef\xbb\xbf"
EXCEL = "excel"


def format_param(params: Sequence[tuple[str, str]]) -> str | None:
    """The value of `format=` or `output=` (`format` wins), or None."""
    for key in ("format", "output"):
        values = [v for k, v in params if k == key]
        if values:
            return values[0].strip()
    return None


def accept_for(params: Sequence[tuple[str, str]]) -> str | None:
    """The Accept header the URL's format name stands for, or None when the URL names none.

    >>> accept_for([("query", "ASK{}"), ("format", "csv")])
    'text/csv'
    >>> accept_for([("output", "json")])
    'application/sparql-results+json, application/ld+json'
    """
    name = format_param(params)
    if name is None or not name:
        return None
    if name.lower() == EXCEL:
        return "text/csv"
    if "/" in name:
        return name
    media = [f.media_type for f in (by_name(name, RESULT_FORMATS), by_name(name, RDF_FORMATS)) if f]
    if not media:
        names = [n for f in (*RESULT_FORMATS, *RDF_FORMATS) for n in f.format_names] + [EXCEL]
        raise UnknownFormat(name, sorted(set(names)), {"Vary": "Accept"})
    return ", ".join(media)


def wants_excel(params: Sequence[tuple[str, str]]) -> bool:
    """Whether the URL asks for CSV for Excel (`format=excel`)."""
    return (format_param(params) or "").lower() == EXCEL
