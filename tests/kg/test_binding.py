"""Parameters bound by the embedded store: VALUES blocks (kg.queries.binding), never spliced text.

`OxigraphStore` binds named-query parameters the way `RemoteStore` does — `bind_with_values`
writes each value as exactly one SPARQL term in every group that uses the variable. These tests hold the
embedded path to what that promises: a hostile value is one literal (it matches itself and nothing
else) or is refused before anything runs; the binding is a real binding (BOUND() is true, sub-queries
see it), unlike pyoxigraph's `substitutions`, which the store used before.
"""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Literal, URIRef, Variable

import kg.stores.embedded
import kg.stores.remote
from kg.errors import QueryRefused
from kg.formats import by_key
from kg.queries import binding
from kg.queries.binding import bind_with_values, sparql_term
from kg.sparql_text import tokens
from kg.stores import OxigraphStore

EX = "http://example.org/binding/"
P = URIRef(EX + "p")
HOSTILE = (
    '"} UNION { ?s ?p ?o } #',
    'x" } UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o } #",
    'x"""} UNION { ?s ?p ?o } #',
    "\\u0022 } UNION { ?s ?p ?o } #",
    "\\",
    "}",
    ">",
    "<http://x> . ?s ?p ?o",
    "x\n} UNION { ?s ?p ?o }",
    "a\r\tb\x0c\x08",
    "?s",
    "SERVICE <http://127.0.0.1:1/> { ?s ?p ?o }",
)
#: every triple of the store, if a value ever became query structure
ALL = "SELECT ?s WHERE { ?s <http://example.org/binding/p> ?v }"


@pytest.fixture
def store() -> OxigraphStore:
    """Each hostile value stored as data (subject s0, s1 …), plus a benign triple."""
    s = OxigraphStore()
    triples = [f"<{EX}s{n}> <{P}> {sparql_term(Literal(v))} ." for n, v in enumerate(HOSTILE)]
    triples.append(f'<{EX}benign> <{P}> "benign" .')
    s.update("INSERT DATA { GRAPH <" + EX + "g> { " + "\n".join(triples) + " } }")
    return s


def test_the_embedded_store_and_the_remote_store_share_one_binding() -> None:
    assert kg.stores.remote.bind_with_values is binding.bind_with_values
    assert kg.stores.embedded.bind_with_values is binding.bind_with_values


def serialized_json(store: OxigraphStore, text: str, bindings: binding.Bindings) -> bytes:
    answer = store.query_serialized(
        text, bindings, result_format=by_key("json"), graph_format=by_key("turtle")
    )
    assert answer.kind == "select" and answer.format is by_key("json")
    return answer.body


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_literal_matches_exactly_itself(store: OxigraphStore, value: str) -> None:
    rows = store.query(ALL, {"v": Literal(value)}).rows
    assert rows == [(URIRef(f"{EX}s{HOSTILE.index(value)}"),)]
    body = serialized_json(store, ALL, {"v": Literal(value)})
    bindings = json.loads(body)["results"]["bindings"]  # the serialised fast path too
    assert bindings == [{"s": {"type": "uri", "value": f"{EX}s{HOSTILE.index(value)}"}}]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_never_changes_the_structure_of_the_query(value: str) -> None:
    """The bound text has exactly the tokens a benign value gives, with one string token in its place."""
    text = "SELECT * WHERE { { ?s ?p ?v } UNION { ?s ?q ?o } OPTIONAL { ?s ?r ?v } }"
    hostile = [(t.kind, t.text) for t in tokens(bind_with_values(text, {"v": Literal(value)}))]
    benign = [(t.kind, t.text) for t in tokens(bind_with_values(text, {"v": Literal("benign")}))]
    assert [k for k, _ in hostile] == [k for k, _ in benign]
    assert [t for k, t in hostile if k != "string"] == [t for k, t in benign if k != "string"]


