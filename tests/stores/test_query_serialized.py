"""`Store.query_serialized` on both backends: the format follows the real result kind, BASE is the
store's job, SERVICE is refused inside, and a remote endpoint's failure never shows its URL or body.

Each test runs on a small in-memory dataset, loaded into the embedded store and into a fresh
`oxigraph serve`, so the two backends must give the same bytes' meaning for the same call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.errors import QueryRefused, StoreError, UpstreamError
from kg.formats import by_key
from kg.stores import OxigraphStore, RemoteStore, SerializedResult, Store

pytestmark = pytest.mark.oxigraph_server

EX = "http://example.org/qs/"
DATA = f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> "x" . <{EX}b> <{EX}p> "y" }} }}'
JSON, CSV, TURTLE, NT = (by_key(k) for k in ("json", "csv", "turtle", "ntriples"))


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "embedded":
        local = OxigraphStore()
        local.update(DATA)
        yield local
        return
    server = request.getfixturevalue("oxigraph_server")
    remote = RemoteStore(server.url)
    remote.update(DATA)
    yield remote


def ask(store: Store, text: str, **kwargs: object) -> SerializedResult:
    return store.query_serialized(text, result_format=JSON, graph_format=TURTLE, **kwargs)  # type: ignore[arg-type]


def test_the_format_follows_the_real_result_kind(store: Store) -> None:
    select = ask(store, f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s")
    assert (select.kind, select.format, select.media_type) == ("select", JSON, JSON.media_type)
    assert [b["s"]["value"] for b in json.loads(select.body)["results"]["bindings"]] == [EX + "a", EX + "b"]
    boolean = ask(store, f"ASK {{ <{EX}a> <{EX}p> 'x' }}")
    assert boolean.kind == "ask" and json.loads(boolean.body)["boolean"] is True
    graph = ask(store, f"# SELECT in a comment\nCONSTRUCT WHERE {{ ?s <{EX}p> ?o }}")
    assert (graph.kind, graph.format) == ("graph", TURTLE)
    assert len(list(ox.parse(graph.body, format=ox.RdfFormat.TURTLE))) == 2
    as_nt = store.query_serialized(f"DESCRIBE <{EX}a>", result_format=CSV, graph_format=NT)
    assert as_nt.kind == "graph" and as_nt.format is NT and as_nt.body.count(b"\n") == 1


def test_bindings_and_a_list_parameter(store: Store) -> None:
    text = f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"
    one = ask(store, text, bindings=None)
    assert len(json.loads(one.body)["results"]["bindings"]) == 2
    body = store.query_serialized(text, {"o": Literal("y")}, result_format=CSV, graph_format=TURTLE).body
    assert body.decode().split() == ["s", EX + "b"]
    listed = store.query_serialized(
        text, {"s": [URIRef(EX + "a"), URIRef(EX + "zz")]}, result_format=CSV, graph_format=TURTLE
    )
    assert listed.body.decode().split() == ["s", EX + "a"]


def test_base_iri_resolves_relative_iris_and_a_base_in_the_text_wins(store: Store) -> None:
    got = ask(store, "SELECT ?s WHERE { ?s <p> ?o } ORDER BY ?s", base_iri=EX)
    assert [b["s"]["value"] for b in json.loads(got.body)["results"]["bindings"]] == [EX + "a", EX + "b"]
    own = ask(store, "BASE <http://elsewhere/> ASK { ?s <p> ?o }", base_iri=EX)
    assert json.loads(own.body)["boolean"] is False


def test_service_is_refused_inside_the_store(store: Store) -> None:
    with pytest.raises(QueryRefused):
        ask(store, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    assert ask(store, 'SELECT * WHERE { ?s ?p "SERVICE" }').kind == "select"


def test_an_endpoint_error_is_generic_and_keeps_its_detail_for_the_log(oxigraph_server) -> None:
    store = RemoteStore(oxigraph_server.url + "/nowhere/sparql")
    with pytest.raises(UpstreamError) as caught:
        ask(store, "ASK {}")
    assert oxigraph_server.url not in str(caught.value) and "127.0.0.1" not in str(caught.value)
    assert oxigraph_server.url in caught.value.detail
    assert caught.value.status == 404 and isinstance(caught.value, StoreError)
