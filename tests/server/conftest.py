"""Fixtures for the server tests: a real uvicorn server on 127.0.0.1 (a free port, in a background
thread of this process, so tests can also look at its worker processes) and an in-process TestClient.

Both run over small stores filled here, and a `dist/` that holds only the API catalogue a build
publishes (`tests.support.build.catalogue_dist`), so the tests do not depend on a build:
- a few resources in two named graphs (`EX_GRAPH`, `EX_GRAPH2`);
- `FILLER` triples in `FILLER_GRAPH`, enough for a cartesian product that would run for minutes and
  for a `SELECT *` above the row cap;
- the W3C protocol test data (data1–3.nt, each in the named graph the manifest's rdfs:label names),
  when ../shared's machine-readable suite is there (tests/support/w3c.py finds it). Without it,
  test_w3c_protocol.py runs the registry-shipped forms only (rdflib's sdist: the 34 Protocol test IRIs
  with our encodings, and the Graph Store Protocol exchanges of its tests.txt).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kg.stores import OxigraphStore
from server.app import create_app

# tests/server/fixtures/ld_fixture.py holds the linked-data fixture store and the real-build clients; the
# suite runs in importlib mode, so its folder goes on sys.path once here and the test modules import it
# as `ld_fixture`. Its pytest fixtures are re-exported so that every server test can ask for them.
sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from ld_fixture import ld_app, ld_client, ld_dist, real_client, real_dist  # noqa: F401

from server.settings import Settings
from tests.support.build import catalogue_dist
from tests.support.w3c import protocol_dir

W3C = protocol_dir()  # None without the suite: the W3C tests then fail and say how to get it
W3C_DATA_GRAPHS = {f"data{i}.nt": f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}

EX = "http://example.org/keikaku-test/"
EX_GRAPH = EX + "graph/one"
EX_GRAPH2 = EX + "graph/two"
FILLER_GRAPH = EX + "graph/filler"
FILLER = 1500
WRITE_TOKEN = "test-write-token-5f2c"  # a test fixture, not a secret

#: limits small enough to exercise quickly, large enough never to trip a legitimate test query
TEST_LIMITS = {"query_timeout_s": 1.0, "max_rows": 1000, "max_body_bytes": 64_000, "query_workers": 2}


def fill_store(store: OxigraphStore) -> OxigraphStore:
    """Add the fixture data to a store."""
    n = ox.NamedNode
    quads = [
        ox.Quad(n(EX + "plan"), n(EX + "title"), ox.Literal("鎌倉市総合計画", language="ja"), n(EX_GRAPH)),
        ox.Quad(n(EX + "plan"), n(EX + "hasPart"), n(EX + "policy/1"), n(EX_GRAPH)),
        ox.Quad(n(EX + "policy/1"), n(EX + "label"), ox.Literal("防災", language="ja"), n(EX_GRAPH)),
        ox.Quad(n(EX + "policy/2"), n(EX + "label"), ox.Literal("子育て", language="ja"), n(EX_GRAPH2)),
    ]
    quads += [
        ox.Quad(n(f"{EX}filler/{i}"), n(EX + "value"), ox.Literal(str(i)), n(FILLER_GRAPH))
        for i in range(FILLER)
    ]
    store.native.extend(quads)
    if W3C is not None:
        for file, graph in W3C_DATA_GRAPHS.items():
            store.load_file(W3C / "protocol" / file, graph)
    return store


def make_store() -> OxigraphStore:
    return fill_store(OxigraphStore())


def test_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {**TEST_LIMITS, "dist": catalogue_dist(), **overrides}
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


@dataclass
class LiveServer:
    """A running server: its base URL, and the app (for its store and executor)."""

    url: str
    app: FastAPI

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **kwargs)  # type: ignore[arg-type]


@contextmanager
def live_server(settings: Settings, store: OxigraphStore) -> Iterator[LiveServer]:
    """Serve `create_app(settings, store)` with uvicorn on 127.0.0.1 and a free port, then stop it."""
    app = create_app(settings, store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves this very socket
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="session")
def live_ro() -> Iterator[LiveServer]:
    """The public default: no write token (read-only)."""
    with live_server(test_settings(), make_store()) as srv:
        yield srv


@pytest.fixture(scope="session")
def live_rw() -> Iterator[LiveServer]:
    """A writable deployment: the write token is configured (tests that write restore what they need)."""
    with live_server(test_settings(write_token=WRITE_TOKEN), make_store()) as srv:
        yield srv


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """In-process client over the read-only app (lifespan run, so its workers are started)."""
    app = create_app(test_settings(), make_store())
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def store_factory() -> object:
    """`make_store`, for tests that need a fresh fixture store."""
    return make_store


@pytest.fixture(scope="session")
def settings_factory() -> object:
    """`test_settings`, for tests that build their own app."""
    return test_settings


@pytest.fixture(scope="session")
def write_token() -> str:
    """The bearer token `live_rw` accepts."""
    return WRITE_TOKEN
