"""Admission control in front of the threadpool (issue 10): requests wait for their turn on the event
loop, where waiting costs no thread, never in a thread.

The review's flood: ~45 runaway queries, each waiting up to 30 s for a query worker *inside* one of
anyio's 40 threadpool threads, starved every sync handler and /healthz for 25–40 s. Here at most
`slots` requests that may run queries are in the threadpool at once (fewer than its 40 threads, so a
thread is always left for the rest); up to `queue` more wait asynchronously, each at most `wait_s`;
one client address has at most `per_client` requests admitted or waiting. Beyond any bound the answer
is 503 with `Retry-After`, at once. The worker pool adds its own per-client limit on *running*
queries (`WorkerPool.client_limit`: workers − 1), so one client never holds every worker.

Exempt, never queued: /healthz, /static/, the query editor page and the OpenAPI document — they run
no query.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Receive, Scope, Send

EXEMPT_PREFIXES = ("/healthz", "/static/", "/sparql/ui", "/openapi.json", "/favicon")


class Admission:
    """The ASGI middleware (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, slots: int, queue: int, per_client: int, wait_s: float, retry_after_s: int = 2
    ) -> None:
        self.app = app
        self.slots = max(slots, 1)
        self.queue = queue
        self.per_client = max(per_client, 1)
        self.wait_s = wait_s
        self.retry_after_s = retry_after_s
        self._free = self.slots
        self._waiters: list[asyncio.Future[None]] = []
        self._per_client: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith(EXEMPT_PREFIXES)
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = str(client[0]) if client else ""
        if self._per_client.get(key, 0) >= self.per_client:
            await self._busy(
                scope,
                receive,
                send,
                "too many requests from this client at once / 同時リクエストが多すぎます",
            )
            return
        if self._free <= 0 and len(self._waiters) >= self.queue:
            await self._busy(
                scope, receive, send, "the server is busy: the queue is full / サーバーが混雑しています"
            )
            return
        self._per_client[key] = self._per_client.get(key, 0) + 1
        try:
            if not await self._enter():
                await self._busy(
                    scope, receive, send, "the server is busy; try again later / サーバーが混雑しています"
                )
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self._leave()
        finally:
            left = self._per_client.get(key, 1) - 1
            if left > 0:
                self._per_client[key] = left
            else:
                self._per_client.pop(key, None)

    async def _enter(self) -> bool:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, self.wait_s)
        except TimeoutError:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            return False
        except asyncio.CancelledError:  # the client went away while waiting
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
            if waiter.done() and not waiter.cancelled():  # it had just been handed a slot: pass it on
                self._leave()
            raise
        return True

    def _leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)  # the slot goes straight to the next in line
                return
        self._free += 1

    async def _busy(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        from server.errors import problem  # the web layer's one problem format

        await problem(503, message, {"Retry-After": str(self.retry_after_s)})(scope, receive, send)
