"""Query workers never outlive their server, even when the server is killed outright.

The server evaluates queries in worker processes (server/execution.py). Its lifespan shutdown stops
them; a server killed with SIGKILL (or by the OOM killer) cannot, and a worker busy with a long query
would otherwise run on as an orphan — the national benchmark found such workers still burning a core
after their server was gone. Here the real `keikaku serve` runs in its own process, one of its workers
is made busy with a query that would take minutes, the server is SIGKILLed, and every worker must be
gone within a few seconds.

Linux only: the test reads the process tree from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.build import copy_catalogue
from kg.paths import DATA, QUERIES, ROOT
from tests.support.processes import children, free_port

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree /proc"),
    pytest.mark.slow,  # server processes of their own
]

EX = "http://example.org/keikaku-lifetime/"
FILLER = 1500  # a three-way cartesian product of this many triples runs for minutes
LONG_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
GONE_WITHIN_S = 5.0


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name, or None when the process does not exist."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan that died may wait for a reaper that never comes in a
    container; a zombie holds neither CPU nor memory)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _cpu_ticks(pid: int) -> int:
    fields = _stat(pid)
    return 0 if fields is None else int(fields[11]) + int(fields[12])  # utime + stime


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`keikaku serve` over a small dist/ with two query workers; stopped (and its workers with it,
    should the test fail) at the end."""
    dist = tmp_path / "dist"
    dist.mkdir()
    lines = [f'<{EX}s{i}> <{EX}value> "{i}" <{EX}graph> .' for i in range(FILLER)]
    (dist / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy_catalogue(QUERIES, DATA / "municipalities.yaml", dist)  # the API a build publishes
    port = free_port()
    env = {
        **os.environ,
        "KEIKAKU_QUERY_WORKERS": "2",
        "KEIKAKU_QUERY_TIMEOUT": "600",  # the server must not stop the query itself during the test
        "KEIKAKU_WORKER_MEMORY_MB": "0",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "--dist", str(dist), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    workers: set[int] = set()
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:  # /healthz answers once the lifespan has started the workers
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-2000:]
            assert time.monotonic() < deadline, "keikaku serve did not become ready"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        workers = children(process.pid)
        yield process, url, log
    finally:
        workers |= children(process.pid)
        if process.poll() is None:
            process.kill()
        process.wait(30)
        for pid in workers:  # only the workers of the server started here
            if _running(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def test_workers_die_when_the_server_is_killed(served: tuple[subprocess.Popen[bytes], str, Path]) -> None:
    process, url, _ = served
    workers = children(process.pid)
    assert len(workers) == 2, f"expected the two query workers as the server's children, got {workers}"
    assert all(_running(pid) for pid in workers)

    # make one worker busy with a query that would run for minutes
    before = {pid: _cpu_ticks(pid) for pid in workers}

    def ask() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{url}/sparql", params={"query": LONG_QUERY}, timeout=120)

    threading.Thread(target=ask, daemon=True).start()
    deadline = time.monotonic() + 30
    busy: set[int] = set()
    while not busy:
        assert time.monotonic() < deadline, "no worker started evaluating the long query"
        time.sleep(0.2)
        busy = {pid for pid in workers if _cpu_ticks(pid) - before[pid] >= 50}  # ≥ 0.5 s of CPU
    assert all(_running(pid) for pid in workers)

    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    deadline = time.monotonic() + GONE_WITHIN_S
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sorted(pid for pid in workers if _running(pid))
    assert not left, f"query workers {left} outlived their server (busy: {sorted(busy)})"
