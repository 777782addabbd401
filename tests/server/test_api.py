"""The named-query API: one OpenAPI operation per queries/*.rq, JSON and CSV answers, paging, errors,
and the catalogue as SIB-style sparql-examples."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from kg.queries import NamedQuery, Param, load_registry
from server.routes.queries import example_text, paginate, parameter_spec, to_csv

SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
SRJ = "application/sparql-results+json"


def rows(response) -> list[dict]:
    return response.json()["results"]["bindings"]


def links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


# --------------------------------------------------------------------------------------------------
# OpenAPI: generated from the registry
# --------------------------------------------------------------------------------------------------


def test_every_named_query_is_one_operation(ld_client: TestClient) -> None:
    spec = ld_client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    registry = load_registry()
    assert registry, "queries/*.rq"
    for name, query in registry.items():
        path = f"/api/queries/{name}"
        assert path in spec["paths"], path
        op = spec["paths"][path]["get"]
        assert op["operationId"] == "query_" + name.replace("-", "_")
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == set(query.params) | {"limit", "offset", "format"}
        for pname, p in query.params.items():
            assert params[pname]["required"] is p.required
            assert params[pname]["description"]
            if p.example is not None:
                assert params[pname]["example"] in (p.example, [p.example])
            if p.enum:
                assert params[pname]["schema"]["enum"] == list(p.enum)
        assert set(op["responses"]["200"]["content"]) == {SRJ, "text/csv"}


def test_measures_by_sdg_documents_its_parameters(ld_client: TestClient) -> None:
    op = ld_client.get("/openapi.json").json()["paths"]["/api/queries/measures-by-sdg"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["sdg"]["required"] is True and params["sdg"]["example"] == "13"
    assert "kamakura" in params["municipality"]["schema"]["enum"]
    assert params["format"]["schema"]["enum"] == ["json", "csv"]


def test_list_parameters_are_exploded_arrays() -> None:
    query = NamedQuery(
        name="x",
        sparql="SELECT * WHERE { ?s ?p ?o }",
        summary="x",
        params={"sdg": Param("sdg", "sdg", list=True, example="13", description="goals")},
    )
    spec = {p["name"]: p for p in parameter_spec(query, 100)}["sdg"]
    assert spec["schema"]["type"] == "array" and spec["explode"] is True and spec["style"] == "form"
    assert spec["example"] == ["13"]


def test_catalogue_lists_every_query(ld_client: TestClient) -> None:
    data = ld_client.get("/api/queries").json()
    names = [q["name"] for q in data["queries"]]
    assert names == sorted(load_registry())
    entry = next(q for q in data["queries"] if q["name"] == "measures-by-sdg")
    assert entry["url"] == "/api/queries/measures-by-sdg"
    assert {"name": "sdg", "required": True}.items() <= next(
        p for p in entry["parameters"] if p["name"] == "sdg"
    ).items()
    assert entry["summary_ja"] and entry["summary_en"]


# --------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------


def test_json_answer(ld_client: TestClient) -> None:
    response = ld_client.get("/api/queries/measures-by-sdg", params={"sdg": "13"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(SRJ)
    data = response.json()
    assert "element" in data["head"]["vars"]
    elements = {r["element"]["value"] for r in data["results"]["bindings"]}
    assert "https://w3id.org/keikaku/id/kamakura/plan-2030/policy/1-2" in elements
    label = next(
        r["label"] for r in data["results"]["bindings"] if r["element"]["value"].endswith("policy/1-2")
    )
    assert label == {"type": "literal", "value": "温暖化対策", "xml:lang": "ja"}


def test_csv_answer_opens_in_excel(ld_client: TestClient) -> None:
    for response in (
        ld_client.get("/api/queries/measures-by-sdg", params={"sdg": "13", "format": "csv"}),
        ld_client.get("/api/queries/measures-by-sdg", params={"sdg": "13"}, headers={"accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
        assert 'filename="measures-by-sdg.csv"' in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        header = table[0]
        assert "label" in header
        labels = [row[header.index("label")] for row in table[1:]]
        assert "温暖化対策" in labels


def test_accept_negotiation_and_406(ld_client: TestClient) -> None:
    url = "/api/queries/measures-by-sdg?sdg=13"
    assert (
        ld_client.get(url, headers={"accept": "text/csv;q=0.4, application/json"})
        .headers["content-type"]
        .startswith("application/json")
    )
    assert ld_client.get(url, headers={"accept": "image/png"}).status_code == 406


def test_paging_with_link_headers(ld_client: TestClient) -> None:
    url = "/api/queries/measures-by-sdg"
    everything = rows(ld_client.get(url, params={"sdg": "13"}))
    assert len(everything) >= 5
    collected, offset, pages = [], 0, 0
    while True:
        response = ld_client.get(url, params={"sdg": "13", "limit": 2, "offset": offset})
        page_rows = rows(response)
        assert len(page_rows) <= 2
        collected += page_rows
        rel = links(response.headers["link"])
        assert "offset=0" in rel["first"]
        if offset:
            assert "prev" in rel
        pages += 1
        if "next" not in rel:
            break
        assert "limit=2" in rel["next"] and "sdg=13" in rel["next"]
        offset = int(re.search(r"offset=(\d+)", rel["next"]).group(1))
    assert pages == (len(everything) + 1) // 2
    assert collected == everything


def test_paginate_appends_or_slices() -> None:
    text, sliced = paginate("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 11, 20)
    assert not sliced and text.rstrip().endswith("LIMIT 11 OFFSET 20")
    assert paginate("SELECT * WHERE { ?s ?p ?o } LIMIT 5", 11, 0)[1]
    assert not paginate('SELECT * WHERE { ?s ?p "LIMIT" . { SELECT ?s WHERE {?s ?p ?o} LIMIT 3 } }', 11, 0)[1]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sdg": "99"}, "'sdg'"),
        ({}, "required"),
        ({"sdg": "13", "nonsense": "1"}, "unknown parameter"),
        ({"sdg": "13", "municipality": "tokyo"}, "'municipality'"),
        ({"sdg": "13", "limit": "0"}, "'limit'"),
        ({"sdg": "13", "offset": "-1"}, "'offset'"),
        ({"sdg": "13", "format": "xlsx"}, "'format'"),
    ],
)
def test_bad_parameters_are_400_with_the_message(ld_client: TestClient, params: dict, message: str) -> None:
    response = ld_client.get("/api/queries/measures-by-sdg", params=params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_to_csv_writes_plain_values() -> None:
    out = to_csv(
        ["a", "b"],
        [{"a": {"type": "uri", "value": "http://x"}, "b": {"type": "literal", "value": "鎌倉, 市"}}, {}],
    )
    assert out == '\ufeffa,b\r\nhttp://x,"鎌倉, 市"\r\n,\r\n'


# --------------------------------------------------------------------------------------------------
# /.well-known/sparql-examples
# --------------------------------------------------------------------------------------------------


def test_sparql_examples_in_sib_style(ld_client: TestClient) -> None:
    response = ld_client.get("/.well-known/sparql-examples", headers={"accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=response.text, format="turtle")
    registry = load_registry()
    examples = set(g.subjects(RDF.type, SH.SPARQLSelectExecutable))
    assert len(examples) == len(registry)
    for node in examples:
        assert (node, RDF.type, SH.SPARQLExecutable) in g
        select = g.value(node, SH.select)
        assert isinstance(select, Literal) and "SELECT" in select
        langs = {c.language for c in g.objects(node, RDFS.comment)}
        assert langs == {"ja", "en"}
        assert (node, SCHEMA.target, URIRef("http://testserver/sparql")) in g
        assert list(g.objects(node, SCHEMA.keywords))
    jsonld = ld_client.get("/.well-known/sparql-examples", headers={"accept": "application/ld+json"})
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(g)


def test_every_example_runs_on_the_real_data_as_the_api_does(real_client: TestClient) -> None:
    """Each example text (example values written in as VALUES) answers exactly what the API answers for
    those values — so the ready-made examples in the editor are the operations, not approximations."""
    for name, query in load_registry().items():
        text = example_text(query)
        via_sparql = real_client.post("/sparql", data={"query": text}, headers={"accept": SRJ})
        assert via_sparql.status_code == 200, (name, via_sparql.text[:300])
        example = {n: p.example for n, p in query.params.items() if p.required and p.example is not None}
        via_api = real_client.get(f"/api/queries/{name}", params={**example, "limit": 10_000})
        assert via_api.status_code == 200, (name, via_api.text[:300])

        def key(row: dict) -> str:
            return repr(sorted((k, v["value"]) for k, v in row.items()))

        if name == "search":  # the API ranks with the Japanese index (tests/search): it finds at least
            # every element the substring text finds
            elements = {r["element"]["value"] for r in rows(via_api)}
            assert {r["element"]["value"] for r in rows(via_sparql)} <= elements, name
            continue
        assert sorted(map(key, rows(via_sparql))) == sorted(map(key, rows(via_api))), name


def test_real_measures_by_sdg_csv(real_client: TestClient) -> None:
    response = real_client.get("/api/queries/measures-by-sdg", params={"sdg": "13", "format": "csv"})
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) > 5
    assert any("温暖化対策" in cell for row in table for cell in row)
