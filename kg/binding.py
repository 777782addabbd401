"""Binding query parameters as RDF terms: one-row `VALUES` blocks, the same for every store.

Named-query parameters (and the few bindings the server's own pages use) reach a store as validated
rdflib terms. Both backends bind them the same way, here: a one-row `VALUES ?name { term }` block at the
start of *every* group graph pattern that mentions the variable, and of the outermost WHERE. A group
then sees the value exactly where the term would be if it were written in place of the variable —
inside sub-queries, UNION branches, OPTIONALs, `EXISTS` and nested groups alike, whose FILTERs are
evaluated bottom-up and would not see a VALUES block of an outer group.

Why not pyoxigraph's `substitutions` for the embedded store (which it bound with until the national
benchmark, docs/benchmarks.md "Notes"): a substituted variable is not *bound* — `BOUND(?param)` is
false — substitutions do not reach into sub-queries, and the engine sometimes plans the substituted
query far worse (search: 1.7 s instead of 42 ms on 50 municipalities; plan-outline: 986 ms instead of
2.7 ms on the national graph). A remote endpoint cannot take substitutions at all. One binding for both
backends also means the embedded and the remote store answer the same text.

Safety: the terms are written by `sparql_term`, which escapes every character that could end a string
and refuses IRIs with characters that could end an IRI (the same characters Oxigraph refuses in an
IRI), language tags that are not tags and blank nodes (a `_:b` in query text would be a new variable,
not the store's node). So a value is always exactly one term and can never change the structure of the
query. Variable names are checked too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryRefused, QuerySyntaxError

# ---------------------------------------------------------------------------------------------------
# SPARQL lexing: just enough to find group graph patterns, variables and keywords
# ---------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;"'.]*)?|:[^\s{}()<>,;"'.]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Token:
    """One significant token of a query (`kind` is a group name of `_TOKEN`) and where it is."""

    kind: str
    text: str
    start: int
    end: int


def tokens(sparql: str) -> list[Token]:
    """Significant tokens (no white space, no comments) with their offsets.

    >>> [t.text for t in tokens('SELECT * { ?s <x#y> "}" } # WHERE {')]
    ['SELECT', '*', '{', '?s', '<x#y>', '"}"', '}']
    """
    out = []
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def _is_word(toks: list[Token], i: int, word: str) -> bool:
    return i < len(toks) and toks[i].kind == "word" and toks[i].text.upper() == word


def group_braces(toks: list[Token]) -> list[tuple[int, int, bool]]:
    """(open index, close index, is group graph pattern) for every brace pair, in order of opening.

    Braces that are not group graph patterns: VALUES data blocks, CONSTRUCT templates (and anything
    nested in them), and the brace that wraps a sub-query (`{ SELECT … }`), which may hold nothing else.
    """
    pairs: list[tuple[int, int, bool]] = []
    stack: list[tuple[int, bool]] = []  # (token index, is group)
    values_pending = False
    template_pending = False
    template_depth: int | None = None
    for i, tok in enumerate(toks):
        if tok.kind == "word":
            word = tok.text.upper()
            if word == "VALUES":
                values_pending = True
            elif word == "CONSTRUCT":
                template_pending = True
            elif word == "WHERE":
                template_pending = False
        elif tok.kind == "open":
            is_group = True
            if values_pending:
                is_group, values_pending = False, False
            elif template_pending:
                is_group, template_pending = False, False
                template_depth = len(stack)
            elif template_depth is not None or _is_word(toks, i + 1, "SELECT"):
                is_group = False
            stack.append((i, is_group))
        elif tok.kind == "close":
            if not stack:
                raise QuerySyntaxError("unbalanced '}' in the query")
            start, is_group = stack.pop()
            pairs.append((start, i, is_group))
            if template_depth is not None and len(stack) == template_depth:
                template_depth = None
    if stack:
        raise QuerySyntaxError("unbalanced '{' in the query")
    return sorted(pairs)


# ---------------------------------------------------------------------------------------------------
# terms
# ---------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------
# binding
# ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _value_slots(sparql: str, names: tuple[str, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where the VALUES blocks of `names` go: (offset after a group's `{`, the names bound there).

    Depends only on the query text and the parameter names, so it is cached: a named query is lexed
    once, not at every request (lexing a catalogue query costs about a millisecond in Python).
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


def bind_with_values(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """Bind scalar parameters with one-row VALUES blocks (see the module docstring).

    >>> print(bind_with_values("SELECT * WHERE { { ?a ?b ?x } UNION { ?c ?d ?e } }", {"x": URIRef("http://v")}))
    SELECT * WHERE { VALUES ?x { <http://v> } { VALUES ?x { <http://v> } ?a ?b ?x } UNION { ?c ?d ?e } }
    """
    if not bindings:
        return sparql
    for name in bindings:
        if not _VARIABLE_NAME.fullmatch(name):
            raise QueryRefused(f"not a variable name: {name[:40]!r}")
    terms = {name: sparql_term(term) for name, term in bindings.items()}
    inserts = {
        offset: [f"VALUES ?{n} {{ {terms[n]} }}" for n in names]
        for offset, names in _value_slots(sparql, tuple(terms))
    }
    out, last = [], 0
    for offset in sorted(inserts):
        out.append(sparql[last:offset])
        out.append(" " + " ".join(inserts[offset]))
        last = offset
    out.append(sparql[last:])
    return "".join(out)
