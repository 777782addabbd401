"""F2 of the reliability review: SPARQL Update had no timeout, was not stopped when the client left,
blocked every later write (45 queued writes froze the server), and SIGTERM then hung.

Now an update is evaluated in a killable worker on a copy and applied as one ground change
(server/execution/writes.py): stopped by its timeout or by the client leaving, with the store left as
it was; at most `max_queued_writes` writes wait; SIGTERM ends the server within 10 s."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.serving import EX, HEAVY_UPDATE, TOKEN, ask, make_dist, serve, update

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a live server and /proc"),
    pytest.mark.slow,
]

HEAVY_WRITTEN = f"ASK {{ GRAPH <{EX}heavy> {{ ?s ?p ?o }} }}"


def _env(**extra: str) -> dict[str, str]:
    return {
        "KEIKAKU_QUERY_WORKERS": "2",
        "KEIKAKU_WRITE_TOKEN": TOKEN,
        "KEIKAKU_EPHEMERAL_WRITES": "1",
        **extra,
    }


def test_update_timeout_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    env = _env(KEIKAKU_UPDATE_TIMEOUT_S="3")
    with serve(make_dist(tmp_path / "dist"), tmp_path / "server.log", env) as srv, httpx.Client() as http:
        started = time.monotonic()
        r = update(http, srv.url, HEAVY_UPDATE)
        took = time.monotonic() - started
        assert r.status_code == 503 and 2.5 < took < 8, (r.status_code, took, r.text)
        assert not ask(http, srv.url, HEAVY_WRITTEN)  # nothing of it reached the store
        # a light write goes through at once afterwards, and is visible
        light = f"INSERT DATA {{ GRAPH <{EX}w> {{ <{EX}a> <{EX}b> 1 }} }}"
        assert update(http, srv.url, light).status_code == 204
        assert ask(http, srv.url, f"ASK {{ GRAPH <{EX}w> {{ <{EX}a> <{EX}b> 1 }} }}")


def test_a_client_that_leaves_stops_its_update_and_writes_queue_with_a_bound(tmp_path: Path) -> None:
    env = _env(KEIKAKU_UPDATE_TIMEOUT_S="120", KEIKAKU_MAX_QUEUED_WRITES="2")
    with serve(make_dist(tmp_path / "dist"), tmp_path / "server.log", env) as srv, httpx.Client() as http:
        # the heavy update holds the write lock: of 8 concurrent writes, at most 2 wait, the rest get 503 now
        heavy = threading.Thread(target=lambda: _leave_after(srv.url, 6.0))
        heavy.start()
        time.sleep(1.0)
        results: list[tuple[int, float]] = []

        def light(i: int) -> None:
            started = time.monotonic()
            with httpx.Client() as c:
                try:
                    text = f"INSERT DATA {{ <{EX}l{i}> <{EX}b> {i} }}"
                    code = update(c, srv.url, text, timeout=60).status_code
                except httpx.HTTPError:
                    code = 0
            results.append((code, time.monotonic() - started))

        lights = [threading.Thread(target=light, args=(i,)) for i in range(8)]
        for t in lights:
            t.start()
        for t in lights:
            t.join(90)
        heavy.join(30)
        fast_refusals = [r for r in results if r[0] == 503 and r[1] < 2]
        assert len(fast_refusals) >= 5, results
        # the heavy update's client left after 6 s: it was stopped, so the queued writes got through
        # long before its 120 s timeout, and it left nothing behind
        assert all(code == 204 and took < 30 for code, took in results if code != 503), results
        assert not ask(http, srv.url, HEAVY_WRITTEN)


def _leave_after(url: str, seconds: float) -> None:
    # we leave after `seconds`: the server must stop the update
    with httpx.Client() as c, contextlib.suppress(httpx.HTTPError):
        update(c, url, HEAVY_UPDATE, timeout=seconds)


def test_sigterm_ends_a_server_that_is_mid_update_within_10_s(tmp_path: Path) -> None:
    env = _env(KEIKAKU_UPDATE_TIMEOUT_S="600")
    with serve(make_dist(tmp_path / "dist"), tmp_path / "server.log", env) as srv:
        heavy = threading.Thread(target=lambda: _leave_after(srv.url, 30.0))
        heavy.start()
        time.sleep(2.0)  # the update is running
        started = time.monotonic()
        srv.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            srv.process.wait(15)
        took = time.monotonic() - started
        heavy.join(40)
        assert srv.process.poll() is not None and took < 10, f"still running {took:.1f} s after SIGTERM"
