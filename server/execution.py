"""Query execution with a timeout that really stops evaluation, and a row cap: the one door every
SPARQL query of the service goes through (/sparql, the graph store, /api/queries).

Why worker processes
--------------------
pyoxigraph cannot cancel a running query: its Python `Store.query` has no timeout or cancellation
parameter (oxigraph issue #1926 asks for one; the Rust-level timeout is not exposed), and a Python thread
cannot be killed. A timeout that only stops *waiting* would leave the evaluation burning a core. So
queries run in a small pool of worker processes. Each worker holds its own read-only snapshot of the
store (an N-Quads dump of the embedded store loaded into memory, or the on-disk store opened with
`pyoxigraph.Store.read_only`). When a query overruns its budget the worker is killed with SIGKILL — its
CPU and memory are released at once — the client gets 503, and a fresh worker is started in the
background. A worker that dies for another reason (e.g. the memory limit `worker_memory_mb`) is
replaced the same way.

Workers die with the server. The lifespan shutdown closes the pool (SIGKILL to every worker); a server
that is itself killed (SIGKILL, the OOM killer, a crash) cannot do that, and a worker busy with a long
query would only notice at its next message — minutes later, or never for a runaway query. So each
worker asks the kernel to SIGKILL it when the server goes (Linux `prctl(PR_SET_PDEATHSIG)`), and also
watches the server's pid from a thread (every OS; pyoxigraph releases the GIL while it evaluates).
`PR_SET_PDEATHSIG` fires when the *thread* that started the worker ends, so every worker is started
from one long-lived spawner thread of the pool, never from a request's or a loader's thread.

Writes (SPARQL Update, graph-store PUT/POST/DELETE) run on the server's own store; afterwards the caller
calls `invalidate()`, a new snapshot is written, and every worker reloads it before it takes another
query, so a client reads its own writes.

Stores that are not an embedded `OxigraphStore` (a remote SPARQL endpoint) are queried in-thread by
`InlineExecutor`: the remote server evaluates, and the HTTP client's timeout bounds the wait.

Row cap
-------
A SELECT with more solutions than `max_rows` (or a CONSTRUCT/DESCRIBE with more triples) is refused
with `ResultTooLarge` (HTTP 400, "add LIMIT"), never silently truncated: a SPARQL client cannot see a
truncation flag, and a partial answer mistaken for a complete one is worse than an error.

Using it (from a plain `def` handler — `execute` blocks, so never call it on the event loop)::

    from server.execution import execute
    outcome = execute(request.app.state, "SELECT ?s WHERE { ?s ?p ?o }", {"p": URIRef(...)}, "csv")
    return Response(outcome.body, media_type=outcome.content_type)

`outcome.kind` is "select", "ask" or "graph"; `outcome.rows` the number of solutions/triples when known
exactly. Errors are `kg.errors` exceptions (`QuerySyntaxError`, `QueryRefused`, `QueryTimeout`,
`ResultTooLarge`, `StoreError`) which `server/errors.py` maps to HTTP.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from kg import errors as e
from kg.store import RDF_MEDIA_TYPES, RESULT_MEDIA_TYPES, OxigraphStore, Store, refuse_service
from server.conneg import content_type

log = logging.getLogger("keikaku.server.execution")

# --------------------------------------------------------------------------------------------------
# A minimal SPARQL lexer: enough to find keywords outside strings, IRIs and comments.
# --------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\s{}()<>"'.,;]+)
  | (?P<pname>(?:[A-Za-z_][\w.\-]*)?:[^\s{}()<>"',;]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>\S)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """One lexical token: `kind` is a group name of `_TOKEN`; `depth` the `{}` nesting before it."""

    kind: str
    text: str
    start: int
    depth: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokenize(sparql: str) -> Iterator[Token]:
    """Tokens of a query or update, comments dropped, each with its brace depth.

    >>> [t.text for t in tokenize('SELECT * { ?s <x#y> "}" } # WHERE')]
    ['SELECT', '*', '{', '?s', '<x#y>', '"}"', '}']
    """
    depth = 0
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup or "other"
        if kind == "comment":
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        yield Token(kind, m.group(), m.start(), depth)
        if kind == "open":
            depth += 1


@lru_cache(maxsize=512)
def query_form(sparql: str) -> str | None:
    """The query form (select, ask, construct, describe), read after the prologue; None if unrecognisable.

    Used to choose the result media type *before* evaluating (so 406 costs nothing).

    >>> query_form("PREFIX ex: <http://ex/> # comment\\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'construct'
    """
    tokens = tokenize(sparql)
    for tok in tokens:
        if tok.is_word("BASE"):
            next(tokens, None)
            continue
        if tok.is_word("PREFIX"):
            next(tokens, None)
            next(tokens, None)
            continue
        if tok.is_word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return tok.text.lower()
        return None
    return None


_ERROR_AT = re.compile(r"^error at 1:(\d+)")


def with_base(sparql: str, base_iri: str | None) -> str:
    """Prefix a BASE declaration so relative IRIs resolve against the endpoint (SPARQL Protocol §2.1.4:
    the service's base IRI "MAY be the service endpoint"). A BASE in the text itself still wins."""
    if not base_iri:
        return sparql
    return f"BASE <{ox.NamedNode(base_iri).value}> {sparql}"


def fix_error_position(message: str, sparql: str, base_iri: str | None) -> str:
    """Undo the column shift that `with_base` causes in a parser message on line 1."""
    if not base_iri:
        return message
    shift = len(with_base("", base_iri))
    m = _ERROR_AT.match(message)
    if not m:
        return message
    column = max(int(m.group(1)) - shift, 1)
    return f"error at 1:{column}" + message[m.end() :]


# --------------------------------------------------------------------------------------------------
# Jobs, outcomes and the evaluation itself (the same code runs in a worker and inline)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryJob:
    """Everything a worker needs to answer one query (picklable)."""

    sparql: str
    result_format: str = "json"  # key of kg.store.RESULT_MEDIA_TYPES, used for SELECT/ASK
    graph_format: str = "turtle"  # key of kg.store.RDF_MEDIA_TYPES, used for CONSTRUCT/DESCRIBE
    bindings: Mapping[str, Node] | None = None
    default_graph_uris: Sequence[str] | None = None
    named_graph_uris: Sequence[str] | None = None
    max_rows: int | None = None
    base_iri: str | None = None


@dataclass
class QueryOutcome:
    """A serialised answer."""

    body: bytes
    media_type: str
    kind: str  # "select" | "ask" | "graph"
    rows: int | None = None  # solutions or triples, when counted exactly
    seconds: float = 0.0

    @property
    def content_type(self) -> str:
        """The Content-Type header value (charset added for text types)."""
        return content_type(self.media_type)


def _too_large(cap: int) -> e.ResultTooLarge:
    return e.ResultTooLarge(
        f"the result has more than {cap} rows; add LIMIT or narrow the query / "
        f"結果が上限の {cap} 行を超えました。LIMIT を付けるか条件を絞ってください"
    )


def count_solutions(body: bytes, result_format: str, cap: int | None) -> int | None:
    """Count the solutions in a serialised SELECT result, raising `ResultTooLarge` above `cap`.

    Cheap where the format allows an exact count from bytes (TSV lines, XML `<result>` tags: `<` is
    always escaped inside values); for JSON and CSV a byte-level upper bound is exact enough to accept,
    and only a result whose bound exceeds the cap is parsed to decide. Returns the exact count or None.
    """
    if result_format == "tsv":
        rows = max(body.count(b"\n") - 1, 0)
    elif result_format == "xml":
        rows = body.count(b"<result>")
    elif result_format == "csv":
        bound = max(body.count(b"\r\n") - 1, 0)
        if cap is None or bound <= cap:
            return None
        import csv
        import io

        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    else:  # json
        bound = body.count(b"},{") + 1
        if cap is None or bound <= cap:
            return None
        import json

        rows = len(json.loads(body)["results"]["bindings"])
    if cap is not None and rows > cap:
        raise _too_large(cap)
    return rows


def evaluate(store: Store, job: QueryJob) -> QueryOutcome:
    """Evaluate one job on a store and serialise the answer with pyoxigraph (`Store.query_serialized`).

    Graph results are produced as N-Triples first — one triple per line, so the cap is an exact line
    count — and converted to the requested syntax by pyoxigraph only when it differs.
    """
    started = time.perf_counter()
    form = query_form(job.sparql)
    graph_like = form in ("construct", "describe")
    sparql = with_base(job.sparql, job.base_iri)
    kwargs: dict[str, Any] = {
        "default_graph_uris": job.default_graph_uris,
        "named_graph_uris": job.named_graph_uris,
    }
    try:
        try:
            fmt = "ntriples" if graph_like else job.result_format
            body, media, kind = store.query_serialized(sparql, fmt, job.bindings, **kwargs)
        except KeyError:  # the lexer misjudged the form; the parser knows better — use the other family
            fmt = job.result_format if graph_like else "ntriples"
            body, media, kind = store.query_serialized(sparql, fmt, job.bindings, **kwargs)
    except e.QuerySyntaxError as exc:
        raise e.QuerySyntaxError(fix_error_position(str(exc), job.sparql, job.base_iri)) from None
    rows: int | None
    if kind == "graph":
        rows = body.count(b"\n")
        if job.max_rows is not None and rows > job.max_rows:
            raise _too_large(job.max_rows)
        if job.graph_format != "ntriples":
            media = RDF_MEDIA_TYPES[job.graph_format]
            triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media))
    elif kind == "select":
        rows = count_solutions(body, job.result_format, job.max_rows)
    else:
        rows = None
    return QueryOutcome(body, media, kind, rows, time.perf_counter() - started)


