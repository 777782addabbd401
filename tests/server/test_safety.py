"""DESIGN "Safety defaults", each proved over real HTTP where it matters: read-only by default, writes
only with the bearer token and never on a read-only store, SERVICE refused, a timeout that kills the
evaluation (the worker process is gone), a row cap, capped request bodies, and errors that never leak
internals."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from kg.stores import OxigraphStore
from server.app import create_app
from server.execution import WorkerPool

EX = "http://example.org/keikaku-test/"  # as in conftest.py
FILLER_GRAPH = EX + "graph/filler"

# A cartesian product over FILLER³ (≈3.4e9) solutions: minutes of CPU if nothing stops it.
PATHOLOGICAL = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FILLER_GRAPH}> {{ ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }} }}"
)
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
INSERT = f'INSERT DATA {{ GRAPH <{EX}graph/written> {{ <{EX}w> <{EX}label> "書き込み" }} }}'
ASK_WRITTEN = f"ASK {{ <{EX}w> <{EX}label> ?l }}"


def _count(http: httpx.Client) -> int:
    response = http.get("/sparql", params={"query": COUNT_TRIPLES})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _update(http: httpx.Client, text: str, token: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http.post("/sparql", content=text.encode(), headers=headers)


# ---- read-only by default; writes only with the token ----


def test_updates_are_refused_by_default(live_ro: Any) -> None:
    with live_ro.client() as http:
        before = _count(http)
        for response in (
            _update(http, "CLEAR ALL"),
            _update(http, "CLEAR ALL", token="anything"),
            http.post("/sparql", data={"update": "DROP ALL"}),
        ):
            assert response.status_code == 403
            assert "read-only" in response.json()["detail"]
        assert _count(http) == before


def test_graph_store_writes_are_refused_by_default(live_ro: Any) -> None:
    with live_ro.client() as http:
        for method in ("PUT", "POST", "DELETE"):
            response = http.request(
                method,
                "/gsp",
                params={"graph": f"{EX}graph/one"},
                content=b"<http://a> <http://b> <http://c> .",
                headers={"Content-Type": "application/n-triples"},
            )
            assert response.status_code == 403, method
        # the read side stays open
        read = http.get("/gsp", params={"graph": f"{EX}graph/one"}, headers={"Accept": "text/turtle"})
        assert read.status_code == 200 and "防災" in read.text
        assert http.head("/gsp", params={"graph": f"{EX}graph/none"}).status_code == 404


def test_updates_need_the_right_bearer_token(live_rw: Any, write_token: str) -> None:
    with live_rw.client() as http:
        missing = _update(http, INSERT)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = _update(http, INSERT, token=write_token + "x")
        assert wrong.status_code == 401
        assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
        basic = http.post(
            "/sparql",
            content=INSERT.encode(),
            headers={"Content-Type": "application/sparql-update", "Authorization": "Basic dXNlcjpwYXNz"},
        )
        assert basic.status_code == 401
        assert not http.get("/sparql", params={"query": ASK_WRITTEN}).json()["boolean"]
        gsp = http.put(
            "/gsp", params={"graph": f"{EX}g"}, content=b"", headers={"Content-Type": "text/turtle"}
        )
        assert gsp.status_code == 401
        ok = _update(http, INSERT, token=write_token)
        assert ok.status_code == 204, ok.text
        # read-your-writes: the workers reloaded their snapshot before answering
        assert http.get("/sparql", params={"query": ASK_WRITTEN}).json()["boolean"] is True
        assert _update(http, f"DROP GRAPH <{EX}graph/written>", token=write_token).status_code == 204
        assert http.get("/sparql", params={"query": ASK_WRITTEN}).json()["boolean"] is False


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[OxigraphStore]:
    """An on-disk store, written once, then reopened read-only (as a deployment would serve it)."""
    writer = OxigraphStore(tmp_path / "store")
    writer.update(f'INSERT DATA {{ GRAPH <{EX}graph/one> {{ <{EX}x> <{EX}label> "disk" }} }}')
    writer.close()
    del writer
    yield OxigraphStore(tmp_path / "store", read_only=True)


def test_a_read_only_store_refuses_writes_even_with_the_token(
    read_only_store: OxigraphStore, settings_factory: Any
) -> None:
    app = create_app(settings_factory(write_token="t0ken"), read_only_store)
    with TestClient(app) as http:
        response = http.post(
            "/sparql",
            content=INSERT.encode(),
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer t0ken"},
        )
        assert response.status_code == 403
        assert "read-only" in response.json()["detail"]
        # and the workers serve it from the on-disk store, opened read-only in each process
        query = http.get("/sparql", params={"query": f"SELECT ?l WHERE {{ <{EX}x> <{EX}label> ?l }}"})
        assert query.json()["results"]["bindings"][0]["l"]["value"] == "disk"


# ---- SERVICE ----


def test_service_is_refused(live_ro: Any) -> None:
    with live_ro.client() as http:
        response = http.get(
            "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}
        )
        assert response.status_code == 400
        assert "SERVICE" in response.json()["detail"]
        quoted = http.get("/sparql", params={"query": 'SELECT ("SERVICE" AS ?word) {}'})
        assert quoted.status_code == 200  # the word inside a literal is not a federated query


# ---- the timeout really stops evaluation ----


def _pool(server: Any) -> WorkerPool:
    pool = server.app.state.executor
    assert isinstance(pool, WorkerPool)
    return pool


def _wait_for_workers(pool: WorkerPool, n: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while len(pool.worker_pids(ready=True)) < n:
        assert time.monotonic() < deadline, f"the pool did not get back to {n} ready workers"
        time.sleep(0.05)


def test_timeout_kills_the_evaluation_and_the_server_keeps_answering(
    live_ro: Any, record_property: Any
) -> None:
    pool = _pool(live_ro)
    timeout = live_ro.app.state.settings.query_timeout_s
    _wait_for_workers(pool, pool.size)
    before = set(pool.worker_pids())
    killed_before = len(pool.killed_pids)
    with live_ro.client() as http:
        started = time.monotonic()
        response = http.get("/sparql", params={"query": PATHOLOGICAL})
        elapsed = time.monotonic() - started
        record_property("timeout_stop_latency_s", round(elapsed, 3))
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert "longer than" in detail and "制限時間" in detail  # the timeout, in both languages
        assert elapsed < timeout + 1.5, f"stopped after {elapsed:.2f}s (timeout {timeout}s)"
        # the worker that ran it was killed: its process no longer exists, so its CPU is free
        assert len(pool.killed_pids) == killed_before + 1
        pid = pool.killed_pids[-1]
        assert pid in before
        assert not Path(f"/proc/{pid}").exists(), "the killed worker is still there"
        # and the server still answers, at once
        started = time.monotonic()
        ok = http.get("/sparql", params={"query": "ASK {}"})
        assert ok.status_code == 200 and ok.json()["boolean"] is True
        assert time.monotonic() - started < 1.0
    # a replacement worker joins the pool
    _wait_for_workers(pool, pool.size)
    assert len(pool.worker_pids()) == pool.size and pid not in pool.worker_pids()


def test_a_running_query_does_not_block_the_event_loop(live_ro: Any) -> None:
    import threading

    results: dict[str, Any] = {}

    def slow() -> None:
        with live_ro.client() as http:
            results["slow"] = http.get("/sparql", params={"query": PATHOLOGICAL}).status_code

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    with live_ro.client() as http:
        started = time.monotonic()
        assert http.get("/healthz").status_code == 200
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        results["fast_s"] = time.monotonic() - started
    thread.join()
    assert results["slow"] == 503
    assert results["fast_s"] < 0.5


def _wait_until_dead(pid: int) -> None:
    """SIGKILL is asynchronous: wait until the process is a zombie or gone."""
    deadline = time.monotonic() + 10
    stat = Path(f"/proc/{pid}/stat")
    while stat.exists():
        try:
            if stat.read_text().rpartition(")")[2].split()[0] in ("Z", "X"):
                return
        except OSError:
            return
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_dead_worker_is_replaced(live_ro: Any) -> None:
    pool = _pool(live_ro)
    _wait_for_workers(pool, pool.size)
    victim = pool.worker_pids()[0]
    os.kill(victim, 9)
    _wait_until_dead(victim)
    with live_ro.client() as http:
        for _ in range(4):  # whichever worker each query lands on, every answer is right
            assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    _wait_for_workers(pool, pool.size)
    assert victim not in pool.worker_pids()
    # a worker that dies while (re)loading its snapshot is replaced as well
    pool.invalidate()  # every worker reloads now
    loading = pool.worker_pids()[0]
    os.kill(loading, 9)
    _wait_until_dead(loading)
    with live_ro.client() as http:
        assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    _wait_for_workers(pool, pool.size)
    assert loading not in pool.worker_pids()


# ---- row cap ----


@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_row_cap_refuses_large_results(live_ro: Any, accept: str) -> None:
    cap = live_ro.app.state.settings.max_rows
    query = f"SELECT * WHERE {{ GRAPH <{FILLER_GRAPH}> {{ ?s ?p ?o }} }}"
    with live_ro.client() as http:
        response = http.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 400
        assert str(cap) in response.json()["detail"] and "LIMIT" in response.json()["detail"]
        limited = http.get("/sparql", params={"query": query + f" LIMIT {cap}"}, headers={"Accept": accept})
        assert limited.status_code == 200
        if "x-result-rows" in limited.headers:
            assert limited.headers["x-result-rows"] == str(cap)


def test_row_cap_applies_to_construct(live_ro: Any) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{FILLER_GRAPH}> {{ ?s ?p ?o }} }}"
    with live_ro.client() as http:
        assert http.get("/sparql", params={"query": query}).status_code == 400
        assert http.get("/sparql", params={"query": query + " LIMIT 10"}).status_code == 200


# ---- request bodies ----


def test_large_bodies_are_413(live_ro: Any) -> None:
    limit = live_ro.app.state.settings.max_body_bytes
    big = b"ASK {} #" + b"x" * limit
    with live_ro.client() as http:
        declared = http.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
        assert declared.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
            for i in range(0, len(big), 8192):
                yield big[i : i + 8192]

        chunked = http.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
        assert chunked.status_code == 413
        assert "413" in str(chunked.json()["status"])
        # a body under the limit is fine
        small = http.post("/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
        assert small.status_code == 200


# ---- errors never leak internals ----


def test_internal_errors_give_a_generic_500(settings_factory: Any, store_factory: Any) -> None:
    app = create_app(settings_factory(query_workers=0), store_factory())

    class Broken:
        generation = 0

        def run(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret detail: /etc/keikaku/credentials at 0xdeadbeef")

        def start(self, wait: bool = False) -> None:
            pass

        def close(self) -> None:
            pass

    app.state.executor = Broken()
    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "title": "Internal Server Error",
        "detail": "internal error / 内部エラー",
    }
    for leak in ("secret", "Traceback", "RuntimeError", "/etc", "0xdeadbeef"):
        assert leak not in response.text


def test_worker_side_internal_errors_are_generic_too(live_ro: Any, caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected exception inside a worker is reported as a crash, never with its text — and the
    worker's own traceback reaches the server's log."""
    from server.execution import QueryJob

    pool = _pool(live_ro)
    with caplog.at_level("ERROR", logger="keikaku.server.execution"), pytest.raises(Exception) as info:
        pool.run(QueryJob("SELECT * {}", result_format="no-such-format"), 5.0)
    assert type(info.value).__name__ == "WorkerCrashed"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "keikaku.server.execution")
    assert "Traceback (most recent call last)" in logged and "no-such-format" in logged
    assert "worker_main" in logged  # the frames are the worker's, not the server's
    with live_ro.client() as http:  # and the pool is still serving
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_a_closed_pool_is_unavailable_not_a_bad_gateway(store_factory: Any) -> None:
    """The executor's own failures are 503 (StoreUnavailable), never 502: no upstream is involved."""
    from kg.errors import StoreUnavailable, UpstreamError
    from server.errors import status_for
    from server.execution import QueryJob

    pool = WorkerPool(store_factory(), 1)
    pool.close()
    with pytest.raises(StoreUnavailable) as info:
        pool.run(QueryJob("ASK {}"), 1.0)
    assert not isinstance(info.value, UpstreamError) and status_for(info.value) == 503


