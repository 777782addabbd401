"""Binding query parameters as RDF terms: `VALUES` blocks, the same for every store.

Parameters reach a store as validated rdflib terms (a list parameter as a sequence of them). Every
backend binds them here, the same way: a `VALUES ?name { term … }` block at the start of *every* group
graph pattern that mentions the variable, and of the outermost WHERE. A group then sees the value
exactly where the term would be if it were written in place of the variable — inside sub-queries,
UNION branches, OPTIONALs, `EXISTS` and nested groups alike, whose FILTERs are evaluated bottom-up and
would not see a VALUES block of an outer group. A list parameter is the same block with one row per
value. (Why not pyoxigraph's `substitutions`: docs/benchmarks.md "Notes".)

Safety: the terms are written by `sparql_term`, which escapes every character that could end a string
and refuses IRIs with characters that could end an IRI (the characters Oxigraph refuses in an IRI),
language tags that are not tags and blank nodes (a `_:b` in query text would be a new variable, not
the store's node). So a value is always exactly one term and can never change the structure of the
query. Variable names are checked too.

>>> print(bind_with_values("SELECT * WHERE { ?s ?p ?x }", {"x": [URIRef("http://a"), Literal("b")]}))
SELECT * WHERE { VALUES ?x { <http://a> "b" } ?s ?p ?x }
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryRefused, QuerySyntaxError
from kg.sparql_text import group_braces, tokens

#: what a caller may bind: one term, or (a list parameter) a sequence of terms
Bindings = Mapping[str, "Node | Sequence[Node]"]

_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
#: the characters no IRI in a query may hold (they could end it; SPARQL has no escape for them)
IRI_UNSAFE = r'<>"{}|^`\\\x00-\x20'
_IRI_FORBIDDEN = re.compile(f"[{IRI_UNSAFE}]")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def sparql_iri(value: str) -> str:
    """`<value>`, or QueryRefused when a character of the IRI could end it (no escape exists for them).

    >>> sparql_iri("https://w3id.org/keikaku/id/kamakura")
    '<https://w3id.org/keikaku/id/kamakura>'
    """
    if _IRI_FORBIDDEN.search(value):
        raise QueryRefused(f"cannot write this IRI into a query: {value[:200]!r}")
    return f"<{value}>"


def sparql_term(term: Node) -> str:
    """Write a validated RDF term as SPARQL text that is exactly one term, whatever it contains.

    >>> sparql_term(Literal('a" } UNION { ?s ?p ?o } #'))
    '"a\\\\" } UNION { ?s ?p ?o } #"'
    >>> sparql_term(URIRef("http://x/a>b"))
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefused: cannot write this IRI into a query: 'http://x/a>b'
    """
    if isinstance(term, URIRef):
        return sparql_iri(str(term))
    if isinstance(term, Literal):
        text = str(term)
        escaped = (
            text.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
            .replace("\b", "\\b")
            .replace("\f", "\\f")
        )
        if term.language:
            if not _LANGUAGE_TAG.fullmatch(term.language):
                raise QueryRefused(f"not a language tag: {term.language[:40]!r}")
            return f'"{escaped}"@{term.language}'
        if term.datatype and str(term.datatype) != _XSD_STRING:
            return f'"{escaped}"^^{sparql_iri(str(term.datatype))}'
        return f'"{escaped}"'
    if isinstance(term, BNode):
        raise QueryRefused("a blank node cannot be bound as a query parameter")
    raise QueryRefused(f"cannot bind {type(term).__name__} as a query parameter")


@lru_cache(maxsize=512)
def _value_slots(sparql: str, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where the VALUES blocks of `names` go: (offset after a group's `{`, the names bound there).

    Depends only on the query text and the parameter names, so it is cached: a named query is lexed
    once, not at every request.
    """
    toks = tokens(sparql)
    groups = [(o, c) for o, c, is_group in group_braces(toks) if is_group]
    if not groups:
        raise QuerySyntaxError("the query has no WHERE clause to bind parameters in")
    outermost = groups[0]
    slots = []
    for open_i, close_i in groups:
        used = {toks[k].text[1:] for k in range(open_i + 1, close_i) if toks[k].kind == "var"}
        bound = tuple(n for n in names if (open_i, close_i) == outermost or n in used)
        if bound:
            slots.append((toks[open_i].end, bound))
    return tuple(slots)


def _values_block(name: str, value: Node | Sequence[Node]) -> str:
    items = [value] if isinstance(value, Node) else list(value)
    if not items:
        raise QueryRefused(f"no value to bind for ?{name}")
    return f"VALUES ?{name} {{ {' '.join(sparql_term(t) for t in items)} }}"


def bind_with_values(sparql: str, bindings: Bindings | None) -> str:
    """Bind parameters with VALUES blocks (see the module docstring); a sequence gives one row per term.

    >>> print(bind_with_values("SELECT * WHERE { { ?a ?b ?x } UNION { ?c ?d ?e } }", {"x": URIRef("http://v")}))
    SELECT * WHERE { VALUES ?x { <http://v> } { VALUES ?x { <http://v> } ?a ?b ?x } UNION { ?c ?d ?e } }
    """
    if not bindings:
        return sparql
    for name in bindings:
        if not _VARIABLE_NAME.fullmatch(name):
            raise QueryRefused(f"not a variable name: {name[:40]!r}")
    blocks = {name: _values_block(name, value) for name, value in bindings.items()}
    inserts = {offset: [blocks[n] for n in names] for offset, names in _value_slots(sparql, tuple(blocks))}
    out, last = [], 0
    for offset in sorted(inserts):
        out.append(sparql[last:offset])
        out.append(" " + " ".join(inserts[offset]))
        last = offset
    out.append(sparql[last:])
    return "".join(out)