# --------------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------------


class Executor(ABC):
    """Runs jobs within a time budget. `generation` counts store changes (for caches keyed on it)."""

    generation: int = 0

    @abstractmethod
    def run(self, job: QueryJob, timeout_s: float) -> QueryOutcome:
        """Answer the job or raise a `kg.errors` exception; never run longer than about `timeout_s`."""

    def start(self, wait: bool = False) -> None:  # noqa: B027 - optional hook
        """Prepare workers (idempotent). With `wait`, block until they can take queries."""

    def invalidate(self) -> None:
        """The store was written: later queries must see the new state."""
        self.generation += 1

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop workers and remove temporary files."""


class InlineExecutor(Executor):
    """Evaluates in the calling thread: for remote stores (whose own timeout bounds the wait) and for
    tests that swap the store. It cannot stop an embedded evaluation — never the public default."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def run(self, job: QueryJob, timeout_s: float) -> QueryOutcome:
        return evaluate(self.store, job)


@dataclass(frozen=True)
class Snapshot:
    """What a worker loads: an N-Quads dump, or an on-disk store it may open read-only."""

    generation: int
    kind: str  # "nquads" | "oxigraph-ro"
    path: str


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _open_snapshot(snapshot: Snapshot) -> OxigraphStore:
    if snapshot.kind == "oxigraph-ro":
        return OxigraphStore(Path(snapshot.path), read_only=True)
    store = OxigraphStore()
    store.load_file(Path(snapshot.path))
    return store


