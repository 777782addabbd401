"""Conversion between pyoxigraph terms and rdflib terms, SPARQL JSON terms, and RDF file parsing.

Both libraries meet at the store boundary: the engine builds graphs with rdflib (ingest, owlrl, pySHACL)
and evaluates queries with pyoxigraph. Keeping the conversion in one module keeps that boundary thin.

Simple literals: RDF 1.1 makes `"a"` and `"a"^^xsd:string` the same term, so every decoder here
returns the datatype-less rdflib `Literal("a")` for both (rdflib would otherwise treat them as two
different terms, and a page would show or compare them differently depending on the store).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import SourceError

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | None) -> Node | None:
    """Return the rdflib equivalent of a pyoxigraph term (None stays None)."""
    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        # normalize=False: keep the lexical form as stored; rdflib would rewrite an ill-typed literal
        # ("yes"^^xsd:boolean becomes "false"), and a shape or a report would then say something else
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Return the pyoxigraph equivalent of an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def quads_of(graph: Graph, graph_name: ox.NamedNode) -> Iterator[ox.Quad]:
    """An rdflib graph's triples as pyoxigraph quads in the named graph `graph_name`."""
    for s, p, o in graph:
        yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph_name)  # type: ignore[arg-type]


def term_from_sparql_json(value: Mapping[str, str]) -> Node:
    """One term of a SPARQL 1.1 Query Results JSON binding as an rdflib term.

    >>> term_from_sparql_json({"type": "literal", "value": "a",
    ...                        "datatype": "http://www.w3.org/2001/XMLSchema#string"}) == Literal("a")
    True
    >>> term_from_sparql_json({"type": "literal", "value": "川", "xml:lang": "ja"}).language
    'ja'
    """
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    lang = value.get("xml:lang")
    if lang:
        return Literal(value["value"], lang=lang)
    datatype = value.get("datatype")  # "typed-literal" (the 2008 draft) carries one too
    if datatype and datatype != _XSD_STRING:
        return Literal(value["value"], datatype=URIRef(datatype), normalize=False)  # as in to_rdflib
    return Literal(value["value"])


def _rdf_format(fmt: ox.RdfFormat | str | None, path: Path | None) -> ox.RdfFormat:
    if isinstance(fmt, ox.RdfFormat):
        return fmt
    if isinstance(fmt, str):
        found = ox.RdfFormat.from_media_type(fmt) if "/" in fmt else ox.RdfFormat.from_extension(fmt)
    else:
        found = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path is not None else None
    if found is None:
        raise SourceError(f"unknown RDF format {fmt or (path.suffix if path else None)!r}", path)
    return found


def parse_rdf(
    source: Path | bytes | str,
    format: ox.RdfFormat | str | None = None,
    *,
    into: Graph | None = None,
    base_iri: str | None = None,
    name: str | None = None,
) -> Graph:
    """Parse an RDF file (a Path) or text (bytes/str) into an rdflib graph; bad syntax is a SourceError
    naming the file and line.

    Parsed by pyoxigraph, whose SyntaxError carries the line; blank nodes are renamed so that two
    files merged into one graph never share one by accident. `format` is an RdfFormat, a media type
    or an extension (guessed from the file name when None). The file's prefixes are bound in the graph.

    >>> len(parse_rdf(b"<http://a> <http://b> [ <http://c> 1 ] .", "ttl"))
    2
    >>> parse_rdf(b"<http://a> <http://b> .\\n<a> <b> <c> .", "ttl", name="x.ttl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.SourceError: x.ttl:1: Turtle error: Parser error at line 1 column 23: ...
    """
    path = source if isinstance(source, Path) else None
    where: Path | str | None = path if path is not None else name
    fmt = _rdf_format(format, path)
    graph = into if into is not None else Graph()
    if base_iri is None and path is not None:
        base_iri = path.resolve().as_uri()
    try:
        if path is not None:
            parser = ox.parse(path=str(path), format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        else:
            parser = ox.parse(source, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        for quad in parser:
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise SourceError(f"{fmt.name} error: {exc.msg}", where, line) from exc
    except OSError as exc:
        raise SourceError(f"cannot read: {exc}", where) from exc
    for prefix, iri in (parser.prefixes or {}).items():
        graph.bind(prefix, iri, override=False)
    return graph