@pytest.mark.slow  # worker processes, one of them killed
def test_memory_limit_stops_a_query_and_the_worker_is_replaced(
    settings_factory: Any, store_factory: Any
) -> None:
    """A query that needs more memory than `worker_memory_mb` kills only its worker (503)."""
    app = create_app(settings_factory(query_timeout_s=20.0, worker_memory_mb=400), store_factory())
    sort_everything = (
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a ?b WHERE { GRAPH <"
        + FILLER_GRAPH
        + "> { ?a ?p ?x . ?b ?q ?y } } ORDER BY ?a ?b } }"
    )
    with TestClient(app) as http:
        pool = app.state.executor
        response = http.get("/sparql", params={"query": sort_everything})
        assert response.status_code == 503
        assert "resource limits" in response.json()["detail"]
        assert len(pool.killed_pids) == 1
        assert http.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_counting_is_not_fooled_by_literals(fmt: str) -> None:
    """Values that look like row separators in every format (newlines, CRLF, `},{`, `<result>`)."""
    import pyoxigraph as ox

    from kg.errors import ResultTooLarge
    from kg.formats import by_key
    from server.execution import count_solutions

    store = ox.Store()
    store.update(
        'INSERT DATA { <http://a> <http://p> "x\\ny <result> },{ \\r\\n z" . <http://b> <http://p> "2" }'
    )
    body = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }").serialize(
        format=by_key(fmt).ox
    )
    assert count_solutions(body, fmt, 2) in (2, None)  # exactly at the cap: accepted
    with pytest.raises(ResultTooLarge):
        count_solutions(body, fmt, 1)
