"""F9–F11 of the reliability review: 5 000 nested braces gave 503 (the parser's stack overflowed in
a worker), a NUL in a /static/ path gave 500, HEAD gave 405 where GET worked, and `Allow` on /sparql
omitted POST for unknown methods."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kg.stores import OxigraphStore
from server.app import create_app
from server.settings import Settings
from tests.reliability.serving import make_dist


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    dist = make_dist(tmp_path_factory.mktemp("corners") / "dist", 10)
    store = OxigraphStore()
    store.load_file(dist / "dataset.nq")
    with TestClient(create_app(Settings(store_url=None, dist=dist, query_workers=0), store)) as c:
        yield c


@pytest.mark.parametrize("opener,closer", [("{", "}"), ("(", ")")])
def test_over_deep_nesting_is_400_with_a_message(client: TestClient, opener: str, closer: str) -> None:
    inner = "?s ?p ?o" if opener == "{" else ""
    text = (
        "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
        if opener == "{"
        else "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }" + inner[:0]
    )
    r = client.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "nested" in r.json()["detail"], r.text
    ok = client.get("/sparql", params={"query": "ASK " + "{" * 500 + "}" * 500})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/a%00b.css",
        "/static/%00",
        "/static/%00../app.py",
        "/static/css/app.css%00.js",
        "/static/a%01b",
        "/static/%0a",
    ],
)
def test_odd_bytes_in_static_paths_are_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/queries/search?q=x", "/sparql?query=ASK%7B%7D", "/", "/static/css/keikaku.css"]
)
def test_head_works_wherever_get_does(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200, (path, get.status_code)
    assert head.status_code == 200 and head.content == b""
    assert head.headers.get("content-length") == get.headers.get("content-length")


@pytest.mark.parametrize("method", ["PROPFIND", "PUT", "DELETE", "PATCH"])
def test_allow_on_sparql_names_every_method(client: TestClient, method: str) -> None:
    r = client.request(method, "/sparql")
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}
