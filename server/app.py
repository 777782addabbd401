"""`create_app(settings, store)` builds the service; nothing is read or opened at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.errors import StoreError
from kg.stores import OxigraphStore, Store, open_store
from server import errors, internal
from server.execution import make_executor
from server.execution.admission import Admission
from server.execution.jobs import current_client, remove_stale_snapshots
from server.execution.writes import WriteGate
from server.routes import ROUTERS, ask, queries
from server.settings import Settings
from server.validators import Validators


class BodyLimit:
    """Refuse request bodies above `max_bytes` with 413 — by Content-Length before reading, and while
    reading for chunked bodies — so no handler ever buffers an unbounded body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                exc = errors.BodyTooLarge(self.max_bytes)
                await errors.problem(exc.status, exc.message)(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise errors.BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


class ClientAddress:
    """Tell the worker pool who is asking (`jobs.current_client`: the peer address), for its
    per-client limit. Behind a proxy every request has the proxy's address: run uvicorn with
    `--proxy-headers` and `--forwarded-allow-ips` so the peer is the real client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = current_client.set(str(client[0]) if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            current_client.reset(token)


class HeadAsGet:
    """HEAD wherever GET works (RFC 9110 §9.3.2): a HEAD is routed as a GET and its body dropped, its
    headers (Content-Length included) kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


log = logging.getLogger("keikaku.server")


def check_persistence(settings: Settings, store: Store) -> None:
    """Nothing lost silently (issue 10): a write token on the in-memory store (whose writes vanish at
    restart) is refused unless `ephemeral_writes` says that is meant, and then said in the log."""
    in_memory = isinstance(store, OxigraphStore) and store.path is None and store.writable
    if not (settings.write_token and in_memory):
        return
    if not settings.ephemeral_writes:
        raise StoreError(
            "a write token is set but the store is in memory: every write would be lost at restart. "
            "Use KEIKAKU_STORE=oxigraph:/path for writes that persist, or set KEIKAKU_EPHEMERAL_WRITES=1 "
            "to accept that they are lost / 書き込みトークンがありますがストアがメモリ上のため、再起動で"
            "書き込みが失われます。KEIKAKU_STORE=oxigraph:/path を指定するか、KEIKAKU_EPHEMERAL_WRITES=1 "
            "で失われることを明示してください"
        )
    log.warning(
        "writes are EPHEMERAL: the store is in memory and every write is lost when the server stops "
        "(KEIKAKU_EPHEMERAL_WRITES=1) / 書き込みは再起動で失われます"
    )


def _include_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(ask.router)
    queries.install(app)  # reads the registry: one OpenAPI operation per named query, built now
    internal.load()  # the server's own queries (server/sparql/*.rq), read now rather than at a request


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the FastAPI app around a store (opened from settings unless given).

    Queries are evaluated by the executor made here (`server.execution`): worker processes over a
    snapshot of an embedded store, started when the app starts (or at the first query).
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(remove_stale_snapshots)  # left by servers killed outright
        await run_in_threadpool(app.state.executor.start, True)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.executor.close)

    app = FastAPI(
        title="Keikaku Graph / 計画グラフ",
        version="0.1.0",
        description="SPARQL 1.1 endpoint, linked data and named queries over Japanese municipal plans.",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc load their assets from a CDN: no third-party calls at run time
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    if store is None:
        store = open_store(settings.store_url, dist=settings.dist)
        check_persistence(settings, store)
    app.state.store = store
    app.state.executor = make_executor(app.state.store, settings)
    app.state.write_lock = WriteGate(settings.max_queued_writes, settings.update_timeout_s)
    errors.install(app)
    # public, read-only data: any origin may query; writes need a token, which browsers never send
    # cross-origin without an explicit preflight we do not allow (no Authorization in allow_headers)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"],
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Validators, dist=settings.dist)  # ETag / Last-Modified and 304 (issue 13)
    app.add_middleware(ClientAddress)
    app.add_middleware(
        Admission,
        slots=settings.slots,
        queue=settings.admission_queue,
        per_client=settings.client_queue,
        wait_s=settings.queue_timeout_s,
    )
    app.add_middleware(HeadAsGet)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, object]:
        """Liveness and a tiny readiness check (the store answers).

        On the event loop for the embedded store (a graph listing in memory takes microseconds), so
        that no flood of queries waiting in the threadpool can make the liveness probe fail."""
        store = app.state.store
        if isinstance(store, OxigraphStore):
            graphs = store.graph_names()
        else:  # a remote store answers over HTTP: not on the event loop
            graphs = await run_in_threadpool(store.graph_names)
        return {"status": "ok", "graphs": len(graphs)}

    _include_routers(app)
    return app
