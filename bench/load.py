"""Bounded load on the SPARQL endpoint: N concurrent clients for D seconds against 127.0.0.1.

A script, not a unit test. It starts the server itself (uvicorn in a subprocess, so client and server
do not share a GIL) over the built dataset (`dist/`) when present, or else over a synthetic store
shaped like the plans (plans → goals → policies → measures with Japanese labels, SDG links, partners),
unless `--url` points at a server that is already running. Each client loops over a mix of queries
(SELECT with filter and ORDER BY, ASK, CONSTRUCT, an aggregate, GET and POST forms, JSON and CSV) with
a per-request timeout, so the run is bounded in time and in concurrency. It prints throughput, latency
percentiles and every error, and exits 1 if the error rate exceeds `--max-error-rate`.

    .venv/bin/python bench/load.py --clients 32 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from kg.stores import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KK = "https://w3id.org/keikaku/def#"
ID = "https://w3id.org/keikaku/id/"
GRAPH = "https://w3id.org/keikaku/graph/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

QUERIES: list[tuple[str, str, str]] = [  # (method, accept, query)
    (
        "GET",
        "application/sparql-results+json",
        f"SELECT ?m ?label WHERE {{ ?m a <{KK}Measure> ; <{RDFS_LABEL}> ?label ; "
        f"<{KK}contributesTo> <http://metadata.un.org/sdg/13> }} ORDER BY ?label LIMIT 50",
    ),
    ("GET", "application/sparql-results+json", f"ASK {{ ?p a <{KK}Plan> }}"),
    (
        "POST",
        "text/csv",
        f"SELECT ?g (COUNT(?e) AS ?n) WHERE {{ GRAPH ?g {{ ?e a <{KK}Policy> }} }} GROUP BY ?g ORDER BY ?g",
    ),
    (
        "GET",
        "text/turtle",
        f"CONSTRUCT {{ ?p <{RDFS_LABEL}> ?l }} WHERE {{ ?p a <{KK}Policy> ; <{RDFS_LABEL}> ?l }} LIMIT 100",
    ),
    (
        "POST",
        "application/sparql-results+json",
        f'SELECT ?e ?l WHERE {{ ?e <{RDFS_LABEL}> ?l FILTER(CONTAINS(?l, "防災")) }} LIMIT 20',
    ),
]


def synthetic_store(plans: int = 4, goals: int = 8, policies: int = 6, measures: int = 8) -> OxigraphStore:
    """A store shaped like the real dataset (≈30k quads with the defaults)."""
    import pyoxigraph as ox

    from kg.stores import OxigraphStore

    n, lit = ox.NamedNode, ox.Literal
    a = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = n(RDFS_LABEL)
    themes = ["防災", "子育て", "福祉", "環境・脱炭素", "地域コミュニティ", "交通", "観光", "教育"]
    quads = []
    for p in range(plans):
        g = n(f"{GRAPH}city{p}/plan")
        plan = n(f"{ID}city{p}/plan")
        quads += [
            ox.Quad(plan, a, n(KK + "Plan"), g),
            ox.Quad(plan, label, lit(f"第{p}次総合計画", language="ja"), g),
        ]
        for i in range(goals):
            goal = n(f"{ID}city{p}/plan/goal/{i}")
            quads += [
                ox.Quad(goal, a, n(KK + "Goal"), g),
                ox.Quad(plan, n(KK + "hasPart"), goal, g),
                ox.Quad(goal, label, lit(f"{themes[i % len(themes)]}のまちづくり {i}", language="ja"), g),
            ]
            for j in range(policies):
                pol = n(f"{ID}city{p}/plan/policy/{i}-{j}")
                quads += [
                    ox.Quad(pol, a, n(KK + "Policy"), g),
                    ox.Quad(goal, n(KK + "hasPart"), pol, g),
                    ox.Quad(
                        pol, label, lit(f"{themes[(i + j) % len(themes)]}の推進 {i}-{j}", language="ja"), g
                    ),
                ]
                for k in range(measures):
                    m = n(f"{ID}city{p}/plan/policy/{i}-{j}/measure/{k}")
                    quads += [
                        ox.Quad(m, a, n(KK + "Measure"), g),
                        ox.Quad(pol, n(KK + "hasPart"), m, g),
                        ox.Quad(
                            m,
                            label,
                            lit(f"{themes[k % len(themes)]}に関する取組 {i}-{j}-{k}", language="ja"),
                            g,
                        ),
                        ox.Quad(
                            m,
                            n(KK + "contributesTo"),
                            n(f"http://metadata.un.org/sdg/{(i + j + k) % 17 + 1}"),
                            g,
                        ),
                        ox.Quad(m, n(KK + "involvesPartnerType"), n(f"{KK}partner-{k % 8}"), g),
                    ]
    store = OxigraphStore()
    store.native.extend(quads)
    return store


def serve(port: int, workers: int, synthetic: bool) -> None:
    """Run the server in this (child) process."""
    import uvicorn

    from server.app import create_app
    from server.settings import Settings

    settings = Settings.from_env(query_workers=workers)
    store = synthetic_store() if synthetic else None
    app = create_app(settings, store)
    print(
        f"serving {f'{store.count()} synthetic quads' if store else 'dist/'}, {workers} workers", flush=True
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def client_loop(
    http: httpx.AsyncClient, cid: int, stop_at: float, stats: dict, latencies: list[float]
) -> None:
    i = cid
    while time.monotonic() < stop_at:
        method, accept, query = QUERIES[i % len(QUERIES)]
        i += 1
        started = time.monotonic()
        try:
            if method == "GET":
                response = await http.get("/sparql", params={"query": query}, headers={"Accept": accept})
            else:
                response = await http.post("/sparql", data={"query": query}, headers={"Accept": accept})
            await response.aread()
            latencies.append(time.monotonic() - started)
            stats[response.status_code] += 1
        except httpx.HTTPError as exc:
            stats[type(exc).__name__] += 1


async def run_load(
    url: str, clients: int, duration: float, timeout: float
) -> tuple[dict, list[float], float]:
    stats: dict = collections.Counter()
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        warm = await http.get("/sparql", params={"query": "ASK {}"})
        warm.raise_for_status()
        started = time.monotonic()
        stop_at = started + duration
        await asyncio.gather(*(client_loop(http, c, stop_at, stats, latencies) for c in range(clients)))
        elapsed = time.monotonic() - started
    return stats, latencies, elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target an already running server instead of starting one")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request client timeout (s)")
    parser.add_argument("--workers", type=int, default=0, help="server query workers (0: Settings default)")
    parser.add_argument("--max-error-rate", type=float, default=0.0)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--synthetic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        serve(args.serve, args.workers, args.synthetic)
        return 0

    server = None
    url = args.url
    if url is None:
        port = free_port()
        synthetic = not (ROOT / "dist" / "dataset.nq").exists()
        from server.settings import Settings

        workers = args.workers or Settings().query_workers
        cmd = [sys.executable, __file__, "--serve", str(port), "--workers", str(workers)]
        if synthetic:
            cmd.append("--synthetic")
        server = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        print(f"server: {url} ({'synthetic store' if synthetic else 'dist/'}, {workers} query workers)")
    try:
        stats, latencies, elapsed = asyncio.run(run_load(url, args.clients, args.duration, args.timeout))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    total = sum(stats.values())
    ok = stats.get(200, 0)
    errors = total - ok
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"clients        {args.clients}")
    print(f"duration       {elapsed:.1f} s")
    print(f"requests       {total}")
    print(f"ok (200)       {ok}")
    print(f"errors         {errors}  {dict((k, v) for k, v in stats.items() if k != 200)}")
    print(f"throughput     {total / elapsed:.1f} req/s")
    print(f"latency p50    {q[49] * 1000:.1f} ms")
    print(f"latency p95    {q[94] * 1000:.1f} ms")
    print(f"latency p99    {q[98] * 1000:.1f} ms")
    print(f"latency max    {max(latencies, default=0) * 1000:.1f} ms")
    return 1 if total == 0 or errors / total > args.max_error_rate else 0


if __name__ == "__main__":
    raise SystemExit(main())
