"""The one SPARQL lexer of the project, and the facts read from its tokens.

Several parts of the project need to know small things about a query's text before (or instead of)
parsing it: its form (to choose a result media type before evaluating), whether it calls SERVICE (the
public endpoint never calls out), whether it names its own dataset (FROM), where its group graph
patterns are (to bind parameters with VALUES), and whether it has a top-level LIMIT. All of them read
the same tokens, lexed once per text (`analyse` is cached), so that a keyword inside a string, an IRI, a
prefixed name or a comment never counts.

>>> q = analyse('PREFIX s: <http://x/SERVICE> # SERVICE\\nSELECT * { ?s s:p "SERVICE" }')
>>> q.form, q.is_update, q.has_service
('select', False, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise

import pyoxigraph as ox

from kg.errors import QueryRefused, QuerySyntaxError

_PN_CHARS = r"A-Za-z0-9_\-\u00B7\u00C0-\uFFFF"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<bnode>_:[{_PN_CHARS}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:
               (?:[{_PN_CHARS}:%]|\\[_~.\-!$&'()*+,;=/?\#@%]|\.(?=[{_PN_CHARS}:%\\]))*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<open>\{{)
  | (?P<close>\}})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
#: texts longer than this are not cached (a bulk INSERT DATA would fill the cache with megabytes)
CACHED_CHARS = 100_000
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


@dataclass(frozen=True)
class Token:
    """One significant token: its kind (a group name of the token pattern: iri, string, var, pname,
    word, bnode, lang, number, open, close, other), its text, its offsets, and its brace depth (the
    number of `{` open before it; a `}` has the depth of its `{`)."""

    kind: str
    text: str
    start: int
    end: int
    depth: int

    def is_word(self, *words: str) -> bool:
        """Whether this is a bare keyword among `words` (upper case), never a prefixed name or string."""
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> tuple[Token, ...]:
    """Significant tokens (no white space, no comments) with their offsets and brace depth (cached).

    >>> [t.text for t in tokens('SELECT * { ?s <x#y> "}" } # WHERE {')]
    ['SELECT', '*', '{', '?s', '<x#y>', '"}"', '}']
    >>> [(t.kind, t.depth) for t in tokens("ASK { ex:a\\\\#b ?p {} }")]
    [('word', 0), ('open', 0), ('pname', 1), ('var', 1), ('open', 1), ('close', 1), ('close', 0)]
    """
    return _cached_tokens(text) if len(text) <= CACHED_CHARS else _tokens(text)


def _iter_tokens(text: str) -> Iterator[Token]:
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        yield Token(kind, m.group(), m.start(), m.end(), depth)
        if kind == "open":
            depth += 1


def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(_iter_tokens(text))


_cached_tokens = lru_cache(maxsize=1024)(_tokens)


def _prologue(text: str) -> tuple[list[Token], Token | None]:
    """The prologue's tokens (BASE <iri>, PREFIX p: <iri>, in any number) and the first token after
    it, read lazily: a long update is not lexed to the end to learn its first keyword."""
    head: list[Token] = []
    skip = 0
    for tok in _iter_tokens(text):
        if skip:
            head.append(tok)
            skip -= 1
        elif tok.is_word("BASE"):
            head.append(tok)
            skip = 1
        elif tok.is_word("PREFIX"):
            head.append(tok)
            skip = 2
        else:
            return head, tok
    return head, None


@dataclass(frozen=True)
class SparqlText:
    """A query or update text with the facts its tokens give (see the module docstring). The tokens
    are read when first needed; a keyword absent from the text altogether needs no tokens at all."""

    text: str

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """The significant tokens of the text."""
        return tokens(self.text)

    def _mentions(self, word: str) -> bool:
        return word.lower() in self.text.lower()

    @cached_property
    def _head(self) -> tuple[list[Token], Token | None]:
        return _prologue(self.text)

    @cached_property
    def _first_word(self) -> str | None:
        first = self._head[1]
        return first.text.upper() if first is not None and first.kind == "word" else None

    @property
    def form(self) -> str | None:
        """select, ask, construct or describe (lower case); None for an update or an unknown text."""
        word = self._first_word
        return word.lower() if word in QUERY_FORMS else None

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL Update request (its first keyword after the prologue)."""
        return self._first_word in UPDATE_WORDS

    @cached_property
    def has_service(self) -> bool:
        """Whether the keyword SERVICE occurs (outside strings, IRIs, prefixed names and comments)."""
        return self._mentions("service") and any(t.is_word("SERVICE") for t in self.tokens)

    @cached_property
    def declares_dataset(self) -> bool:
        """Whether a query names its own dataset with FROM or FROM NAMED."""
        return self._mentions("from") and any(t.is_word("FROM") for t in self.tokens)

    @cached_property
    def base(self) -> str | None:
        """The IRI of the first BASE declaration of the prologue, or None."""
        head = self._head[0]
        for tok, after in pairwise(head):
            if tok.is_word("BASE") and after.kind == "iri":
                return after.text[1:-1]
        return None

    @cached_property
    def has_solution_modifier(self) -> bool:
        """A top-level LIMIT, OFFSET or trailing VALUES (so a pager must not append its own)."""
        return any(t.depth == 0 and t.is_word("LIMIT", "OFFSET", "VALUES") for t in self.tokens)


