"""One command for the whole benchmark: build, reasoning, validation, dump, query latency, load.

    python -m bench.run            # the national graph (1,741 municipalities), writes docs/benchmarks.md
    python -m bench.run --small    # 10 municipalities, about a minute, writes bench/out/benchmarks-small.md

Everything runs on this machine, on 127.0.0.1 only, in one run on the same data:

1. the synthetic national dataset (bench/generate.py, seeded) and a subset of it;
2. the national build in its own process (bench/national.py): ingest, fast reasoning at full size,
   fast SHACL validation of every document (and again with known faults added), dump; pySHACL per
   document as the reference (a sample, extrapolated, unless --validate-all);
3. owlrl on samples of growing size (it is hopeless at full size), the fast reasoner on the same samples;
4. the real four-municipality build (`kg.build.build`) in its own process;
5. the latency (median, p95) of every named query, the queries/ files as they are: embedded
   (`kg.stores.OxigraphStore`, as the server's query workers evaluate), our HTTP API
   (`server.app.create_app` under uvicorn), a raw `oxigraph serve` filled by `keikaku load` — and, on
   the subset, rdflib-endpoint too;
6. throughput under a bounded concurrent load (N clients, T seconds);
7. docs/benchmarks.md with the figures, the versions and the machine.

Timings are figures, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import generate
from kg.paths import ROOT
from kg.stores.remote import load_dataset

DOCS = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
CATALOGUE_LIMIT = 1000  # the API's default page: it evaluates LIMIT 1001


# ---------------------------------------------------------------------------------------------------
# machine, versions, processes
# ---------------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "pyoxigraph",
        "rdflib",
        "owlrl",
        "pyshacl",
        "fastapi",
        "uvicorn",
        "rdflib-endpoint",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    binary = oxigraph_binary()
    if binary:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
        out["oxigraph server"] = (result.stdout or result.stderr).strip().split()[-1]
    return out


def oxigraph_binary() -> Path | None:
    here = Path(PYTHON).parent / "oxigraph"
    return here if here.exists() else (Path(p) if (p := shutil.which("oxigraph")) else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process we started (and will stop, by its pid only)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    started_s: float = 0.0

    def peak_mb(self) -> float:
        """High-water RSS of the server and its child processes (query workers), summed."""
        total = 0.0
        for pid in [self.process.pid, *children(self.process.pid)]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
        return total

    def stop(self) -> None:
        """Stop the server, then any of its descendants still alive. Our API's query workers die with
        their server (server/execution.py); this is the safety net for every other kind of server."""
        descendants = children(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        for pid in descendants:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                out += [child, *children(child)]
    return out


def start_server(
    name: str,
    args: list[str],
    port: int,
    probe: str,
    timeout_s: float = 900,
    env: dict[str, str] | None = None,
) -> Server:
    """Start a server and wait until `probe` (a path) answers 200; `env` adds to the environment
    (its PYTHONPATH goes first)."""
    extra = dict(env or {})
    env = dict(os.environ)
    paths = (extra.pop("PYTHONPATH", None), str(ROOT), env.get("PYTHONPATH"))
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    server = Server(name, process, port)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                server.started_s = round(time.perf_counter() - started, 1)
                return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not become ready in {timeout_s} s")


# ---------------------------------------------------------------------------------------------------
# query backends
# ---------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One named query with raw parameters (as a user would send them)."""

    name: str
    params: dict[str, str]

    @property
    def label(self) -> str:
        shown = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({shown})" if shown else self.name


def registry() -> dict[str, Any]:
    """The named queries, as `queries/` holds them (the benchmark measures the real files)."""
    from kg.queries import load_registry

    return load_registry()


def catalogue(plan_path: str) -> list[Case]:
    """Every named query with its front-matter examples; municipality filters are left out (the slugs
    of the synthetic data are not in the registry's list, and the national answer is the heavier one);
    a plan parameter gets a synthetic plan."""
    cases = []
    for name, query in registry().items():
        params: dict[str, str] = {}
        usable = True
        for pname, spec in query.params.items():
            if spec.type == "municipality":
                continue
            if spec.type == "element":
                params[pname] = plan_path
            elif spec.example is not None:
                params[pname] = spec.example
            elif spec.required:
                usable = False
        if usable:
            cases.append(Case(name, params))
    return cases


def bound_text(case: Case) -> tuple[str, dict[str, Any]]:
    """The text our API evaluates for a case (first page: LIMIT 1001), and its bindings."""
    from server.routes.queries import paginate

    text, bindings = registry()[case.name].bind(case.params)
    paged, _ = paginate(text, CATALOGUE_LIMIT + 1, 0)
    return paged, bindings


class Backend:
    name = "backend"

    def run(self, case: Case, timeout: float) -> tuple[float, int]:
        """(seconds, rows); raises TimeoutError / RuntimeError."""
        raise NotImplementedError

    def clone(self) -> Backend:
        return self


class EmbeddedProcess(Backend):
    """The embedded store (kg.stores.OxigraphStore, in memory) in a child process (bench/embedded.py):
    what the server's query workers do, `query_serialized(json)`; a query past its time is killed."""

    def __init__(self, dataset: Path) -> None:
        self.dataset = dataset
        self.name = "embedded"
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.start()

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.embedded", str(self.dataset)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=env,
        )  # fmt: skip
        self.buffer = b""
        if self.readline(3600) is None:
            raise RuntimeError("the embedded worker did not start")

    def readline(self, timeout: float) -> dict[str, Any] | None:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def measure_case(self, case: Case, reps: int, timeout: float, budget: float) -> Latency:
        assert self.process is not None and self.process.stdin is not None
        request = {"name": case.name, "params": case.params, "reps": reps, "budget_s": budget}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        warm = self.readline(timeout)
        if warm is None:
            self.restart()
            return Latency(error=f"timeout (> {timeout:g} s)")
        final = self.readline(timeout * (reps + 1))
        if final is None:
            self.restart()
            return Latency(error=f"timeout (> {timeout:g} s)")
        times = final["times_ms"]
        return Latency(
            final["rows"], round(statistics.median(times), 1), round(percentile(times, 0.95), 1), len(times)
        )

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def peak_mb(self) -> float:
        if self.process is None:
            return 0.0
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0


