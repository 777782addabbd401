"""A pool of worker processes that gives queries a timeout that really stops evaluation.

pyoxigraph cannot cancel a running query (no timeout or cancellation parameter; oxigraph issue #1926),
and a Python thread cannot be killed, so a timeout that only stopped *waiting* would leave the
evaluation burning a core. Each worker process holds its own read-only snapshot of the store (an
N-Quads dump of the embedded store loaded into memory, or the on-disk store opened read-only). A query
that overruns its budget gets its worker SIGKILLed — CPU and memory are released at once — the client
gets 503, and a replacement starts in the background; a worker that dies for another reason (the
memory limit, a crash) is replaced the same way, and its traceback, when it has one, goes to the log.

Workers die with the server: each asks the kernel to SIGKILL it when the server goes (Linux
`PR_SET_PDEATHSIG`, which fires when the *thread* that started the worker ends — so every worker is
started from one long-lived spawner thread) and also watches the server's pid from a thread. After a
write the caller calls `invalidate()`: a new snapshot is written and every worker reloads it before it
takes another query, so a client reads its own writes.

Why not `pebble.ProcessPool` (tried for issue 9): an idle worker killed from outside (the OOM killer)
breaks its whole pool for good, and its SIGTERM-first stop waits 3 s on a native evaluation.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import faulthandler
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import errors as e
from kg.stores import OxigraphStore
from server.execution.jobs import (
    SNAPSHOT_PREFIX,
    Executor,
    QueryJob,
    QueryOutcome,
    ServerBusy,
    current_client,
    diff_update,
    evaluate,
    remove_stale_snapshots,
)

log = logging.getLogger("keikaku.server.execution")


@dataclass(frozen=True)
class Snapshot:
    """What a worker loads: an N-Quads dump, or an on-disk store it may open read-only."""

    generation: int
    kind: str  # "nquads" | "oxigraph-ro"
    path: str


class WorkerCrashed(RuntimeError):
    """A worker failed in a way that is not the client's fault: the client sees a generic 500, the
    worker's traceback is in `worker_traceback` and in the log."""

    def __init__(self, summary: str, worker_traceback: str = "") -> None:
        super().__init__(summary)
        self.worker_traceback = worker_traceback


# ---- the worker side ---------------------------------------------------------------------------------

# Workers are fresh interpreters (never a fork of the threaded server, and unlike multiprocessing's
# "spawn" they do not re-import the parent's __main__), talking over an inherited socket.
_WORKER_BOOT = (
    "import sys; from multiprocessing.connection import Connection; "
    "from server.execution.pool import worker_main; "
    "worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))"
)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PARENT_POLL_S = 0.5


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


def _kill_me_with_parent() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent thread ends; False elsewhere or
    when the C library cannot be reached (the pid watchdog still covers it)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
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


def _failure() -> tuple[str, str]:
    """The exception being handled, as (one-line summary, full traceback) for the server's log."""
    kind, exc, _ = sys.exc_info()
    summary = f"{kind.__name__ if kind else 'Error'}: {exc}"
    return summary, traceback.format_exc()


