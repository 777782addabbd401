"""Literals as the data wrote them, inside a pyoxigraph store that rewrites them.

Oxigraph stores a typed literal it can parse as its value, not its text: `"4.0"^^xsd:decimal` comes back
as `"4"`, `"01"^^xsd:integer` as `"1"`, and every derived integer type (`xsd:byte`, `xsd:int`,
`xsd:nonNegativeInteger` …) as `xsd:integer` — `"300"^^xsd:byte` included. SHACL compares RDF terms, so
this would report the store's form instead of the data's, let `sh:pattern` and `sh:maxLength` read the
wrong text, and make `sh:datatype xsd:byte` unable to tell `"55"^^xsd:integer` from `"55"^^xsd:byte`.

When the compiled validator builds its own store from rdflib graphs (`runner.store_from_graphs`), a
literal whose stored form would differ is stored instead under a *lexical datatype*: the same lexical
form, datatype `LEXICAL + <original datatype>`. Oxigraph leaves such a literal alone (an unknown
datatype), so its text, its datatype and its identity survive; the compiler reads it back with
`STRDT(STR(?v), <original datatype>)` wherever a value is compared, and the runner turns it back into
the original term in the report. Literals Oxigraph keeps as written (strings, canonical forms, ill-formed
ones) are stored as they are, so data in canonical form — all of ours — goes through unchanged.

rdflib itself may have rewritten an ill-typed literal when it was parsed (`"none"^^xsd:boolean` becomes
`"false"`, flagged `ill_typed`): that one is stored under `ILL_TYPED + <datatype>`, which no
`sh:datatype` accepts, so it stays ill-typed all the way into the store.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

LEXICAL = "urn:x-keikaku:validate:lexical:"
ILL_TYPED = "urn:x-keikaku:validate:ill-typed:"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SUBJECT = ox.NamedNode("urn:x-keikaku:validate:literal")


def _needs_check(literal: Literal) -> bool:
    datatype = literal.datatype
    return datatype is not None and str(datatype) not in (_XSD_STRING, _LANG_STRING) and not literal.language


def store_forms(literals: Iterable[Literal]) -> dict[Literal, ox.Literal]:
    """The pyoxigraph literal to store for each typed literal whose stored form Oxigraph would rewrite
    (others are left out: store them as they are). One round trip through a scratch store for all."""
    candidates = sorted(
        {lit for lit in literals if _needs_check(lit)}, key=lambda lit: (str(lit), str(lit.datatype))
    )
    forms: dict[Literal, ox.Literal] = {}
    if not candidates:
        return forms
    scratch = ox.Store()
    written = [ox.Literal(str(lit), datatype=ox.NamedNode(str(lit.datatype))) for lit in candidates]
    scratch.extend(
        ox.Quad(_SUBJECT, ox.NamedNode(f"urn:x-keikaku:validate:n{i}"), term, ox.DefaultGraph())
        for i, term in enumerate(written)
    )
    stored: dict[int, ox.Literal] = {}
    for quad in scratch:
        stored[int(quad.predicate.value.rsplit(":n", 1)[1])] = quad.object  # type: ignore[assignment]
    for i, lit in enumerate(candidates):
        back = stored[i]
        if _rewritten_by_rdflib(lit):
            forms[lit] = ox.Literal(str(lit), datatype=ox.NamedNode(ILL_TYPED + str(lit.datatype)))
        elif back.value != str(lit) or back.datatype.value != str(lit.datatype):
            forms[lit] = ox.Literal(str(lit), datatype=ox.NamedNode(LEXICAL + str(lit.datatype)))
    return forms


def _rewritten_by_rdflib(literal: Literal) -> bool:
    """rdflib flagged the literal ill-typed yet its lexical form now reads as valid: rdflib rewrote it."""
    if not getattr(literal, "ill_typed", False):
        return False
    again = Literal(str(literal), datatype=literal.datatype, normalize=False)
    return not getattr(again, "ill_typed", True)


def original(term: Node | None) -> Node | None:
    """The data's term for a term read back from the store (a lexical or ill-typed datatype undone)."""
    if isinstance(term, Literal) and term.datatype is not None:
        datatype = str(term.datatype)
        for prefix in (LEXICAL, ILL_TYPED):
            if datatype.startswith(prefix):
                return Literal(str(term), datatype=URIRef(datatype[len(prefix) :]), normalize=False)
    return term


def store_form(literal: Literal) -> ox.Literal | None:
    """The stored form of one literal, when it is not the literal itself (for shape constants)."""
    return store_forms([literal]).get(literal)


__all__ = ["ILL_TYPED", "LEXICAL", "original", "store_form", "store_forms"]