def analyse(text: str) -> SparqlText:
    """Lex a query or update once and return its facts (cached by text).

    >>> analyse("BASE <http://b/> PREFIX : <x> CONSTRUCT WHERE { ?s ?p ?o }").form
    'construct'
    >>> q = analyse("PREFIX : <x> INSERT DATA { :a :b :c }")
    >>> q.form, q.is_update
    (None, True)
    >>> analyse("BASE <http://b/> ASK {}").base
    'http://b/'
    """
    return _cached_analyse(text) if len(text) <= CACHED_CHARS else SparqlText(text)


_cached_analyse = lru_cache(maxsize=1024)(SparqlText)


def query_form(text: str) -> str | None:
    """The query form after the prologue (lower case), or None for an update or unknown text.

    >>> query_form("# construct a list\\nPREFIX ask: <http://x/select>\\nSELECT * { ?s ?p ?o }")
    'select'
    """
    return analyse(text).form


def refuse_service(text: str) -> None:
    """Refuse federated queries: the public endpoint must never call out to other servers.

    >>> refuse_service('SELECT * { ?s ?p "SERVICE" } # SERVICE <x>')
    >>> refuse_service("SELECT * { service <http://x/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefused: SERVICE (federated query) is not allowed here / SERVICE は使用できません
    """
    if analyse(text).has_service:
        raise QueryRefused("SERVICE (federated query) is not allowed here / SERVICE は使用できません")


def declares_dataset(text: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED.

    >>> declares_dataset("SELECT * FROM <http://g> { ?s ?p ?o }"), declares_dataset("SELECT ?from {}")
    (True, False)
    """
    return analyse(text).declares_dataset


def has_solution_modifier(text: str) -> bool:
    """A top-level LIMIT, OFFSET or trailing VALUES.

    >>> has_solution_modifier("SELECT * { { SELECT * {} LIMIT 1 } }")
    False
    >>> has_solution_modifier("SELECT * {} LIMIT 5")
    True
    """
    return analyse(text).has_solution_modifier


def group_braces(toks: Sequence[Token]) -> list[tuple[int, int, bool]]:
    """(open index, close index, is group graph pattern) for every brace pair, in order of opening.

    Braces that are not group graph patterns: VALUES data blocks, CONSTRUCT templates (and anything
    nested in them), the braces of INSERT/DELETE DATA and of update templates, and the brace that wraps
    a sub-query (`{ SELECT … }`), which may hold nothing else.

    >>> group_braces(tokens("CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s { <x> } ?s ?p ?o }"))
    [(1, 5, False), (7, 16, True), (10, 12, False)]
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
            elif word in ("CONSTRUCT", "INSERT", "DELETE", "DATA"):
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
            elif template_depth is not None or (i + 1 < len(toks) and toks[i + 1].is_word("SELECT")):
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


def where_offset(text: str) -> int:
    """Offset just after the `{` that opens the query's WHERE clause (its outermost group).

    >>> text = 'SELECT * # WHERE { \\nWHERE { ?s ?p "WHERE {" }'
    >>> text[where_offset(text):]
    ' ?s ?p "WHERE {" }'
    """
    toks = tokens(text)
    for open_i, _close_i, is_group in group_braces(toks):
        if is_group:
            return toks[open_i].end
    raise QuerySyntaxError("the query has no WHERE clause")


def with_base(text: str, base_iri: str | None) -> str:
    """`text` with a BASE declaration in front, for an engine that cannot be given a base IRI otherwise
    (a remote endpoint). A BASE in the text itself comes later, so it still wins.

    >>> with_base("SELECT * { <a> ?p ?o }", "http://example.org/sparql")
    'BASE <http://example.org/sparql> SELECT * { <a> ?p ?o }'
    """
    if not base_iri:
        return text
    try:
        iri = ox.NamedNode(base_iri).value  # Oxigraph's own IRI check: nothing that could end the IRI
    except ValueError as exc:
        raise QueryRefused(f"not an IRI that can be a base: {base_iri[:200]!r}") from exc
    return f"BASE <{iri}> {text}"