def test_a_list_of_hostile_values_is_one_row_per_value(store: OxigraphStore) -> None:
    """A list parameter: a multi-row VALUES block; every hostile value matches itself, nothing more."""
    rows = store.query(ALL, {"v": [Literal(v) for v in HOSTILE]}).rows
    assert sorted(rows) == sorted((URIRef(f"{EX}s{n}"),) for n in range(len(HOSTILE)))
    text = "SELECT * WHERE { { ?s ?p ?v } UNION { ?s ?q ?o } }"
    hostile = tokens(bind_with_values(text, {"v": [Literal(v) for v in HOSTILE]}))
    benign = tokens(bind_with_values(text, {"v": [Literal("benign")] * len(HOSTILE)}))
    assert [t.kind for t in hostile] == [t.kind for t in benign]
    assert [t.text for t in hostile if t.kind != "string"] == [t.text for t in benign if t.kind != "string"]


def test_a_list_parameter_is_bound_in_every_group_that_uses_it(store: OxigraphStore) -> None:
    """As for one value: a nested FILTER sees the list's values (a VALUES after `WHERE {` alone would not)."""
    nested = "SELECT ?s WHERE { { ?s <http://example.org/binding/p> ?o FILTER (STR(?o) = ?q) } }"
    values = [Literal("benign"), Literal("}")]
    assert sorted(store.query(nested, {"q": values}).rows) == sorted(
        [(URIRef(EX + "benign"),), (URIRef(f"{EX}s{HOSTILE.index('}')}"),)]
    )
    with pytest.raises(QueryRefused):  # an empty list binds nothing: refused, not "no restriction"
        store.query(nested, {"q": []})


@pytest.mark.parametrize(
    "iri",
    [
        EX + "a> } UNION { ?s ?p ?o } <",
        EX + 'a"b',
        EX + "a b",
        EX + "a{b",
        EX + "a\nb",
        EX + "a\\b",
    ],
)
def test_an_iri_that_could_end_itself_is_refused_before_anything_runs(store: OxigraphStore, iri: str) -> None:
    with pytest.raises(QueryRefused):
        store.query(ALL, {"v": URIRef(iri)})
    with pytest.raises(QueryRefused):
        serialized_json(store, ALL, {"v": URIRef(iri)})


def test_names_and_terms_that_cannot_be_one_token_are_refused(store: OxigraphStore) -> None:
    with pytest.raises(QueryRefused):  # a variable name is checked too
        store.query(ALL, {"v } UNION { ?s": Literal("x")})
    with pytest.raises(QueryRefused):  # a blank node in query text would be a new variable
        store.query(ALL, {"v": BNode()})
    with pytest.raises(QueryRefused):  # a variable is not a value
        store.query(ALL, {"v": Variable("s")})


def test_a_bound_parameter_is_bound(store: OxigraphStore) -> None:
    """BOUND(?param) is true — pyoxigraph's substitutions left it false — and an absent one is not."""
    text = "SELECT ?s WHERE { ?s <http://example.org/binding/p> ?o FILTER (!BOUND(?kind) || ?o = ?kind) }"
    assert store.query(text, {"kind": Literal("benign")}).rows == [(URIRef(EX + "benign"),)]
    assert len(store.query(text).rows) == len(HOSTILE) + 1


def test_a_parameter_reaches_into_sub_queries_and_nested_filters(store: OxigraphStore) -> None:
    """A parameter is a constant of the whole text: sub-queries and FILTERs of nested groups see it."""
    count = "SELECT ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/binding/p> ?v } } }"
    assert store.query(count, {"v": Literal("benign")}).rows[0][0].toPython() == 1
    nested = "SELECT ?s WHERE { { ?s <http://example.org/binding/p> ?o FILTER (STR(?o) = ?q) } }"
    assert store.query(nested, {"q": Literal("benign")}).rows == [(URIRef(EX + "benign"),)]


def test_typed_and_tagged_literals_keep_their_datatype_and_language() -> None:
    assert sparql_term(Literal("2027", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))) == (
        '"2027"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    )
    assert sparql_term(Literal('防災 "a"', lang="ja")) == '"防災 \\"a\\""@ja'
    assert sparql_term(Literal("plain")) == '"plain"'
