"""Helpers of the reliability suite (issue 10): a small dist/ and a real `keikaku serve` process on
127.0.0.1, stopped by its pid (and its workers with it) whatever the test did."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from kg.build import copy_catalogue
from kg.paths import DATA, QUERIES, ROOT
from tests.support.processes import children, free_port

EX = "http://example.org/keikaku-reliability/"
FILLER = 1500  # a three-way cartesian product of this many triples runs for minutes
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
# updates see the store's real default graph (empty here), so the runaway names its graphs
HEAVY_UPDATE = (
    f"INSERT {{ GRAPH <{EX}heavy> {{ <{EX}a> <{EX}count> ?n }} }} WHERE {{ {{ SELECT (COUNT(*) AS ?n) "
    "WHERE { GRAPH ?g1 { ?a ?p ?x } GRAPH ?g2 { ?b ?q ?y } GRAPH ?g3 { ?c ?r ?z } } } }"
)
TOKEN = "reliability-token-7d1e"  # a test fixture, not a secret


def make_dist(folder: Path, filler: int = FILLER) -> Path:
    """A dist/ with `filler` triples in one graph and the API catalogue a build publishes."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'<{EX}s{i}> <{EX}value> "{i}" <{EX}graph> .' for i in range(filler)]
    (folder / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy_catalogue(QUERIES, DATA / "municipalities.yaml", folder)
    return folder


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start(dist: Path, log: Path, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full_env = {**os.environ, "KEIKAKU_WORKER_MEMORY_MB": "0", **env}
    for name in ("KEIKAKU_WRITE_TOKEN", "KEIKAKU_STORE", "KEIKAKU_EPHEMERAL_WRITES"):
        if name not in env:
            full_env.pop(name, None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "--dist", str(dist), "serve", "--port", str(port), *extra],
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, within_s: float = 120) -> None:
    deadline = time.monotonic() + within_s
    while True:
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert time.monotonic() < deadline, "keikaku serve did not become ready"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)


@contextlib.contextmanager
def serve(dist: Path, log: Path, env: dict[str, str]) -> Iterator[Served]:
    """`keikaku serve` over `dist` with `env`, ready; killed (workers too) at the end."""
    process, url = start(dist, log, env)
    workers: set[int] = set()
    try:
        wait_ready(process, url, log)
        workers = children(process.pid)
        yield Served(process, url, log)
    finally:
        stop(process, workers)


def stop(process: subprocess.Popen[bytes], workers: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    workers = set(workers) | children(process.pid)
    if process.poll() is None:
        process.kill()
    process.wait(30)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def update(client: httpx.Client, url: str, text: str, timeout: float = 30) -> httpx.Response:
    return client.post(
        f"{url}/sparql",
        content=text.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=timeout,
    )


def ask(client: httpx.Client, url: str, query: str) -> bool:
    accept = {"Accept": "application/sparql-results+json"}
    r = client.get(f"{url}/sparql", params={"query": query}, headers=accept)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])