class Http(Backend):
    """An HTTP backend over one keep-alive connection (clone() for another thread)."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def clone(self) -> Http:
        return type(self)(self.name, self.port)  # type: ignore[call-arg]

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> bytes:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.conn.timeout = timeout
        if self.conn.sock is not None:
            self.conn.sock.settimeout(timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except TimeoutError:
            self.close()
            raise
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.status != 200:
            raise RuntimeError(f"{self.name}: HTTP {response.status}: {data[:200]!r}")
        return data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Api(Http):
    """Our HTTP API: GET /api/queries/{name}?params (JSON)."""

    def run(self, case: Case, timeout: float) -> tuple[float, int]:
        query = urllib.parse.urlencode({**case.params, "limit": CATALOGUE_LIMIT})
        started = time.perf_counter()
        body = self.request(
            "GET",
            f"/api/queries/{case.name}?{query}",
            None,
            {"Accept": "application/sparql-results+json"},
            timeout,
        )
        seconds = time.perf_counter() - started
        return seconds, len(json.loads(body)["results"]["bindings"])


class Sparql(Http):
    """A SPARQL 1.1 Protocol endpoint, sent what RemoteStore sends (parameters as VALUES blocks)."""

    def __init__(self, name: str, port: int, path: str = "/query") -> None:
        super().__init__(name, port)
        self.path = path

    def clone(self) -> Sparql:
        return Sparql(self.name, self.port, self.path)

    def run(self, case: Case, timeout: float) -> tuple[float, int]:
        from kg.queries.binding import bind_with_values

        text, bindings = bound_text(case)
        form = urllib.parse.urlencode({"query": bind_with_values(text, bindings)}).encode()
        headers = {
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.perf_counter()
        body = self.request("POST", self.path, form, headers, timeout)
        seconds = time.perf_counter() - started
        return seconds, len(json.loads(body)["results"]["bindings"])


# ---------------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------------


@dataclass
class Latency:
    rows: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    runs: int = 0
    error: str | None = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(
    backend: Backend,
    cases: list[Case],
    reps: int,
    timeout: float,
    budget: float,
    on_timeout: Callable[[], None] | None = None,
) -> dict[str, Latency]:
    """Warm each query once, then time it `reps` times — fewer (at least 3) when that would take more
    than `budget` seconds. A timeout is recorded, not retried."""
    out: dict[str, Latency] = {}
    for case in cases:
        result = Latency()
        try:
            warm, result.rows = backend.run(case, timeout)  # warm-up (and the row count)
            times = []
            for _ in range(min(reps, max(3, int(budget / max(warm, 1e-6))))):
                seconds, _ = backend.run(case, timeout)
                times.append(seconds * 1000)
            result.median_ms = round(statistics.median(times), 1)
            result.p95_ms = round(percentile(times, 0.95), 1)
            result.runs = len(times)
        except TimeoutError:
            result.error = f"timeout (> {timeout:g} s)"
            if on_timeout:
                on_timeout()
        except Exception as exc:
            result.error = f"{type(exc).__name__}: {str(exc)[:120]}"
        out[case.label] = result
        show(backend.name, case, result)
    return out


def show(backend: str, case: Case, result: Latency) -> None:
    shown = (
        result.error or f"{result.median_ms} ms (p95 {result.p95_ms}, {result.runs} runs), {result.rows} rows"
    )
    print(f"    {backend:24} {case.label:40} {shown}", flush=True)


@dataclass
class Load:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    throughput: float = 0.0
    median_ms: float | None = None
    p95_ms: float | None = None


def load_test(
    backend: Backend, cases: list[Case], clients: int, seconds: float, max_requests: int, timeout: float
) -> Load:
    """`clients` threads, each with its own connection, cycling through the catalogue until the time
    or the request budget is spent."""
    lock = threading.Lock()
    times: list[float] = []
    counters = {"requests": 0, "errors": 0, "timeouts": 0}
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        mine = backend.clone()
        n = index
        while time.monotonic() < deadline:
            with lock:
                if counters["requests"] >= max_requests:
                    return
                counters["requests"] += 1
            case = cases[n % len(cases)]
            n += 1
            try:
                elapsed, _ = mine.run(case, timeout)
                with lock:
                    times.append(elapsed * 1000)
            except TimeoutError:
                with lock:
                    counters["timeouts"] += 1
            except Exception:
                with lock:
                    counters["errors"] += 1
        if isinstance(mine, Http):
            mine.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    load = Load(clients, round(wall, 1), counters["requests"], counters["errors"], counters["timeouts"])
    load.throughput = round(len(times) / wall, 1) if wall else 0.0
    if times:
        load.median_ms = round(statistics.median(times), 1)
        load.p95_ms = round(percentile(times, 0.95), 1)
    print(f"    load {backend.name}: {load}", flush=True)
    return load


# ---------------------------------------------------------------------------------------------------
# stages
# ---------------------------------------------------------------------------------------------------


def run_child(args: list[str], timeout: float | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    started = time.perf_counter()
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:4])} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    return time.perf_counter() - started, result.stdout


def national_build(data: Path, work: Path, sample: int, validate_all: bool, workers: int) -> dict[str, Any]:
    out = work / "build.json"
    args = [PYTHON, "-m", "bench.national", "--data", str(data), "--work", str(work), "--json", str(out)]
    args += ["--validate-all"] if validate_all else ["--validate-sample", str(sample)]
    _, stdout = run_child(args)
    print(stdout, flush=True)
    return json.loads(out.read_text(encoding="utf-8"))


_OWLRL_SAMPLE = r"""
import json, sys, time
from rdflib import Dataset, Graph, URIRef
from kg.namespaces import GRAPH
from kg.reason import sdg_structure
from kg.reason.owlrl import materialise  # the reference engine
from kg import reason_fast
ds = Dataset(); ds.parse(sys.argv[1], format="nquads")
graphs = {c.identifier: c for c in ds.graphs() if len(c) and str(c.identifier).startswith(str(GRAPH))}
stated = []
for iri, g in graphs.items():
    copy = Graph()
    for t in (sdg_structure(g) if iri == GRAPH["sdg"] else g):
        copy.add(t)
    stated.append(copy)