def worker_main(conn: Connection, memory_mb: int, parent_pid: int | None = None) -> None:
    """Loop of a worker process: load snapshots, answer queries, until told to stop or orphaned.

    Replies are ("ready", generation), ("ok", outcome), ("error", kg error class name, message) for
    the client's errors, and ("failed" | "internal", summary, traceback) for ours.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    # a crash inside the engine (SIGSEGV, SIGABRT) has no exception to send: print the Python stack on
    # stderr, which is the server's (its log), so that death leaves a trace too
    faulthandler.enable()
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
            except Exception:  # any reason at all: reported with its traceback, the parent decides
                conn.send(("failed", *_failure()))
                continue
            conn.send(("ready", snapshot.generation))
        elif op == "update":  # on this worker's private copy: the parent applies the returned change
            try:
                if store is None:
                    raise e.StoreUnavailable("query worker has no data loaded")
                conn.send(("ok", diff_update(store, message[1], message[2])))
            except e.KgError as exc:
                conn.send(("error", type(exc).__name__, str(exc)))
            except Exception:
                conn.send(("internal", *_failure()))
            store = None  # changed: the parent reloads the current snapshot before the next job
        elif op == "query":
            try:
                if store is None:
                    raise e.StoreUnavailable("query worker has no data loaded")
                conn.send(("ok", evaluate(store, message[1])))
            except e.KgError as exc:
                conn.send(("error", type(exc).__name__, str(exc)))
            except Exception:  # a bug, not the client's fault: the parent logs it, the client gets 500
                conn.send(("internal", *_failure()))


_ERROR_TYPES: dict[str, type[e.KgError]] = {
    cls.__name__: cls
    for cls in (
        e.QuerySyntaxError,
        e.QueryRefused,
        e.QueryParamError,
        e.QueryTimeout,
        e.ResultTooLarge,
        e.StoreError,
        e.StoreUnavailable,
        e.UpstreamError,
    )
}


# ---- the server side ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    generation: int = -1
    ready: bool = False  # has loaded a snapshot at least once

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass(eq=False)
class _PoolState:
    idle: list[_Worker] = field(default_factory=list)
    live: set[_Worker] = field(default_factory=set)
    tmpdir: Path | None = None  # where the snapshots are written


def _stop_process(worker: _Worker) -> None:
    with contextlib.suppress(OSError):
        worker.process.kill()  # SIGKILL: pyoxigraph cannot be interrupted any other way
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        worker.process.wait(5)  # reap it, so the PID and its memory are really gone
    with contextlib.suppress(OSError):
        worker.conn.close()


def _stop_all(state: _PoolState) -> None:
    """Kill every worker of a pool and remove its snapshots (on close, when the pool is
    garbage-collected, or at interpreter exit)."""
    workers = list(state.live)
    state.live.clear()
    state.idle.clear()
    for w in workers:
        _stop_process(w)
    if state.tmpdir is not None:
        shutil.rmtree(state.tmpdir, ignore_errors=True)
        state.tmpdir = None


def _timeout_message(timeout_s: float) -> str:
    return (
        f"the query took longer than {timeout_s:g} s and was stopped / "
        f"クエリが制限時間 {timeout_s:g} 秒を超えたため中止しました"
    )


class WorkerPool(Executor):
    """A pool of worker processes over snapshots of an embedded `OxigraphStore` (see the module doc)."""

    def __init__(
        self,
        store: OxigraphStore,
        size: int = 2,
        *,
        memory_mb: int = 0,
        queue_timeout_s: float = 30.0,
        startup_timeout_s: float = 120.0,
        max_queue: int | None = None,
        client_limit: int | None = None,
    ) -> None:
        self.store = store
        self.size = max(size, 1)
        self.memory_mb = memory_mb
        self.queue_timeout_s = queue_timeout_s
        # admission (issue 10): at most `max_queue` requests wait for a worker, and one client holds
        # at most `client_limit` workers or places in the queue; beyond either, 503 at once
        self.max_queue = 4 * self.size if max_queue is None else max_queue
        self.client_limit = self.size if client_limit is None else client_limit
        self._waiting = 0
        self._per_client: dict[str, int] = {}
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
                raise e.StoreUnavailable("the query executor is closed")
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
            return [w.pid for w in self._state.live if w.ready or not ready]

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
            remove_stale_snapshots()
            self._state.tmpdir = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-"))
        path = self._state.tmpdir / f"snapshot-{generation}.nq"
        try:
            self.store.native.dump(str(path), format=ox.RdfFormat.N_QUADS)
        except OSError as exc:
            raise e.StoreUnavailable(f"cannot write the query snapshot: {exc}") from exc
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
            _stop_process(worker)
            return
        self._reload_async(worker)

    def _start_process(self, child_sock: socket.socket) -> subprocess.Popen[bytes]:
        """Start one worker interpreter (runs on the spawner thread only)."""
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # where `kg` and `server` live
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
                self._start_failed(worker, f"query worker cannot load the store: {reply[1]}", reply[2])
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

    def _start_failed(self, worker: _Worker, failure: str, worker_traceback: str = "") -> None:
        """Replace a worker that died or failed while loading — unless starts keep failing, which is
        a configuration problem (bad snapshot, broken environment): then stop trying and report it."""
        log.error("%s%s", failure, f"\nworker traceback:\n{worker_traceback}" if worker_traceback else "")
        _stop_process(worker)
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

    def _kill_and_replace(self, worker: _Worker) -> None:
        """Stop an overrunning (or broken) worker now and start its replacement in the background."""
        _stop_process(worker)
        with self._cond:
            self._state.live.discard(worker)
            self.killed_pids.append(worker.pid)
            closed = self._closed
        if not closed:
            self._spawn()

    def _admit(self, client: str | None) -> None:
        """Count the request in, or refuse it at once (the caller holds `_cond`)."""
        if client is not None and self._per_client.get(client, 0) >= self.client_limit:
            raise ServerBusy(
                f"too many concurrent queries from this client (limit {self.client_limit}) / "
                "同じクライアントからの同時クエリが多すぎます"
            )
        if not self._state.idle and self._waiting >= self.max_queue:
            raise ServerBusy(
                "the server is busy: the query queue is full; try again later / "
                "サーバーが混雑しています（待ち行列が満杯です）。しばらくしてから再度お試しください"
            )
        if client is not None:
            self._per_client[client] = self._per_client.get(client, 0) + 1

    def _leave(self, client: str | None) -> None:
        if client is None:
            return
        with self._cond:
            left = self._per_client.get(client, 1) - 1
            if left > 0:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.queue_timeout_s
        with self._cond:
            self._waiting += 1
            try:
                return self._acquire_locked(deadline)
            finally:
                self._waiting -= 1

    def _acquire_locked(self, deadline: float) -> _Worker:
        while True:
            if self._closed:
                raise e.StoreUnavailable("the query executor is closed")
            for dead in [w for w in self._state.idle if w.process.poll() is not None]:
                # died while idle (killed from outside, OOM killer): replace it now
                self._state.idle.remove(dead)
                self._state.live.discard(dead)
                threading.Thread(target=self._spawn, daemon=True).start()
            if self._state.idle:
                return self._state.idle.pop()
            if self._failure is not None and not self._state.live:
                raise e.StoreUnavailable("the query service is unavailable / クエリ処理を開始できません")
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
        outcome: QueryOutcome = self._job(("query", job), timeout_s, None)
        return outcome

    def run_update(
        self, text: str, base_iri: str | None, timeout_s: float, cancel: threading.Event | None = None
    ) -> str | None:
        """Evaluate an update on a worker's copy of the current snapshot and return its change as
        ground data (`jobs.diff_update`); the worker is killed when `timeout_s` passes, when `cancel`
        is set (the client left) or when the pool closes (shutdown) — the store is then untouched."""
        diff: str | None = self._job(("update", text, base_iri), timeout_s, cancel)
        return diff

    def _job(self, message: tuple[object, ...], timeout_s: float, cancel: threading.Event | None) -> Any:
        self.start(wait=False)
        client = current_client.get()
        with self._cond:
            self._admit(client)
        try:
            return self._job_on_worker(message, timeout_s, cancel)
        finally:
            self._leave(client)

    def _job_on_worker(
        self, message: tuple[object, ...], timeout_s: float, cancel: threading.Event | None
    ) -> Any:
        worker = self._acquire()
        try:
            worker.conn.send(message)
            deadline = time.monotonic() + timeout_s
            # wait in short steps, so that a client that left or a closing pool stops the job too
            while not worker.conn.poll(min(0.1, max(deadline - time.monotonic(), 0))):
                stopped = self._closed or (cancel is not None and cancel.is_set())
                if stopped or time.monotonic() >= deadline:
                    self._kill_and_replace(worker)
                    if stopped:
                        raise e.StoreUnavailable("the job was stopped: the client left or the server stops")
                    raise e.QueryTimeout(_timeout_message(timeout_s))
            reply = worker.conn.recv()
        except (EOFError, OSError):
            # the worker died under us: the memory limit, or a crash inside the engine
            self._kill_and_replace(worker)
            raise e.QueryTimeout(
                "the query was stopped: it exceeded the server's resource limits / "
                "クエリがサーバーの資源上限を超えたため中止しました"
            ) from None
        if message[0] == "update":
            worker.generation = -1  # its copy was changed: _release reloads the current snapshot
        self._release(worker)
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "error":
            raise _ERROR_TYPES.get(reply[1], e.StoreError)(reply[2])
        summary, worker_traceback = reply[1], reply[2]
        log.error("query worker %d failed: %s\nworker traceback:\n%s", worker.pid, summary, worker_traceback)
        raise WorkerCrashed(summary, worker_traceback)
