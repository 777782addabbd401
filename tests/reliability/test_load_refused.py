"""F3 of the reliability review: `LOAD <url>` (with the token) fetched any URL from the server,
loopback included. Now LOAD is refused with 403 unless the URL is on `Settings.load_allow` (empty by
default), before anything is evaluated: a local listener proves no connection arrives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kg.stores import OxigraphStore
from server.app import create_app
from server.settings import Settings
from tests.reliability.serving import TOKEN, make_dist


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A one-thread HTTP listener on 127.0.0.1 that records every request and answers one N-Triples line."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    seen.append(conn.recv(4096))
                except OSError:
                    seen.append(b"")
                body = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + body
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/", seen
    stop.set()
    thread.join(5)
    sock.close()


def _client(tmp_path: Path, load_allow: tuple[str, ...] = ()) -> TestClient:
    settings = Settings(
        store_url=None,
        dist=make_dist(tmp_path / "dist", 3),
        query_workers=0,
        write_token=TOKEN,
        load_allow=load_allow,
    )
    return TestClient(create_app(settings, OxigraphStore()))


def _load(client: TestClient, text: str) -> int:
    r = client.post(
        "/sparql",
        content=text.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    return r.status_code


FORMS = [
    "LOAD <{u}x.nt>",
    "LOAD SILENT <{u}x.ttl>",
    "load <{u}x.nt> INTO GRAPH <urn:x:g>",
    "INSERT DATA {{ <urn:a> <urn:b> 1 }} ; LOAD <{u}x.nt>",
    "LOAD <x.nt>",  # relative: resolved against the endpoint itself
]


@pytest.mark.parametrize("form", FORMS)
def test_load_is_refused_and_nothing_is_fetched(
    tmp_path: Path, listener: tuple[str, list[bytes]], form: str
) -> None:
    url, seen = listener
    with _client(tmp_path) as client:
        assert _load(client, form.format(u=url)) == 403
        assert not client.post("/sparql", data={"query": "ASK { <urn:a> ?p ?o }"}).json()["boolean"]
    assert seen == []


def test_an_allow_listed_url_is_loaded(tmp_path: Path, listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    with _client(tmp_path, (url,)) as client:
        assert _load(client, f"LOAD <{url}x.nt> INTO GRAPH <urn:x:g>") == 204
    assert len(seen) == 1 and seen[0].startswith(b"GET /x.nt")