# Workers are fresh interpreters (never a fork of the threaded server, and unlike multiprocessing's
# "spawn" they do not re-import the parent's __main__), talking over an inherited socket.
_WORKER_BOOT = (
    "import sys; from multiprocessing.connection import Connection; "
    "from server.execution import _worker_main; "
    "_worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))"
)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PARENT_POLL_S = 0.5


def _kill_me_with_parent() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent thread ends; False elsewhere or
    when the C library cannot be reached (the pid watchdog still covers it)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Exit at once when the server is gone: our parent pid changes when it dies (we are re-parented)."""
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)  # no clean-up to do: the store is in memory or opened read-only


def _die_with_parent(parent_pid: int) -> None:
    """Make sure this worker never outlives the server that started it (see the module docstring)."""
    _kill_me_with_parent()
    if os.getppid() != parent_pid:  # the server died before we could ask: nobody is left to serve
        os._exit(1)
    watchdog = threading.Thread(target=_watch_parent, args=(parent_pid,), name="keikaku-parent-watch")
    watchdog.daemon = True
    watchdog.start()


def _worker_main(conn: Connection, memory_mb: int, parent_pid: int | None = None) -> None:
    """Loop of a worker process: load snapshots, answer queries, until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    _limit_memory(memory_mb)
    store: OxigraphStore | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        op = message[0]
        if op == "stop":
            return
        if op == "load":
            snapshot: Snapshot = message[1]
            try:
                store = _open_snapshot(snapshot)
            except Exception as exc:  # report, the parent decides
                conn.send(("failed", f"{type(exc).__name__}: {exc}"))
                continue
            conn.send(("ready", snapshot.generation))
        elif op == "query":
            try:
                if store is None:
                    raise e.StoreError("query worker has no data loaded")
                conn.send(("ok", evaluate(store, message[1])))
            except e.KgError as exc:
                conn.send(("error", type(exc).__name__, str(exc)))
            except Exception as exc:
                conn.send(("internal", f"{type(exc).__name__}: {exc}"))


