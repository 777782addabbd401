"""The named-query registry is read once, when the app is created — not at every request.

Parsing every `queries/*.rq` and its YAML front matter costs about 30 ms, more than most named queries
take to answer (docs/benchmarks.md). After `create_app`, the API must answer its catalogue, its
operations and its sparql-examples without reading a query file again: here, reading one fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

import kg.queries
import server.routes.queries
from kg.queries import load_registry
from server.app import create_app


def test_requests_never_reread_the_query_files(
    monkeypatch: pytest.MonkeyPatch,
    store_factory: Callable[[], object],
    settings_factory: Callable[..., object],
) -> None:
    app = create_app(settings_factory(query_workers=0), store_factory())  # type: ignore[arg-type]
    assert set(app.state.registry) == set(load_registry())

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the query files were read again during a request")

    for module in (kg.queries, server.routes.queries):
        monkeypatch.setattr(module, "load_registry", refuse)
    monkeypatch.setattr(kg.queries, "parse_query_file", refuse)
    with TestClient(app) as client:
        catalogue = client.get("/api/queries")
        assert catalogue.status_code == 200
        assert {q["name"] for q in catalogue.json()["queries"]} == set(app.state.registry)
        answer = client.get("/api/queries/search", params={"q": "防災"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["head"]["vars"][0] == "q"
        assert client.get("/api/queries/compare-theme").status_code == 400  # its required parameter
        assert (
            client.get("/.well-known/sparql-examples", headers={"accept": "text/turtle"}).status_code == 200
        )
