"""Flood: the service keeps answering while runaway queries pile up (issue 10).

64 clients for 60 s mix `/sparql` queries, named queries (`/api/queries/…`) and HTML/RDF pages
(`/`, `/id/…`), while bursts of 50 anonymous runaway queries arrive at once from one other address, and
a probe asks `/healthz` every 100 ms. Each client (and the flooder) gets its own loopback address
(127.0.1.N; the whole 127/8 is loopback on Linux) so the per-client limit sees them as the different
users they stand for. Prints requests, errors, p50/p95 of the mixed traffic, what happened to the
runaway queries, and `/healthz` p95 during the flood (target < 200 ms), beside the figures of the
reliability review before the fix (../shared/reviews/reliability-probes.md).

    .venv/bin/keikaku --dist /tmp/d build && .venv/bin/keikaku --dist /tmp/d serve --port 8830 &
    .venv/bin/python bench/flood.py --url http://127.0.0.1:8830
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL_QUERIES = [
    "ASK { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 20",
    "SELECT DISTINCT ?t WHERE { ?s a ?t } LIMIT 50",
]
NAMED = ["sdg-coverage", "search?q=防災", "search?q=子ども", "measures-by-sdg?sdg=11", "indicator-status"]
#: the review's figures before the fix (32 clients, 60 s; and the 45-query anonymous flood)
BEFORE = {
    "clients": "32",
    "requests": "12 623",
    "errors": "0",
    "p50 ms": "117",
    "p95 ms": "372",
    "runaway refused": "after 10–40 s",
    "/healthz p95 ms": "> 5 000 (timed out)",
}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    order: list[int] = field(default_factory=list)  # status of each request, beside `latencies`
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.order.append(status)
            self.latencies.append(seconds)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def client_loop(url: str, address: str, until: float, pages: list[str], tally: Tally) -> None:
    rng = random.Random(address)
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=url, transport=transport, timeout=30) as http:
        while time.monotonic() < until:
            kind = rng.randrange(3)
            if kind == 0:
                req = ("GET", "/sparql", {"query": rng.choice(SMALL_QUERIES)})
            elif kind == 1:
                req = ("GET", "/api/queries/" + rng.choice(NAMED), None)
            else:
                req = ("GET", rng.choice(pages), None)
            started = time.monotonic()
            try:
                r = http.request(req[0], req[1], params=req[2], headers={"Accept": "text/html, */*;q=0.5"})
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            tally.add(status, time.monotonic() - started)


def runaway_burst(url: str, count: int, tally: Tally) -> None:
    transport = httpx.HTTPTransport(local_address="127.0.2.1")
    with httpx.Client(
        base_url=url, transport=transport, timeout=60, limits=httpx.Limits(max_connections=count)
    ) as http:

        def one() -> None:
            started = time.monotonic()
            try:
                status = http.get("/sparql", params={"query": RUNAWAY}).status_code
            except httpx.HTTPError:
                status = 0
            tally.add(status, time.monotonic() - started)

        threads = [threading.Thread(target=one) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)


def health_probe(url: str, until: float, tally: Tally) -> None:
    transport = httpx.HTTPTransport(local_address="127.0.3.1")
    with httpx.Client(base_url=url, transport=transport, timeout=10) as http:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                status = http.get("/healthz").status_code
            except httpx.HTTPError:
                status = 0
            tally.add(status, time.monotonic() - started)
            time.sleep(0.1)


def find_pages(url: str) -> list[str]:
    q = (
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t } "
        "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/keikaku/id/')) } LIMIT 300"
    )
    r = httpx.get(
        f"{url}/sparql",
        params={"query": q},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    r.raise_for_status()
    ids = [b["s"]["value"].removeprefix("https://w3id.org/keikaku") for b in r.json()["results"]["bindings"]]
    return ["/", "/search?q=防災", *ids]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="a running `keikaku serve` on 127.0.0.1")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--runaway", type=int, default=50, help="anonymous runaway queries per burst")
    ap.add_argument("--bursts", type=int, default=3, help="bursts, spread over the run")
    args = ap.parse_args()
    if "127.0.0.1" not in args.url and "localhost" not in args.url:
        ap.error("loopback only")

    pages = find_pages(args.url)
    mixed, runaway, health = Tally(), Tally(), Tally()
    start = time.monotonic()
    until = start + args.duration
    threads = [threading.Thread(target=health_probe, args=(args.url, until, health))]
    threads += [
        threading.Thread(target=client_loop, args=(args.url, f"127.0.1.{i + 1}", until, pages, mixed))
        for i in range(args.clients)
    ]
    for t in threads:
        t.start()
    for b in range(args.bursts):
        time.sleep(max(0.0, start + 2 + b * args.duration / args.bursts - time.monotonic()))
        threading.Thread(target=runaway_burst, args=(args.url, args.runaway, runaway)).start()
    for t in threads:
        t.join(args.duration + 120)
    time.sleep(1)
    elapsed = time.monotonic() - start

    errors = sum(n for s, n in mixed.statuses.items() if s == 0 or s >= 500)
    refused_fast = sum(
        1 for s, t in zip(runaway.order, runaway.latencies, strict=True) if s == 503 and t < 1.0
    )
    rows = [
        ("clients", str(args.clients), BEFORE["clients"]),
        ("seconds", f"{elapsed:.0f}", "60"),
        ("requests", str(len(mixed.latencies)), BEFORE["requests"]),
        ("req/s", f"{len(mixed.latencies) / elapsed:.0f}", "210"),
        ("errors (5xx or no answer)", str(errors), BEFORE["errors"]),
        ("p50 ms", f"{pct(mixed.latencies, 0.5):.0f}", BEFORE["p50 ms"]),
        ("p95 ms", f"{pct(mixed.latencies, 0.95):.0f}", BEFORE["p95 ms"]),
        ("runaway sent", str(len(runaway.latencies)), "45"),
        ("runaway refused < 1 s (503 + Retry-After)", str(refused_fast), BEFORE["runaway refused"]),
        ("/healthz probes", str(len(health.latencies)), ""),
        ("/healthz p95 ms", f"{pct(health.latencies, 0.95):.1f}", BEFORE["/healthz p95 ms"]),
        ("/healthz max ms", f"{max(health.latencies, default=float('nan')) * 1000:.1f}", ""),
    ]
    print(f"{'':44} {'this run':>12}   {'review (before)':>20}")
    for name, now, before in rows:
        print(f"{name:44} {now:>12}   {before:>20}")
    print("mixed statuses:", dict(sorted(mixed.statuses.items())))
    print("runaway statuses:", dict(sorted(runaway.statuses.items())))
    print("healthz statuses:", dict(sorted(health.statuses.items())))
    ok = pct(health.latencies, 0.95) < 200 and health.statuses.get(200, 0) == len(health.latencies)
    print("healthz target (< 200 ms p95, all 200):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