_ERROR_TYPES: dict[str, type[e.KgError]] = {
    cls.__name__: cls
    for cls in (
        e.QuerySyntaxError,
        e.QueryRefused,
        e.QueryParamError,
        e.QueryTimeout,
        e.ResultTooLarge,
        e.StoreError,
    )
}


class WorkerCrashed(RuntimeError):
    """A worker failed in a way that is not the client's fault (logged; the client sees a generic 500)."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    generation: int = -1
    ready: bool = False  # has loaded a snapshot at least once

    @property
    def pid(self) -> int | None:
        return self.process.pid


@dataclass(eq=False)
class _PoolState:
    idle: list[_Worker] = field(default_factory=list)
    live: set[_Worker] = field(default_factory=set)
    tmpdir: Path | None = None  # where the snapshots are written


def _stop_all(state: _PoolState) -> None:
    """Kill every worker of a pool and remove its snapshots (on close, when the pool is
    garbage-collected, or at interpreter exit)."""
    workers = list(state.live)
    state.live.clear()
    state.idle.clear()
    for w in workers:
        WorkerPool._stop_process(w)
    if state.tmpdir is not None:
        shutil.rmtree(state.tmpdir, ignore_errors=True)
        state.tmpdir = None


class WorkerPool(Executor):
    """A pool of worker processes over snapshots of an embedded `OxigraphStore` (see module doc)."""

    def __init__(
        self,
        store: OxigraphStore,
        size: int = 2,
        *,
        memory_mb: int = 0,
        queue_timeout_s: float = 30.0,
        startup_timeout_s: float = 120.0,
    ) -> None:
        self.store = store
        self.size = max(size, 1)
        self.memory_mb = memory_mb
        self.queue_timeout_s = queue_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self.killed_pids: list[int] = []  # workers stopped for overrunning (for tests and monitoring)
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._state = _PoolState()
        self._snapshot: Snapshot | None = None
        self._started = False
        self._closed = False
        self._failure: str | None = None
        self._start_failures = 0  # consecutive, reset by any successful load
        # every worker is started from this one thread, which lives as long as the pool: a worker's
        # PR_SET_PDEATHSIG fires when the thread that started it ends (see the module docstring)
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keikaku-worker-spawn")
        # an app dropped without its lifespan shutdown (tests, scripts) must not leave workers behind
        self._finalizer = weakref.finalize(self, _stop_all, self._state)

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self, wait: bool = False) -> None:
        with self._cond:
            if self._closed:
                raise e.StoreError("the query executor is closed")
            if not self._started:
                self._started = True
                self._snapshot = self._make_snapshot(self.generation)
                for _ in range(self.size):
                    self._spawn()
            if not wait:
                return
            deadline = time.monotonic() + self.startup_timeout_s
            while len(self._state.idle) < self.size and self._failure is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        _stop_all(self._state)
        self._spawner.shutdown(wait=False)

    def worker_pids(self, *, ready: bool = False) -> list[int]:
        """PIDs of the live workers — with `ready`, only those that have loaded data (for tests and
        monitoring)."""
        with self._cond:
            return [w.pid for w in self._state.live if w.pid is not None and (w.ready or not ready)]

    def invalidate(self) -> None:
        with self._write_lock:
            with self._cond:
                if not self._started or self._closed:
                    self.generation += 1
                    return
            snapshot = self._make_snapshot(self.generation + 1)
            with self._cond:
                self.generation = snapshot.generation
                self._snapshot = snapshot
                stale = [w for w in self._state.idle if w.generation != snapshot.generation]
                for w in stale:
                    self._state.idle.remove(w)
            for w in stale:
                self._reload_async(w)
            self._prune_snapshots(snapshot.generation)

    # ---- snapshots -------------------------------------------------------------------------------

    def _make_snapshot(self, generation: int) -> Snapshot:
        if not self.store.writable and self.store.path is not None:
            return Snapshot(generation, "oxigraph-ro", str(self.store.path))
        if self._state.tmpdir is None:
            self._state.tmpdir = Path(tempfile.mkdtemp(prefix="keikaku-snapshot-"))
        path = self._state.tmpdir / f"snapshot-{generation}.nq"
        try:
            self.store.native.dump(str(path), format=ox.RdfFormat.N_QUADS)
        except OSError as exc:
            raise e.StoreError(f"cannot write the query snapshot: {exc}") from exc
        return Snapshot(generation, "nquads", str(path))

    def _prune_snapshots(self, current: int) -> None:
        if self._state.tmpdir is None:
            return
        for old in self._state.tmpdir.glob("snapshot-*.nq"):
            with contextlib.suppress(ValueError, OSError):
                if int(old.stem.removeprefix("snapshot-")) < current - 2:
                    old.unlink()

    # ---- workers ---------------------------------------------------------------------------------

    def _spawn(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        try:
            process = self._spawner.submit(self._start_process, child_sock).result()
        except RuntimeError:  # the spawner was shut down: the pool is closing, no replacement needed
            parent_sock.close()
            return
        finally:
            child_sock.close()
        worker = _Worker(process, Connection(parent_sock.detach()))
        with self._cond:
            closed = self._closed
            if not closed:
                self._state.live.add(worker)
        if closed:  # close() ran while this one was starting: it did not see it, so stop it here
            self._stop_process(worker)
            return
        self._reload_async(worker)

    def _start_process(self, child_sock: socket.socket) -> subprocess.Popen[bytes]:
        """Start one worker interpreter (runs on the spawner thread only)."""
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)  # where `kg` and `server` live
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        args = [str(child_sock.fileno()), str(self.memory_mb), str(os.getpid())]
        return subprocess.Popen(
            [sys.executable, "-c", _WORKER_BOOT, *args],
            pass_fds=(child_sock.fileno(),),
            env=env,
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )

    def _reload_async(self, worker: _Worker) -> None:
        threading.Thread(target=self._reload, args=(worker,), name="keikaku-worker-load", daemon=True).start()

    def _reload(self, worker: _Worker) -> None:
        """Bring a worker to the current snapshot, then make it idle."""
        while True:
            with self._cond:
                if self._closed or worker not in self._state.live:
                    return
                snapshot = self._snapshot
            assert snapshot is not None
            try:
                worker.conn.send(("load", snapshot))
                if not worker.conn.poll(self.startup_timeout_s):
                    raise TimeoutError("worker did not load its snapshot in time")
                reply = worker.conn.recv()
            except (OSError, EOFError, TimeoutError) as exc:
                if not self._closed:  # a worker stopped by close() is not a failure
                    self._start_failed(worker, f"query worker failed to start: {exc}")
                return
            if reply[0] != "ready":
                self._start_failed(worker, f"query worker cannot load the store: {reply[1]}")
                return
            with self._cond:
                worker.generation = reply[1]
                worker.ready = True
                self._start_failures = 0
                if self._snapshot is not None and worker.generation == self._snapshot.generation:
                    if worker in self._state.live:
                        self._state.idle.append(worker)
                        self._failure = None
                        self._cond.notify_all()
                    return

    def _start_failed(self, worker: _Worker, failure: str) -> None:
        """Replace a worker that died or failed while loading — unless starts keep failing, which is
        a configuration problem (bad snapshot, broken environment): then stop trying and report it."""
        log.error("%s", failure)
        self._stop_process(worker)
        with self._cond:
            self._state.live.discard(worker)
            self._start_failures += 1
            give_up = self._start_failures > max(3, 2 * self.size)
            if give_up and not self._state.live:
                self._failure = failure
            self._cond.notify_all()
            closed = self._closed
        if not give_up and not closed:
            self._spawn()

    @staticmethod
    def _stop_process(worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            worker.process.kill()  # SIGKILL: pyoxigraph cannot be interrupted any other way
        with contextlib.suppress(Exception):
            worker.process.wait(5)  # reap it, so the PID and its memory are really gone
        with contextlib.suppress(Exception):
            worker.conn.close()

    def _kill_and_replace(self, worker: _Worker) -> None:
        """Stop an overrunning (or broken) worker now and start its replacement in the background."""
        self._stop_process(worker)
        with self._cond:
            self._state.live.discard(worker)
            if worker.pid is not None:
                self.killed_pids.append(worker.pid)
            closed = self._closed
        if not closed:
            self._spawn()

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.queue_timeout_s
        with self._cond:
            while True:
                if self._closed:
                    raise e.StoreError("the query executor is closed")
                for dead in [w for w in self._state.idle if w.process.poll() is not None]:
                    # died while idle (killed from outside, OOM killer): replace it now
                    self._state.idle.remove(dead)
                    self._state.live.discard(dead)
                    threading.Thread(target=self._spawn, daemon=True).start()
                if self._state.idle:
                    return self._state.idle.pop()
                if self._failure is not None and not self._state.live:
                    raise e.StoreError("the query service is unavailable / クエリ処理を開始できません")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise e.QueryTimeout(
                        "the server is busy: no query worker became free in time; try again later / "
                        "サーバーが混雑しています。しばらくしてから再度お試しください"
                    )
                self._cond.wait(remaining)

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            current = self._snapshot.generation if self._snapshot else worker.generation
            if worker.generation == current and not self._closed:
                self._state.idle.append(worker)
                self._cond.notify()
                return
        self._reload_async(worker)

    def run(self, job: QueryJob, timeout_s: float) -> QueryOutcome:
        self.start(wait=False)
        worker = self._acquire()
        try:
            worker.conn.send(("query", job))
            if not worker.conn.poll(timeout_s):
                self._kill_and_replace(worker)
                raise e.QueryTimeout(_timeout_message(timeout_s))
            reply = worker.conn.recv()
        except (EOFError, OSError):
            # the worker died under us: the memory limit, or a crash inside the engine
            self._kill_and_replace(worker)
            raise e.QueryTimeout(
                "the query was stopped: it exceeded the server's resource limits / "
                "クエリがサーバーの資源上限を超えたため中止しました"
            ) from None
        self._release(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "error":
            raise _ERROR_TYPES.get(reply[1], e.StoreError)(reply[2])
        raise WorkerCrashed(reply[1])


def _timeout_message(timeout_s: float) -> str:
    return (
        f"the query took longer than {timeout_s:g} s and was stopped / "
        f"クエリが制限時間 {timeout_s:g} 秒を超えたため中止しました"
    )


def make_executor(store: Store, settings: Any) -> Executor:
    """The executor the app uses for `store`: a worker pool for an embedded store (unless
    `settings.query_workers` is 0), inline evaluation otherwise."""
    workers = int(getattr(settings, "query_workers", 0))
    if isinstance(store, OxigraphStore) and workers > 0:
        return WorkerPool(
            store,
            workers,
            memory_mb=int(getattr(settings, "worker_memory_mb", 0)),
            queue_timeout_s=float(getattr(settings, "queue_timeout_s", 30.0)),
        )
    return InlineExecutor(store)


_UNSET: Any = object()


def run_query(
    executor: Executor,
    settings: Any,
    sparql: str,
    bindings: Mapping[str, Node] | None = None,
    result_format: str = "json",
    *,
    graph_format: str = "turtle",
    default_graph_uris: Sequence[str] | None = None,
    named_graph_uris: Sequence[str] | None = None,
    max_rows: int | None = _UNSET,
    timeout_s: float | None = None,
    base_iri: str | None = None,
) -> QueryOutcome:
    """Run one query through `executor` with the service's limits (`settings.query_timeout_s`,
    `settings.max_rows`; pass `max_rows=None` to lift the cap, e.g. for a whole-graph read)."""
    if result_format not in RESULT_MEDIA_TYPES:
        raise ValueError(f"unknown result format {result_format!r}")
    if graph_format not in RDF_MEDIA_TYPES:
        raise ValueError(f"unknown graph format {graph_format!r}")
    refuse_service(sparql)  # cheap, and spares a worker round trip
    job = QueryJob(
        sparql=sparql,
        result_format=result_format,
        graph_format=graph_format,
        bindings=dict(bindings) if bindings else None,
        default_graph_uris=list(default_graph_uris) if default_graph_uris is not None else None,
        named_graph_uris=list(named_graph_uris) if named_graph_uris is not None else None,
        max_rows=settings.max_rows if max_rows is _UNSET else max_rows,
        base_iri=base_iri,
    )
    return executor.run(job, timeout_s if timeout_s is not None else settings.query_timeout_s)


def execute(
    state: Any,
    sparql: str,
    bindings: Mapping[str, Node] | None = None,
    result_format: str = "json",
    **options: Any,
) -> QueryOutcome:
    """Run a query for a route handler: `state` is `request.app.state` (it holds `executor` and
    `settings`). Options are those of `run_query` (graph_format, default_graph_uris, max_rows …).

    >>> from types import SimpleNamespace
    >>> from server.settings import Settings
    >>> store = OxigraphStore()
    >>> store.update('INSERT DATA { GRAPH <http://g> { <http://a> <http://b> "c" } }')
    >>> state = SimpleNamespace(executor=InlineExecutor(store), settings=Settings())
    >>> execute(state, "SELECT ?o WHERE { ?s ?p ?o }", None, "csv").body
    b'o\\r\\nc\\r\\n'
    """
    return run_query(state.executor, state.settings, sparql, bindings, result_format, **options)