triples = sum(len(g) for g in stated)
t = time.perf_counter(); fast = reason_fast.materialise(stated); fast_s = time.perf_counter() - t
t = time.perf_counter(); ref = materialise(stated); owlrl_s = time.perf_counter() - t
print(json.dumps({"triples": triples, "owlrl_s": round(owlrl_s, 2), "fast_s": round(fast_s, 3),
                  "inferred": len(ref), "equal": set(ref) == set(fast)}))
"""


def owlrl_samples(sizes: list[int], folder: Path) -> list[dict[str, Any]]:
    out = []
    for n in sizes:
        path = generate.ensure(n, folder=folder)
        _, stdout = run_child([PYTHON, "-c", _OWLRL_SAMPLE, str(path)])
        row = json.loads(stdout.strip().splitlines()[-1])
        row["municipalities"] = n
        out.append(row)
        print(f"  owlrl sample {n}: {row}", flush=True)
    return out


_REAL_BUILD = r"""
import json, sys, time
from pathlib import Path
t = time.perf_counter()
from kg.build import build
result = build(dist=Path(sys.argv[1]))
total = time.perf_counter() - t
from kg.build import assemble
from kg.ingest import ingest_all
from kg.namespaces import GRAPH
from kg.reason import sdg_structure
from kg import reason_fast
graphs = ingest_all()
stated = [g for i, g in graphs.items() if i != GRAPH["sdg"]] + [sdg_structure(graphs[GRAPH["sdg"]])]
t = time.perf_counter(); fast = reason_fast.materialise(stated); fast_s = time.perf_counter() - t
peak = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) / 1024
print(json.dumps({"total_s": round(total, 2), "stages": result.report.seconds,
                  "triples": sum(result.report.triples_per_graph.values()),
                  "documents": sum(1 for k in result.report.triples_per_graph if "/" in k),
                  "fast_reason_s": round(fast_s, 3), "peak_mb": round(peak)}))
