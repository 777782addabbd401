"""`create_app(settings, store)` builds the service; nothing is read or opened at import time."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.stores import Store, open_store
from server import errors, internal
from server.execution import make_executor
from server.routes import ROUTERS, queries
from server.settings import Settings


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


def _include_routers(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
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
    app.state.store = store if store is not None else open_store(settings.store_url, dist=settings.dist)
    app.state.executor = make_executor(app.state.store, settings)
    app.state.write_lock = threading.Lock()
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

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, object]:
        """Liveness and a tiny readiness check (the store answers)."""
        graphs = app.state.store.graph_names()
        return {"status": "ok", "graphs": len(graphs)}

    _include_routers(app)
    return app
