"""Query execution with a timeout that really stops evaluation, and a row cap: the one door every
SPARQL query of the service goes through (/sparql, the graph store, /api/queries, the pages).

An embedded store is queried by a pool of worker processes (`pool.WorkerPool`: a query over its time
budget has its process killed); a remote SPARQL endpoint is queried in the request's thread
(`InlineExecutor`: the remote evaluates, and the HTTP client's timeout bounds the wait). `run_query`
blocks, so call it from a plain `def` handler, never on the event loop. Errors are `kg.errors`
exceptions (`QuerySyntaxError`, `QueryRefused`, `QueryTimeout`, `ResultTooLarge`, store errors) that
`server/errors.py` maps to HTTP.

>>> from kg.stores import OxigraphStore
>>> from server.settings import Settings
>>> store = OxigraphStore()
>>> store.update('INSERT DATA { GRAPH <http://g> { <http://a> <http://b> "c" } }')
>>> settings = Settings(query_workers=0)
>>> run_query(InlineExecutor(store), settings, "SELECT ?o WHERE { ?s ?p ?o }", None, "csv").body
b'o\\r\\nc\\r\\n'
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Literal, Protocol

from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format
from kg.queries.binding import Bindings
from kg.stores import OxigraphStore, Store
from server.execution.jobs import (
    Executor,
    InlineExecutor,
    QueryJob,
    QueryOutcome,
    count_solutions,
    evaluate,
)
from server.execution.pool import WorkerCrashed, WorkerPool
from server.settings import Settings

__all__ = [
    "Executor",
    "InlineExecutor",
    "QueryJob",
    "QueryOutcome",
    "WorkerCrashed",
    "WorkerPool",
    "count_solutions",
    "evaluate",
    "execute",
    "make_executor",
    "run_query",
]


def make_executor(store: Store, settings: Settings) -> Executor:
    """The executor the app uses for `store`: a worker pool for an embedded store (unless
    `settings.query_workers` is 0), inline evaluation otherwise."""
    if isinstance(store, OxigraphStore) and settings.query_workers > 0:
        return WorkerPool(
            store,
            settings.query_workers,
            memory_mb=settings.worker_memory_mb,
            queue_timeout_s=settings.queue_timeout_s,
            # the admission gate already bounds who waits: the pool's own bound matches its slots
            max_queue=settings.max_queue if settings.max_queue is not None else settings.slots,
            client_limit=settings.client_limit,
        )
    return InlineExecutor(store)


class _Default(Enum):
    """`max_rows` not given: the service's cap applies (None lifts the cap)."""

    CAP = "settings.max_rows"


def _format(fmt: Format | str, offered: tuple[Format, ...], what: str) -> str:
    """The key of a result or graph format given as a `Format` or its key; ValueError for one that is
    not of that family (a bug in the caller: formats are chosen by content negotiation)."""
    key = fmt if isinstance(fmt, str) else fmt.key
    if key not in {f.key for f in offered}:
        raise ValueError(f"unknown {what} format {key!r}")
    return key


def run_query(
    executor: Executor,
    settings: Settings,
    sparql: str,
    bindings: Bindings | None = None,
    result_format: Format | str = "json",
    *,
    graph_format: Format | str = "turtle",
    default_graph_uris: Sequence[str] | None = None,
    named_graph_uris: Sequence[str] | None = None,
    max_rows: int | Literal[_Default.CAP] | None = _Default.CAP,
    timeout_s: float | None = None,
    base_iri: str | None = None,
) -> QueryOutcome:
    """Run one query through `executor` with the service's limits (`settings.query_timeout_s`,
    `settings.max_rows`; pass `max_rows=None` to lift the cap, e.g. for a whole-graph read).

    SELECT/ASK answers come in `result_format`, CONSTRUCT/DESCRIBE in `graph_format` (formats of
    `kg.formats`, or their keys); the store decides which by the real result kind. The text is not
    lexed here: SERVICE is refused, and `base_iri` applied, by the store.
    """
    job = QueryJob(
        sparql=sparql,
        result_format=_format(result_format, RESULT_FORMATS, "result"),
        graph_format=_format(graph_format, RDF_FORMATS, "graph"),
        bindings=dict(bindings) if bindings else None,
        default_graph_uris=list(default_graph_uris) if default_graph_uris is not None else None,
        named_graph_uris=list(named_graph_uris) if named_graph_uris is not None else None,
        max_rows=settings.max_rows if max_rows is _Default.CAP else max_rows,
        base_iri=base_iri,
    )
    return executor.run(job, timeout_s if timeout_s is not None else settings.query_timeout_s)


class AppState(Protocol):
    """What `execute` needs of `request.app.state`."""

    executor: Executor
    settings: Settings


def execute(
    state: AppState,
    sparql: str,
    bindings: Bindings | None = None,
    result_format: Format | str = "json",
    *,
    graph_format: Format | str = "turtle",
    max_rows: int | Literal[_Default.CAP] | None = _Default.CAP,
) -> QueryOutcome:
    """`run_query` for a route handler that holds `request.app.state` (its `executor` and `settings`).

    >>> from types import SimpleNamespace
    >>> from kg.stores import OxigraphStore
    >>> state = SimpleNamespace(executor=InlineExecutor(OxigraphStore()), settings=Settings(query_workers=0))
    >>> execute(state, "ASK {}").body
    b'{"head":{},"boolean":true}'
    """
    return run_query(
        state.executor,
        state.settings,
        sparql,
        bindings,
        result_format,
        graph_format=graph_format,
        max_rows=max_rows,
    )