"""


def real_build(folder: Path) -> dict[str, Any]:
    try:
        wall, stdout = run_child([PYTHON, "-c", _REAL_BUILD, str(folder / "dist")])
    except RuntimeError as exc:
        return {"error": str(exc)[-600:]}
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 2)
    print(f"  real build: {result}", flush=True)
    return result


@dataclass
class Serving:
    """Latency and load figures for one dataset."""

    label: str
    quads: int
    cases: list[str] = field(default_factory=list)
    latency: dict[str, dict[str, Latency]] = field(default_factory=dict)
    load: dict[str, Load] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)
    startup_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def serve_and_measure(
    label: str,
    work: Path,
    cases: list[Case],
    reps: int,
    timeout: float,
    load_clients: int,
    load_seconds: float,
    load_max: int,
    with_rdflib: bool,
    rdflib_timeout: float,
    budget: float = 30.0,
) -> Serving:
    """Measure every backend on one dataset (`work/dataset.nq`), every store in memory.

    Servers stop a query after `timeout` seconds themselves; the client waits a little longer, so that it
    sees the server's own answer (503) rather than leaving a query running behind it."""
    quads = sum(1 for _ in (work / "dataset.nq").open(encoding="utf-8"))
    serving = Serving(label, quads, [c.label for c in cases])
    servers: list[Server] = []
    client_timeout = timeout + 10
    try:
        print(f"  [{label}] embedded", flush=True)
        embedded = EmbeddedProcess(work / "dataset.nq")
        try:
            serving.latency["embedded"] = {}
            for case in cases:
                result = embedded.measure_case(case, reps, timeout, budget)
                serving.latency["embedded"][case.label] = result
                show("embedded", case, result)
            serving.memory_mb["embedded"] = round(embedded.peak_mb())
        finally:
            embedded.close()

        binary = oxigraph_binary()
        assert binary is not None, "the oxigraph server binary (pip install oxigraph)"

        def api_server() -> tuple[Server, Backend]:
            port = free_port()
            args = [PYTHON, "-m", "bench.serve_api", "--dist", str(work), "--port", str(port)]
            args += ["--workers", str(os.cpu_count() or 2), "--timeout", str(timeout)]
            return start_server("api", args, port, "/healthz"), Api("", port)

        def oxigraph_server() -> tuple[Server, Backend]:
            port = free_port()
            args = [str(binary), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
            args += ["--timeout-s", str(int(timeout))]
            server = start_server("oxigraph", args, port, "/query?query=ASK%7B%7D")
            started = time.perf_counter()
            sent = load_dataset(f"http://127.0.0.1:{port}", work / "dataset.nq")
            serving.notes.append(
                f"`keikaku load` (Graph Store Protocol, one PUT per graph) put {sent:,} quads into the "
                f"in-memory `oxigraph serve` in {time.perf_counter() - started:.1f} s."
            )
            return server, Sparql("", port, "/query")

        variants: list[tuple[str, Callable[[], tuple[Server, Backend]]]] = [
            ("our HTTP API", api_server),
            ("oxigraph serve", oxigraph_server),
        ]
        for name, make in variants:
            server, backend = make()
            servers.append(server)
            backend.name = name
            serving.startup_s[name] = server.started_s
            print(f"  [{label}] {name}", flush=True)
            serving.latency[name] = measure(backend, cases, reps, client_timeout, budget)
            ok = [c for c in cases if serving.latency[name][c.label].error is None]
            serving.load[name] = load_test(backend, ok, load_clients, load_seconds, load_max, client_timeout)
            serving.memory_mb[name] = round(server.peak_mb())
            server.stop()
            servers.remove(server)
        if with_rdflib:
            rdflib_load = 0.0 if budget < 2 else load_seconds  # (no load test in --small runs)
            measure_rdflib(
                serving, work, cases, reps, rdflib_timeout, budget, load_clients, rdflib_load, servers
            )
    finally:
        for server in servers:
            server.stop()
    return serving


def measure_rdflib(
    serving: Serving,
    work: Path,
    cases: list[Case],
    reps: int,
    timeout: float,
    budget: float,
    load_clients: int,
    load_seconds: float,
    servers: list[Server],
) -> None:
    """rdflib-endpoint on the same data. Its handlers block the event loop, so a query that timed out
    keeps the server busy: the server is restarted after a timeout (and the restart is not timed)."""
    binary = Path(PYTHON).parent / "rdflib-endpoint"
    if not binary.exists():
        serving.notes.append("rdflib-endpoint is not installed: `pip install rdflib-endpoint` (bench extra)")
        return
    holder: dict[str, Server] = {}
    backend = Sparql("rdflib-endpoint", 0, "/")

    def start() -> None:
        port = free_port()
        args = [str(binary), "serve", str(work / "dataset.nq"), "--host", "127.0.0.1", "--port", str(port)]
        holder["s"] = start_server("rdflib-endpoint", args, port, "/?query=ASK%7B%7D", timeout_s=1800)
        servers.append(holder["s"])
        backend.port = holder["s"].port
        backend.close()

    def restart() -> None:
        holder["s"].stop()
        servers.remove(holder["s"])
        start()

    start()
    serving.startup_s["rdflib-endpoint"] = holder["s"].started_s
    print(f"  rdflib-endpoint on {serving.label}", flush=True)
    serving.latency[backend.name] = measure(backend, cases, max(3, reps // 3), timeout, budget, restart)
    ok = [c for c in cases if serving.latency[backend.name][c.label].error is None]
    if ok and load_seconds > 0:
        serving.load[backend.name] = load_test(backend, ok, load_clients, load_seconds, 10_000, timeout)
    serving.memory_mb["rdflib-endpoint"] = round(holder["s"].peak_mb())


# ---------------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------------


def fmt_ms(lat: Latency | None) -> str:
    if lat is None:
        return "—"
    if lat.error:
        if "HTTP 503" in lat.error:
            return "stopped by the server (503)"
        if lat.error.startswith("JSONDecodeError"):
            return "stopped by the server (answer cut)"
        return lat.error.split(":")[0]
    return f"{lat.median_ms:g} / {lat.p95_ms:g}"


def ratio(a: Latency | None, b: Latency | None) -> float | None:
    if not a or not b or a.median_ms is None or b.median_ms is None or b.median_ms == 0:
        return None
    return a.median_ms / b.median_ms


def geo_mean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    product = 1.0
    for v in values:
        product *= v
    return product ** (1 / len(values))


def latency_table(serving: Serving, columns: list[str]) -> list[str]:
    cols = [c for c in columns if c in serving.latency]
    lines = ["| query | rows | " + " | ".join(f"{c} ms (median / p95)" for c in cols) + " | API ÷ oxigraph |",
             "|---|---:|" + "---:|" * len(cols) + "---:|"]  # fmt: skip
    for label in serving.cases:
        first = next(
            (serving.latency[c][label] for c in cols if serving.latency[c][label].rows is not None), None
        )
        rows = "—" if first is None else str(first.rows)
        r = ratio(
            serving.latency.get("our HTTP API", {}).get(label),
            serving.latency.get("oxigraph serve", {}).get(label),
        )
        cells = " | ".join(fmt_ms(serving.latency[c][label]) for c in cols)
        lines.append(f"| `{label}` | {rows} | {cells} | {'—' if r is None else f'{r:.2f}'} |")
    return lines


def row_mismatches(serving: Serving) -> list[str]:
    out = []
    for label in serving.cases:
        counts = {  # the API serves a page of 1000 rows of the 1001 it evaluates
            c: min(rows, CATALOGUE_LIMIT)
            for c in serving.latency
            if (rows := serving.latency[c][label].rows) is not None
        }
        if len(set(counts.values())) > 1:
            out.append(f"`{label}`: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
    return out


def section_header(results: dict[str, Any]) -> list[str]:
    m, v = results["machine"], results["versions"]
    command = "python -m bench.run" + (" --small" if results["small"] else "")
    return [
        "# Benchmarks",
        "",
        f"Generated by `{command}` on {results['date']} (the whole run took "
        f"{results['run_seconds'] / 60:.1f} min). Regenerate it with the same command. The data is synthetic",
        f"and seeded (`bench/generate.py`, seed {generate.SEED}): every run measures the same graph.",
        "Figures, not tests: nothing asserts a time. Ratios compare backends measured in this same run.",
        "",
        "## Machine and versions",
        "",
        f"- machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
    ]


def section_data(results: dict[str, Any]) -> list[str]:
    b = results["build"]
    graphs = b["validate"].get("documents", results["municipalities"]) + 3
    lines = [
        "",
        "## Data",
        "",
        f"- national: {results['municipalities']} synthetic municipalities (slugs `m01101` …), one plan "
        f"document each: {b['ingest']['quads']:,} stated quads in {graphs} named graphs (one per document, "
        "the real `graph/ontology` and `graph/sdg`, and `graph/municipalities`); reasoning adds "
        f"{b['reason']['inferred']:,} triples (`graph/inferred`): {b['dump']['quads']:,} quads in all.",
    ]
    subset: Serving | None = results.get("subset_serving")
    if subset is not None:
        lines.append(
            f"- subset for rdflib-endpoint: the first {results['subset']} municipalities of the same "
            f"generator ({subset.quads:,} quads with their inferred graph)."
        )
    return lines


def validation_stages(build: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the build's validation, pySHACL per document) from bench/national.py's report: the build
    validates with kg.validate.compiled (`validate`) and pySHACL runs as a reference (`pyshacl`); an older
    report had pySHACL as its `validate` stage."""
    val = build.get("validate", {})
    if "validator" in val:
        return val, build.get("pyshacl")
    return None, val or None


def _pyshacl_row(ref: dict[str, Any]) -> str:
    if ref.get("skipped"):
        return "| pySHACL (reference) | — | — | skipped |"
    what = (
        f"`kg.validate.validate_per_graph`, {ref['validated']} of {ref['documents']} documents in "
        f"{ref['workers']} processes: {ref['seconds_per_document']} s per document"
    )
    if ref["extrapolated"]:
        what += f"; **all {ref['documents']}: about {ref['estimated_all_seconds']:.0f} s** (extrapolated)"
    else:
        what += f"; {ref['violations']} violations"
    peak = max(ref["peak_mb"], ref["worker_peak_mb"])
    return f"| pySHACL (reference) | {ref['wall_seconds']} | {peak} | {what} |"


def pyshacl_all_seconds(ref: dict[str, Any] | None) -> float | None:
    """pySHACL's time for every document (measured or extrapolated), when it ran."""
    if not ref or ref.get("skipped"):
        return None
    return float(ref.get("estimated_all_seconds", ref.get("wall_seconds", 0)))


def section_build(results: dict[str, Any]) -> list[str]:
    b = results["build"]
    fast, ref = validation_stages(b)
    lines = [
        "",
        "## National build",
        "",
        "| stage | seconds | peak memory (MB) | what |",
        "|---|---:|---:|---|",
        f"| ingest | {b['ingest']['seconds']} | {b['ingest']['peak_mb']} | N-Quads → in-memory pyoxigraph |",
        f"| reason (fast, full size) | {b['reason']['seconds']} | {b['reason']['peak_mb']} | "
        f"kg.reason.rules in the store, {b['reason']['rounds']} rounds |",
    ]
    if fast is not None:
        found = f"{len(fast['faults_found'])} of {len(fast['faults_expected'])}"
        lines.append(
            f"| validate | {fast['seconds']} | {fast['peak_mb']} | `kg.validate.compiled` over the whole "
            "store, "
            f"all {fast['documents']} documents, {fast['checks']} checks: {fast['violations']} violations, "
            f"{fast['warnings']} warnings; with {fast['faults_added']} known faults added it finds {found} "
            f"({fast['fault_run_seconds']} s, not counted) |"
        )
    dump = b["dump"]
    lines.append(
        f"| dump | {dump['seconds']} | {dump['peak_mb']} | "
        f"N-Quads ({dump['nquads_mb']} MB) + TriG ({dump['trig_mb']} MB) |"
    )
    if ref is not None:
        lines.append(_pyshacl_row(ref))
    total = b["total_seconds"]
    all_pyshacl = pyshacl_all_seconds(ref)
    extrapolated = " (extrapolated)" if ref and ref.get("extrapolated") else ""
    lines.append("")
    if fast is not None:
        peak = max(b[s]["peak_mb"] for s in ("ingest", "reason", "validate", "dump"))
        text = (
            f"The national build takes **{total:.1f} s** with `kg.validate.compiled` on every document (peak "
            f"**{peak} MB**)."
        )
        if all_pyshacl is not None:
            text += (
                f" pySHACL, the reference, would take about **{all_pyshacl:.0f} s** for every document"
                f"{extrapolated}: it is measured on a sample and not part of the build."
            )
        lines.append(text + " Target: 180 s and 4 GB.")
        if fast.get("slowest"):
            slowest = ", ".join(f"{name} {sec} s" for sec, name in fast["slowest"])
            lines += [
                "",
                f"Where validation time goes: {fast['checks']} SPARQL checks, two at a time; the slowest "
                f"were {slowest}. Each check is one pass over what it selects, so the stage grows with the "
                "data.",
            ]
        return lines
    without = total - (ref or {}).get("wall_seconds", 0)
    peak_without = max(b["ingest"]["peak_mb"], b["reason"]["peak_mb"])
    full = without + (all_pyshacl or 0)
    lines.append(
        f"Without validation the national build takes **{without:.1f} s** (peak **{peak_without} MB**); "
        f"with pySHACL on every document{extrapolated} **{full:.0f} s**. Target: 180 s and 4 GB."
    )
    return lines


def section_reasoning(results: dict[str, Any]) -> list[str]:
    b = results["build"]
    lines = [
        "",
        "## Reasoning: owlrl (the reference) and the fast materialiser",
        "",
        "| municipalities | triples in | owlrl s | fast s | owlrl ÷ fast | same result |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    samples = results["owlrl"]
    for row in samples:
        speedup = row["owlrl_s"] / max(row["fast_s"], 1e-6)
        same = "yes" if row["equal"] else "**NO**"
        lines.append(
            f"| {row['municipalities']} | {row['triples']:,} | {row['owlrl_s']} | {row['fast_s']} | "
            f"{speedup:.0f}× | {same} |"
        )
    lines.append(
        f"| {results['municipalities']} | {b['ingest']['quads']:,} | not run | {b['reason']['seconds']} | | |"
    )
    if len(samples) >= 2 and samples[0]["owlrl_s"] > 0:
        a, z = samples[0], samples[-1]
        exponent = math.log(z["owlrl_s"] / a["owlrl_s"]) / math.log(z["triples"] / a["triples"])
        estimate = z["owlrl_s"] * (b["ingest"]["quads"] / z["triples"]) ** max(exponent, 1.0)
        lines += [
            "",
            f"owlrl grows like n^{exponent:.2f} on these samples; at full size that is about "
            f"**{estimate / 3600:.1f} h** (on an rdflib graph of that size), so it runs on samples only.",
        ]
    return lines


def section_real_build(results: dict[str, Any]) -> list[str]:
    rb = results.get("real_build", {"error": "not run (--small)"})
    lines = ["", "## The real four-municipality build", ""]
    if "error" in rb:
        last = rb["error"].strip().splitlines()[-1][:300]
        lines.append(f"`kg.build.build` was not measured in this run: `{last}`")
        return lines
    stages = ", ".join(f"{k} {val}" for k, val in rb["stages"].items())
    lines.append(
        f"`kg.build.build` with its default reasoner (ingest, reasoning, SHACL, write) in a fresh process: "
        f"**{rb['total_s']} s** "
        f"({rb['triples']:,} triples, {rb['documents']} document graphs, peak {rb['peak_mb']} MB); stages: "
        f"{stages}. The fast materialiser alone takes {rb['fast_reason_s']} s on this input (owlrl: see the "
        "samples above). Target: 10 s."
    )
    return lines


def section_serving(results: dict[str, Any], serving: Serving, title: str) -> list[str]:
    startup = ", ".join(f"{k} {val} s" for k, val in serving.startup_s.items())
    lines = [
        "",
        f"## {title}",
        "",
        f"{serving.quads:,} quads. Each named query with its example parameters, first page as the API "
        f"serves it (LIMIT 1001); one warm-up, then up to {results['reps']} runs (rdflib-endpoint: fewer, "
        f"timeout {results['rdflib_timeout']:g} s). Server startup: {startup}.",
        "",
    ]
    columns = ["embedded", "our HTTP API", "oxigraph serve", "rdflib-endpoint"]
    lines += latency_table(serving, columns)
    api, oxi, rdf = (
        serving.latency.get(n, {}) for n in ("our HTTP API", "oxigraph serve", "rdflib-endpoint")
    )
    g1 = geo_mean([r for c in serving.cases if (r := ratio(api.get(c), oxi.get(c)))])
    if g1:
        lines += ["", f"Geometric mean of our API ÷ raw oxigraph serve: **{g1:.2f}×** (target ≤ 1.5×)."]
    if rdf:
        g2 = geo_mean([r for c in serving.cases if (r := ratio(rdf.get(c), api.get(c)))])
        failed = [c for c in serving.cases if rdf.get(c) and rdf[c].error]
        text = f"Geometric mean of rdflib-endpoint ÷ our API: **{g2:.0f}×** (target ≥ 10×)" if g2 else ""
        if failed:
            shown = ", ".join(f"`{t}`" for t in failed)
            text += (
                f"; rdflib-endpoint failed or timed out on {len(failed)} queries ({shown}), not in this mean"
            )
        lines.append(text + ".")
    mismatches = row_mismatches(serving)
    if mismatches:
        lines += ["", "Row counts that differ between backends: " + "; ".join(mismatches)]
    if serving.load:
        clients = next(iter(serving.load.values())).clients
        lines += [
            "",
            f"Throughput: {clients} concurrent clients, at most {results['load_seconds']:g} s or "
            f"{results['load_max']} requests, cycling through the queries that answered within the timeout:",
            "",
            "| backend | requests | errors | timeouts | requests/s | median ms | p95 ms | peak memory MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, load in serving.load.items():
            lines.append(
                f"| {name} | {load.requests} | {load.errors} | {load.timeouts} | {load.throughput} | "
                f"{load.median_ms} | {load.p95_ms} | {serving.memory_mb.get(name, '—')} |"
            )
        if "embedded" in serving.memory_mb:
            lines.append(f"\nThe embedded store's process peaked at {serving.memory_mb['embedded']} MB.")
    lines += [f"- {note}" for note in serving.notes]
    return lines


def geo_ratio(serving: Serving, a: str, b: str) -> float | None:
    """Geometric mean over the queries both answered of latency(a) ÷ latency(b)."""
    la, lb = serving.latency.get(a, {}), serving.latency.get(b, {})
    return geo_mean([r for c in serving.cases if (r := ratio(la.get(c), lb.get(c)))])


def section_summary(results: dict[str, Any]) -> list[str]:
    """The targets of issue 5, against this run's figures."""
    b = results["build"]
    fast, ref = validation_stages(b)
    lines = ["", "## Against the targets", "", "| target | this run |", "|---|---|"]
    for key in ("national_serving", "subset_serving"):
        serving: Serving | None = results.get(key)
        if serving is None:
            continue
        api = geo_ratio(serving, "our HTTP API", "oxigraph serve")
        if api:
            lines.append(
                f"| API within 1.5× of raw oxigraph serve ({serving.label}, geometric mean) | {api:.2f}× |"
            )
        rdf = geo_ratio(serving, "rdflib-endpoint", "our HTTP API")
        if rdf:
            target = f"API ≥ 10× faster than rdflib-endpoint ({serving.label}; its timeouts left out)"
            lines.append(f"| {target} | {rdf:.0f}× |")
    extrapolated = " (extrapolated)" if ref and ref.get("extrapolated") else ""
    all_pyshacl = pyshacl_all_seconds(ref)
    if fast is not None:
        peak = max(b[s]["peak_mb"] for s in ("ingest", "reason", "validate", "dump"))
        shown = f"{b['total_seconds']:.0f} s and {peak} MB with `kg.validate.compiled` on every document"
        if all_pyshacl is not None:
            shown += f"; pySHACL would add about {all_pyshacl:.0f} s{extrapolated}"
    else:
        without = b["total_seconds"] - (ref or {}).get("wall_seconds", 0)
        peak = max(b["ingest"]["peak_mb"], b["reason"]["peak_mb"])
        shown = f"{without:.0f} s and {peak} MB without validation"
        if all_pyshacl is not None:
            shown += f"; about {without + all_pyshacl:.0f} s with pySHACL on every document{extrapolated}"
    lines.append(f"| national build within 180 s and 4 GB | {shown} |")
    rb = results.get("real_build")
    if rb and "total_s" in rb:
        lines.append(f"| real four-municipality build within 10 s | {rb['total_s']} s |")
    return lines


def write_report(path: Path, results: dict[str, Any]) -> None:
    lines = (
        section_header(results) + section_summary(results) + section_data(results) + section_build(results)
    )
    lines += section_reasoning(results) + section_real_build(results)
    for key, title in (
        ("national_serving", "Query latency on the national graph"),
        ("subset_serving", "Query latency on the subset, with rdflib-endpoint"),
    ):
        if results.get(key) is not None:
            lines += section_serving(results, results[key], title)
    lines += SHACL_ENGINES
    lines += ["", "## Notes", ""] + [f"- {n}" for n in results.get("notes", [])]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


#: the pyrudof spike of issue 17: measured once by hand (docs/shacl-conformance.md), kept in the report
SHACL_ENGINES = [
    "",
    "## SHACL engines (issue 17 spike, measured separately)",
    "",
    "Not regenerated by this script: the Rust validator `pyrudof` 0.3.35 was measured once against the",
    "compiled validator on the same synthetic generator (validation only, loading not counted;",
    "docs/shacl-conformance.md).",
    "",
    "| municipalities | quads | compiled (s) | pyrudof (s) | pyrudof peak memory |",
    "|---:|---:|---:|---:|---:|",
    "| 50 | 100,923 | 0.57 | 2.50 | 1.1 GB |",
    "| 200 | 364,123 | 2.6 | 17.8 | 4.2 GB |",
    "| 1741 | 3,092,423 | 23.0 | killed after 2 min of loading at 21.5 GB resident | |",
    "",
    "W3C SHACL Core suite: compiled 98/98, pyrudof 98/98, pySHACL 97/98. pyrudof is not adopted: it ties on",
    "the suite but is 4–7× slower at 50–200 municipalities and cannot hold the national graph here.",
]


# ---------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------


NOTES = [
    "Servers, all in memory: our API as `keikaku serve` runs it (`bench/serve_api.py`: `create_app` under"
    " uvicorn, the embedded store loaded from `dataset.nq`, one query worker process per core, each with "
    "its own snapshot); `oxigraph serve --union-default-graph` filled with `keikaku load`; the embedded "
    "store (`kg.stores.OxigraphStore`) in a child process; rdflib-endpoint (an rdflib in-memory Dataset). "
    "The API and oxigraph serve evaluate with the same engine (Oxigraph 0.5) on the same kind of storage.",
    "`embedded` is `OxigraphStore.query_serialized` as the server's query workers call it: parameters "
    "bound as one-row VALUES blocks in every group that uses them (`kg.queries.binding`, as for remote "
    "stores — "
    "not pyoxigraph `substitutions`, which leave BOUND(?param) false, do not reach sub-queries and "
    "sometimes get a far worse plan). What the API and the SPARQL servers evaluate is the same first-page"
    " query text. A query that takes long is run fewer times (at least 3) so that each query and backend "
    "costs about 30 s; one past the timeout is stopped and reported as a timeout. Under load, only the "
    "queries that answered within the timeout alone are sent.",
    "The API reads the query registry once, when the app is created (`load_registry()` parses every "
    "`.rq` and its YAML, about 30 ms).",
    "The named queries are written for pyoxigraph 0.5's join order, which joins a group block by block: "
    "triple patterns after a BIND, or after OPTIONALs, or a UNION whose branches BIND, are evaluated on "
    "their own and then joined — a scan of the whole store at national size — and a FILTER on a parameter"
    " that no triple pattern uses runs only after the joins. So in queries/: mandatory triple patterns "
    "first, then OPTIONALs, then BIND and FILTER at the end of each group; a FILTER on a parameter in a "
    "small group of its own with the patterns it selects; the latest observation by a grouped MAX, not "
    "FILTER NOT EXISTS.",
    "The build validates with `kg.validate.compiled` over the whole store (bench/national.py). pySHACL, the "
    "reference, runs per document graph through `kg.validate.validate_per_graph` (which forks one "
    "process per core); unless `--validate-all`, a deterministic sample of documents is validated in the "
    "full national context and the time for all documents is extrapolated from the measured time per "
    "document. Links from sampled documents to documents outside the sample miss their target’s type, so "
    "a sample can report a few `sh:class` violations that a full run would not.",
    "Where pySHACL's time goes (the reference, not the build): every document run receives the shared "
    "graphs whole — including "
    "`graph/municipalities`, so each run also validates every municipality of the country and drops those"
    " results. The time per document therefore grows with the country (about 0.8 s with a few "
    "municipalities, several seconds with 1,741): national validation is quadratic. Giving each run only "
    "the shared resources its document refers to, validating the shared graphs once, and caching each "
    "document’s result by the hash of its graph, its inferred triples and the shapes would make a rebuild"
    " after a change cost seconds; a cold validation of every document still costs pySHACL’s ~0.5–1 s per"
    " document.",
]


def _jsonable(value: object) -> object:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def load_results(path: Path) -> dict[str, Any]:
    """A saved run (`bench/out/results-N.json`) with its serving figures as dataclasses again, so that
    the report can be written anew without measuring again (e.g. after a change of the report's text)."""
    results = json.loads(path.read_text(encoding="utf-8"))
    for key in ("national_serving", "subset_serving"):
        raw = results.get(key)
        if raw is None:
            continue
        serving = Serving(**{k: v for k, v in raw.items() if k not in ("latency", "load")})
        serving.latency = {
            backend: {label: Latency(**row) for label, row in rows.items()}
            for backend, rows in raw.get("latency", {}).items()
        }
        serving.load = {backend: Load(**row) for backend, row in raw.get("load", {}).items()}
        results[key] = serving
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--small", action="store_true", help="10 municipalities, a smoke run of about a minute and a half"
    )
    parser.add_argument("--municipalities", "-n", type=int, default=None)
    parser.add_argument("--subset", type=int, default=None, help="municipalities served by rdflib-endpoint")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--validate-sample", type=int, default=None)
    parser.add_argument("--validate-all", action="store_true")
    parser.add_argument("--no-rdflib-endpoint", action="store_true")
    parser.add_argument("--rdflib-timeout", type=float, default=30.0)
    parser.add_argument("--load-seconds", type=float, default=None)
    parser.add_argument("--load-clients", type=int, default=8)
    parser.add_argument("--load-max", type=int, default=2000)
    parser.add_argument("--owlrl-samples", default=None, help="comma-separated municipality counts")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--real-build", action="store_true", help="time the real build also with --small")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before a query is stopped")
    parser.add_argument(
        "--report-from", type=Path, default=None, help="write the report of a saved results-N.json only"
    )
    args = parser.parse_args(argv)
    if args.report_from is not None:
        out = args.out or DOCS
        results = load_results(args.report_from)
        results["notes"] = list(NOTES)  # the method as the code now describes it
        write_report(out, results)
        print(f"wrote {out} from {args.report_from}", flush=True)
        return 0
    small = args.small
    n = args.municipalities or (10 if small else generate.NATIONAL)
    subset = args.subset or (10 if small else 50)
    reps = args.reps or (3 if small else 15)
    sample = args.validate_sample if args.validate_sample is not None else (1 if small else 16)
    load_seconds = args.load_seconds or (1.0 if small else 20.0)
    owlrl_sizes = [int(x) for x in (args.owlrl_samples or ("1" if small else "5,10,20")).split(",")]
    out = args.out or (generate.OUT / "benchmarks-small.md" if small else DOCS)
    workers = os.cpu_count() or 2
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="keikaku-bench-"))
    rdflib_timeout = min(args.rdflib_timeout, 3.0) if small else args.rdflib_timeout
    results: dict[str, Any] = {
        "small": small, "municipalities": n, "subset": subset, "reps": reps, "machine": machine(),
        "versions": versions(), "date": time.strftime("%Y-%m-%d %H:%M"), "rdflib_timeout": rdflib_timeout,
        "load_seconds": load_seconds, "load_max": args.load_max, "notes": list(NOTES),
    }  # fmt: skip
    try:
        print(f"generating {n} and {subset} municipalities", flush=True)
        data = generate.ensure(n)
        subset_data = generate.ensure(subset)
        print("national build", flush=True)
        results["build"] = national_build(data, work / "national", sample, args.validate_all, workers)
        print("owlrl samples", flush=True)
        results["owlrl"] = owlrl_samples(owlrl_sizes, generate.OUT)
        if not small or args.real_build:
            print("real build", flush=True)
            results["real_build"] = real_build(work / "real")
        cases = catalogue(f"{generate.slugs(1)[0]}/plan-2030")
        timeout = args.timeout or (10.0 if small else 60.0)
        budget = 1.0 if small else 30.0
        print("serving the national graph", flush=True)
        same_data = subset >= n  # small runs: rdflib-endpoint serves the same (small) graph
        results["national_serving"] = serve_and_measure(
            f"{n} municipalities", work / "national", cases, reps, timeout, args.load_clients,
            load_seconds, args.load_max, with_rdflib=same_data and not args.no_rdflib_endpoint,
            rdflib_timeout=rdflib_timeout, budget=budget,
        )  # fmt: skip
        if not args.no_rdflib_endpoint and not same_data:
            print("serving the subset", flush=True)
            national_build(subset_data, work / "subset", 0, False, workers)
            results["subset_serving"] = serve_and_measure(
                f"{subset} municipalities", work / "subset", cases, reps, timeout, args.load_clients,
                min(load_seconds, 10.0), min(args.load_max, 300), with_rdflib=True,
                rdflib_timeout=rdflib_timeout, budget=budget,
            )  # fmt: skip
        results["run_seconds"] = time.perf_counter() - started
        write_report(out, results)
        dump = generate.OUT / f"results-{n}.json"
        dump.write_text(
            json.dumps(results, default=_jsonable, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(f"wrote {out}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
