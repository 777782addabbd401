"""One query as a job, its serialised outcome, and the evaluation itself — the same code runs inside a
worker process and inline.

A SELECT with more solutions than the job's `max_rows` (or a CONSTRUCT/DESCRIBE with more triples) is
refused with `ResultTooLarge` (HTTP 400, "add LIMIT"), never silently truncated: a SPARQL client cannot
see a truncation flag, and a partial answer mistaken for a complete one is worse than an error.

>>> from kg.stores import OxigraphStore
>>> store = OxigraphStore()
>>> store.update('INSERT DATA { GRAPH <http://g> { <http://a> <http://b> "c" } }')
>>> outcome = evaluate(store, QueryJob("SELECT ?o WHERE { ?s ?p ?o }", result_format="tsv"))
>>> outcome.kind, outcome.rows, outcome.body
('select', 1, b'?o\\n"c"\\n')
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import errors as e
from kg.formats import by_key
from kg.queries.binding import Bindings
from kg.stores import Store

_NTRIPLES = by_key("ntriples")


@dataclass(frozen=True)
class QueryJob:
    """Everything a worker needs to answer one query (picklable: plain strings and rdflib terms)."""

    sparql: str
    result_format: str = "json"  # kg.formats key, used for SELECT/ASK results
    graph_format: str = "turtle"  # kg.formats key, used for CONSTRUCT/DESCRIBE results
    bindings: Bindings | None = None
    default_graph_uris: Sequence[str] | None = None
    named_graph_uris: Sequence[str] | None = None
    max_rows: int | None = None
    base_iri: str | None = None


@dataclass
class QueryOutcome:
    """A serialised answer: `kind` is "select", "ask" or "graph"; `rows` the number of solutions or
    triples when counted exactly."""

    body: bytes
    media_type: str
    kind: str
    rows: int | None = None
    seconds: float = 0.0

    @property
    def content_type(self) -> str:
        """The Content-Type header value (charset added for text types)."""
        # imported here: the worker processes, which build outcomes but never send them, then do not
        # load the web framework (about 150 ms of every worker start)
        from server.conneg import content_type

        return content_type(self.media_type)


def too_large(cap: int) -> e.ResultTooLarge:
    """The row-cap refusal, in both languages."""
    return e.ResultTooLarge(
        f"the result has more than {cap} rows; add LIMIT or narrow the query / "
        f"結果が上限の {cap} 行を超えました。LIMIT を付けるか条件を絞ってください"
    )


def count_solutions(body: bytes, result_format: str, cap: int | None) -> int | None:
    """Count the solutions in a serialised SELECT result, raising `ResultTooLarge` above `cap`.

    Cheap where the format allows an exact count from bytes (TSV lines, XML `<result>` tags: `<` is
    always escaped inside values); for JSON and CSV a byte-level upper bound is exact enough to accept,
    and only a result whose bound exceeds the cap is parsed to decide. Returns the exact count or None.

    >>> count_solutions(b"?s\\n<http://a>\\n<http://b>\\n", "tsv", 5)
    2
    """
    if result_format == "tsv":
        rows = max(body.count(b"\n") - 1, 0)
    elif result_format == "xml":
        rows = body.count(b"<result>")
    elif result_format == "csv":
        bound = max(body.count(b"\r\n") - 1, 0)
        if cap is None or bound <= cap:
            return None
        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    else:  # json
        bound = body.count(b"},{") + 1
        if cap is None or bound <= cap:
            return None
        rows = len(json.loads(body)["results"]["bindings"])
    if cap is not None and rows > cap:
        raise too_large(cap)
    return rows


def count_triples(body: bytes, cap: int | None) -> int:
    """Triples in an N-Triples body (one per line), raising `ResultTooLarge` above `cap`."""
    rows = body.count(b"\n")
    if cap is not None and rows > cap:
        raise too_large(cap)
    return rows


def evaluate(store: Store, job: QueryJob) -> QueryOutcome:
    """Evaluate one job on a store and serialise the answer with pyoxigraph (`Store.query_serialized`).

    The store serialises by the real result kind and resolves relative IRIs against `job.base_iri`, so
    the text is neither guessed at nor edited here. Graph results come as N-Triples — one triple per
    line, so the cap is an exact line count — and are converted to the requested syntax only when it
    differs.
    """
    started = time.perf_counter()
    graph_format = by_key(job.graph_format)
    answer = store.query_serialized(
        job.sparql,
        job.bindings,
        result_format=by_key(job.result_format),
        graph_format=_NTRIPLES,
        base_iri=job.base_iri,
        default_graph_uris=job.default_graph_uris,
        named_graph_uris=job.named_graph_uris,
    )
    body, fmt, rows = answer.body, answer.format, None
    if answer.kind == "graph":
        rows = count_triples(body, job.max_rows)
        if graph_format is not _NTRIPLES:
            triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            body, fmt = ox.serialize(triples, format=graph_format.ox) or b"", graph_format  # type: ignore[arg-type]
    elif answer.kind == "select":
        rows = count_solutions(body, job.result_format, job.max_rows)
    return QueryOutcome(body, fmt.media_type, answer.kind, rows, time.perf_counter() - started)


class Executor(ABC):
    """Runs jobs within a time budget. `generation` counts store changes (for caches keyed on it).

    It lives here, beside the jobs it runs, so that both `InlineExecutor` and the worker pool
    (`server.execution.pool`) can derive from it without importing the package that re-exports them.
    """

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


# ---- admission and updates (issue 10) --------------------------------------------------------------

#: who sent the current request (its address), set by the app's middleware; the worker pool uses it
#: for its per-client limit. A context variable, because Starlette's threadpool copies the context.
current_client: ContextVar[str | None] = ContextVar("keikaku_client", default=None)


class ServerBusy(e.QueryTimeout):
    """Refused at once, without waiting: the queue is full or this client already has its share.
    HTTP 503 with `Retry-After` (server/errors.py)."""

    retry_after_s = 2


def diff_update(store: Store, text: str, base_iri: str | None = None) -> str | None:
    """Apply an update to `store` (a worker's private copy) and return what it changed as one SPARQL
    update of ground data (`DELETE DATA {…} ; INSERT DATA {…}`) for the real store to apply in one
    atomic, fast call; None when blank nodes are involved (see below). The evaluation — the part that
    can run for minutes — happens here, where the process can be killed, and the real store only ever
    sees the finished change or nothing.

    >>> from kg.stores import OxigraphStore
    >>> copy = OxigraphStore()
    >>> copy.update('INSERT DATA { GRAPH <http://g> { <http://a> <http://b> "c" } }')
    >>> print(diff_update(copy, 'DELETE { ?s ?p "c" } INSERT { ?s ?p "d" } WHERE { GRAPH ?g { ?s ?p "c" } }'))
    INSERT DATA { <http://a> <http://b> "d" . }
    """
    native: ox.Store = store.native  # type: ignore[attr-defined]
    before = set(native)
    store.update(text, base_iri=base_iri)
    after = set(native)
    removed, added = before - after, after - before
    if any(isinstance(t, ox.BlankNode) for q in removed | added for t in (q.subject, q.object, q.graph_name)):
        # blank nodes cannot be named in ground data (and the copy's labels are not the store's):
        # the caller replays the text itself, now known to finish within the time it took here
        return None
    parts = [
        f"DELETE DATA {{ {_ground(removed)} }}" if removed else "",
        f"INSERT DATA {{ {_ground(added)} }}" if added else "",
    ]
    return " ;\n".join(p for p in parts if p)


def _ground(quads: set[ox.Quad]) -> str:
    """Quads as the body of a DATA block: default-graph triples, then one GRAPH block per graph."""
    by_graph: dict[str, list[str]] = {}
    for q in sorted(quads, key=str):
        graph = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        by_graph.setdefault(graph, []).append(f"{q.subject} {q.predicate} {q.object} .")
    return " ".join(
        " ".join(lines) if not graph else f"GRAPH {graph} {{ {' '.join(lines)} }}"
        for graph, lines in by_graph.items()
    )


#: snapshot folders are `<tmp>/keikaku-snapshot-<server pid>-XXXX`; a server killed outright leaves its
#: folder behind, and the next server to start removes every folder whose pid is gone
SNAPSHOT_PREFIX = "keikaku-snapshot-"


def remove_stale_snapshots(tmp: Path | None = None) -> list[Path]:
    """Remove the snapshot folders of servers that are no longer running (and folders of the old
    naming, without a pid, older than an hour); returns what was removed."""
    removed: list[Path] = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*"):
        pid_text = folder.name.removeprefix(SNAPSHOT_PREFIX).split("-", 1)[0]
        try:
            if pid_text.isdigit():
                pid = int(pid_text)
                if pid == os.getpid() or _alive(pid):
                    continue
            elif time.time() - folder.stat().st_mtime < 3600:
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
