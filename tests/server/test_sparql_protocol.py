"""/sparql beyond the W3C manifest: result formats by Accept with q-values, the protocol dataset,
error statuses and bodies, the Service Description, and the pieces (conneg, lexer, USING rewrite) they
rest on. In-process TestClient unless the test is about the live server."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg.sparql_text import query_form
from kg.sparql_text import tokens as tokenize
from kg.stores import OxigraphStore
from server import conneg
from server.errors import HttpProblem
from server.execution import QueryJob, evaluate
from server.routes.sparql import apply_protocol_dataset

EX = "http://example.org/keikaku-test/"
EX_GRAPH = EX + "graph/one"
EX_GRAPH2 = EX + "graph/two"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
LABELS = f"SELECT ?l WHERE {{ ?s <{EX}label> ?l }} ORDER BY ?l"


def _labels(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    data = response.json()
    return [b["l"]["value"] for b in data["results"]["bindings"]]


# ---- the three ways to send a query ----


def test_get_post_form_and_post_direct_give_the_same_answer(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": LABELS})
    by_form = client.post("/sparql", data={"query": LABELS})
    by_direct = client.post(
        "/sparql", content=LABELS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert _labels(by_get) == _labels(by_form) == _labels(by_direct) == ["子育て", "防災"]
    assert by_get.headers["content-type"] == "application/sparql-results+json"
    assert "Accept" in by_get.headers["vary"]


def test_head_answers_headers_without_a_body(client: TestClient) -> None:
    response = client.head("/sparql", params={"query": LABELS})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


# ---- content negotiation ----


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.9, application/sparql-results+xml;q=0.5", "text/csv"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.5", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("text/*;q=0.5, text/csv;q=0", "text/tab-separated-values"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_result_format_follows_accept(client: TestClient, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": LABELS}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    if media in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/tab-separated-values",
    ):
        rows = list(
            ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media))
        )
        assert sorted(str(r["l"].value) for r in rows) == ["子育て", "防災"]
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
        assert rows == [["l"], ["子育て"], ["防災"]]  # UTF-8 Japanese, header line first


CONSTRUCT = f"CONSTRUCT {{ ?s <{EX}label> ?l }} WHERE {{ ?s <{EX}label> ?l }}"


@pytest.mark.parametrize(
    ("accept", "media", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.4", "application/rdf+xml", "xml"),
        ("text/plain", "application/n-triples", "nt"),
        ("application/trig", "application/trig", "trig"),
    ],
)
def test_construct_format_follows_accept(
    client: TestClient, accept: str | None, media: str, rdflib_format: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert set(graph.objects(None, URIRef(EX + "label"))) == {
        Literal("防災", lang="ja"),
        Literal("子育て", lang="ja"),
    }
    assert response.headers["x-result-rows"] == "2"


def test_describe_returns_rdf(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f"DESCRIBE <{EX}policy/1>"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(EX + "policy/1"), URIRef(EX + "label"), Literal("防災", lang="ja")) in graph


@pytest.mark.parametrize(
    ("query", "accept"),
    [(LABELS, "text/turtle"), (CONSTRUCT, "application/sparql-results+json"), ("ASK {}", "image/png")],
)
def test_nothing_acceptable_is_406(client: TestClient, query: str, accept: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "available" in response.json()["detail"]


# ---- the protocol dataset ----


def test_default_graph_uri_restricts_the_default_graph(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": LABELS, "default-graph-uri": EX_GRAPH})
    assert _labels(response) == ["防災"]
    both = client.get(
        "/sparql",
        params=[("query", LABELS), ("default-graph-uri", EX_GRAPH), ("default-graph-uri", EX_GRAPH2)],
    )
    assert _labels(both) == ["子育て", "防災"]


def test_named_graph_uri_limits_graph_patterns(client: TestClient) -> None:
    query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s <{EX}label> ?l }} }}"
    response = client.post("/sparql", data={"query": query, "named-graph-uri": EX_GRAPH2})
    assert response.status_code == 200
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [EX_GRAPH2]


def test_default_graph_is_the_union_of_all_graphs(client: TestClient) -> None:
    assert _labels(client.get("/sparql", params={"query": LABELS})) == ["子育て", "防災"]


# ---- client mistakes ----


def test_syntax_error_is_400_with_the_parsers_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("error at 1:")
    assert "BASE" not in body["detail"]  # our BASE prefix does not leak into the message


def test_syntax_error_column_is_the_clients_own(client: TestClient) -> None:
    direct = OxigraphStore()
    try:
        direct.native.query("SELECT ?s WHERE { ?s ?p }")
    except SyntaxError as exc:
        expected = str(exc)
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.json()["detail"] == expected


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": {"default-graph-uri": EX_GRAPH}}, 400),  # POST form without query
        ({"params": [("query", "ASK {}"), ("query", "ASK {}")], "method": "GET"}, 400),
        ({"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400),
        ({"content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
        ({"content": b"query=ASK%20%7B%7D"}, 415),  # no Content-Type at all
        (
            {
                "content": "ASK {}".encode("utf-16"),
                "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"},
            },
            415,
        ),
        ({"content": b"\xff\xfeASK", "headers": {"Content-Type": "application/sparql-query"}}, 415),
        ({"params": {"update": "CLEAR ALL"}, "method": "GET"}, 400),
    ],
)
def test_bad_requests(client: TestClient, kwargs: dict[str, Any], status: int) -> None:
    method = kwargs.pop("method", "POST")
    response = client.request(method, "/sparql", **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: TestClient, method: str) -> None:
    response = client.request(method, "/sparql", params={"query": "ASK {}"})
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


# ---- service description ----


def test_service_description(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.content, format="turtle")
    service = graph.value(None, RDF.type, SD.Service, any=False) or next(graph.subjects(RDF.type, SD.Service))
    assert graph.value(service, SD.endpoint) == URIRef("http://testserver/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}  # read-only
    formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    names = set(graph.objects(None, SD.name))
    assert {URIRef(EX_GRAPH), URIRef(EX_GRAPH2)} <= names


def test_service_description_in_json_ld(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    graph = Graph().parse(data=response.content, format="json-ld")
    assert (None, SD.endpoint, URIRef("http://testserver/sparql")) in graph


def test_service_description_announces_update_only_when_writable(live_rw: Any) -> None:
    with live_rw.client() as http:
        graph = Graph().parse(data=http.get("/sparql").content, format="turtle")
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) in graph


# ---- the pieces ----


def test_endpoint_serialises_with_pyoxigraph_not_rdflib() -> None:
    """The fast path: evaluate() asks the store for serialised bytes and never for rdflib rows."""

    class Spy(OxigraphStore):
        calls: list[str] = []  # noqa: RUF012

        def query(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("evaluate() must not use Store.query (rdflib conversion)")

        def query_serialized(self, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((kwargs["result_format"].key, kwargs["graph_format"].key))
            return super().query_serialized(*args, **kwargs)

    store = Spy()
    store.update(f'INSERT DATA {{ GRAPH <{EX_GRAPH}> {{ <{EX}a> <{EX}label> "x" }} }}')
    outcome = evaluate(store, QueryJob("SELECT * WHERE { ?s ?p ?o }", result_format="tsv"))
    assert outcome.kind == "select" and outcome.rows == 1
    outcome = evaluate(store, QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", graph_format="jsonld"))
    assert outcome.kind == "graph" and json.loads(outcome.body)
    # one evaluation each: the store serialises by the real result kind (graphs as N-Triples, to count)
    assert Spy.calls == [("tsv", "ntriples"), ("json", "ntriples")]


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * {}", "select"),
        ("  ask {}", "ask"),
        ("PREFIX ex: <http://ex/>\nBASE <http://b/> # SELECT\nCONSTRUCT WHERE { ?s ex:p ?o }", "construct"),
        ("PREFIX : <http://ex/> DESCRIBE :x", "describe"),
        ("# a comment\nprefix select: <http://x/> select * {}", "select"),
        ("INSERT DATA {}", None),
        ("", None),
    ],
)
def test_query_form(query: str, form: str | None) -> None:
    assert query_form(query) == form


def test_tokenize_skips_strings_iris_and_comments() -> None:
    text = 'SELECT * { ?s <http://x/a#WHERE> "WHERE }" . ?where ex:where ?o } # WHERE'
    words = [t.text for t in tokenize(text) if t.kind == "word"]
    assert words == ["SELECT"]
    assert [t.depth for t in tokenize(text) if t.text == "}"] == [0]


def test_using_graph_uri_adds_using_clauses() -> None:
    update = 'INSERT { GRAPH <http://o> { ?s a <http://c> } } WHERE { ?s ?p "WHERE" }'
    rewritten = apply_protocol_dataset(update, ["http://g1", "http://g2"], ["http://n"])
    assert rewritten == (
        "INSERT { GRAPH <http://o> { ?s a <http://c> } } "
        'USING <http://g1> USING <http://g2> USING NAMED <http://n> WHERE { ?s ?p "WHERE" }'
    )
    assert apply_protocol_dataset("CLEAR ALL", [], []) == "CLEAR ALL"


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
        "DELETE WHERE { ?s ?p ?o }",
    ],
)
def test_using_graph_uri_conflicts_are_400(update: str) -> None:
    with pytest.raises(HttpProblem) as info:
        apply_protocol_dataset(update, ["http://g1"], [])
    assert info.value.status == 400


def test_using_graph_uri_must_be_an_iri() -> None:
    with pytest.raises(HttpProblem):
        apply_protocol_dataset("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://a b"], [])


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, ["a/b", "c/d"], "a/b"),
        ("", ["a/b", "c/d"], "a/b"),
        ("c/d", ["a/b", "c/d"], "c/d"),
        ("c/*", ["a/b", "c/d"], "c/d"),
        ("*/*;q=0.1, a/b;q=0", ["a/b", "c/d"], "c/d"),  # q=0 means "not this one"
        ("a/b;q=0.3, c/d;q=0.3", ["a/b", "c/d"], "a/b"),  # ties go to our preference
        (
            "text/*;q=0.9, text/csv;q=0.1",
            ["text/csv", "text/tab-separated-values"],
            "text/tab-separated-values",
        ),
        ("x/y", ["a/b"], None),
        ("garbage, ;q=, a/b;q=nope", ["a/b"], None),  # malformed parts never raise
        ("A/B", ["a/b"], "a/b"),  # media types are case-insensitive
    ],
)
def test_negotiate(accept: str | None, offered: list[str], expected: str | None) -> None:
    assert conneg.negotiate(accept, offered) == expected


def test_parse_content_type() -> None:
    assert conneg.parse_content_type('Application/SPARQL-Query; charset="UTF-8"') == (
        "application/sparql-query",
        {"charset": "UTF-8"},
    )
    assert conneg.parse_content_type(None) == ("", {})


def test_browsers_asking_for_the_endpoint_get_the_editor(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/sparql/ui")
    # a machine that accepts anything still gets the service description
    assert client.get("/sparql", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")


def test_head_over_live_http(live_ro: Any) -> None:
    with live_ro.client() as http:
        response = http.head("/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.content == b""
        full = http.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
        assert int(response.headers["content-length"]) == len(full.content)
