"""Writes bounded like queries (issue 10): a write queue with a bound, and updates that are stopped by a
timeout or by the client leaving without ever leaving the store half-changed.

pyoxigraph applies one `update()` call atomically but cannot cancel it, so a heavy `INSERT … WHERE`
run in the server's process could only be waited for (minutes, and SIGTERM hung behind it). Here the
evaluation runs in a query worker, on that worker's private copy of the current snapshot
(`WorkerPool.run_update`); the worker answers with the change as ground data (`jobs.diff_update`:
`DELETE DATA … ; INSERT DATA …`), which the real store applies in one atomic call that takes time in
proportion to the change, not to the WHERE clause. A timeout, a client that left or a shutdown kills
the worker before anything reached the store: all or nothing. The write lock is held from the copy
to the apply, so no other write can slip in between.

Blank nodes cannot be named in ground data (and the copy's labels differ from the store's), so an
update whose change involves blank nodes is replayed as written on the real store once the worker
showed it finishes within the timeout; such a replay cannot be stopped, but takes about as long as the
run that could.

A remote store (or `query_workers=0`, for tests) applies the update directly: the remote's own HTTP
timeout bounds it, and an in-thread embedded update cannot be stopped (never the public default).
"""

from __future__ import annotations

import threading
from types import TracebackType

from kg.stores import Store
from server.execution.jobs import Executor, ServerBusy
from server.execution.pool import WorkerPool


class WriteGate:
    """The write lock, with a bounded queue: at most `max_waiting` writers wait, each at most
    `timeout_s`; beyond either, `ServerBusy` (503 with Retry-After). Used as `with gate:`."""

    def __init__(self, max_waiting: int = 4, timeout_s: float = 30.0) -> None:
        self.max_waiting = max_waiting
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self._waiting = 0

    def acquire(self) -> None:
        if self._lock.acquire(blocking=False):
            return
        with self._count:
            if self._waiting >= self.max_waiting:
                raise ServerBusy("too many writes are waiting; try again later / 書き込みが混雑しています")
            self._waiting += 1
        try:
            if not self._lock.acquire(timeout=self.timeout_s):
                raise ServerBusy("no write slot became free in time / 書き込みの順番が回ってきませんでした")
        finally:
            with self._count:
                self._waiting -= 1

    def release(self) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def __enter__(self) -> WriteGate:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def apply_update(
    store: Store,
    executor: Executor,
    gate: WriteGate,
    text: str,
    *,
    base_iri: str | None,
    timeout_s: float,
    cancel: threading.Event | None = None,
) -> None:
    """Apply one SPARQL update under the gate, bounded as the module docstring says."""
    with gate:
        if isinstance(executor, WorkerPool) and executor.store is store:
            change = executor.run_update(text, base_iri, timeout_s, cancel)
            if change is None:  # blank nodes: replay the text, known now to finish in about that time
                change = text
            if change:
                try:
                    store.update(change, base_iri=base_iri)
                finally:
                    executor.invalidate()
            return
        try:
            store.update(text, base_iri=base_iri)
        finally:
            executor.invalidate()  # even a failed update may have been partly applied by a remote store
