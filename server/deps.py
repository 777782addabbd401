"""Dependencies injected into route handlers; tests swap them with `app.dependency_overrides`."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request

from kg.queries import NamedQuery
from kg.stores import Store
from server.errors import HttpProblem
from server.execution import Executor, InlineExecutor
from server.execution.writes import WriteGate
from server.settings import Settings

_REALM = 'Bearer realm="keikaku"'


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_store(request: Request) -> Store:
    """The store the app was created with (embedded pyoxigraph by default)."""
    return request.app.state.store


def get_registry(request: Request) -> dict[str, NamedQuery]:
    """The named-query registry, read once by `server.routes.queries.install` when the app is created.

    Not at every request: parsing every `queries/*.rq` and its YAML front matter costs about 30 ms, more
    than most named queries take to answer. And the OpenAPI operations are made from the registry when
    the app is created, so answers from a registry re-read later could disagree with the documented
    parameters; a changed `.rq` takes effect when the server restarts.
    """
    return request.app.state.registry


def get_executor(request: Request, store: Store = Depends(get_store)) -> Executor:  # noqa: B008
    """The query executor for the current store.

    The app's own store has the worker pool made in `create_app`; a store swapped in through
    `dependency_overrides[get_store]` gets an in-thread executor, so tests that swap stores still work.
    """
    state = request.app.state
    if store is state.store:
        return state.executor
    cache: dict[int, InlineExecutor] = state.__dict__.setdefault("_override_executors", {})
    executor = cache.get(id(store))
    if executor is None or executor.store is not store:  # ids are reused after garbage collection
        executor = cache[id(store)] = InlineExecutor(store)
    return executor


def get_write_lock(request: Request) -> WriteGate:
    """Serialises writes (update + snapshot refresh) so workers never load a half-applied change."""
    return request.app.state.write_lock


def require_writer(request: Request, store: Store = Depends(get_store)) -> None:  # noqa: B008
    """Allow a write only with the configured bearer token, and never on a read-only store.

    Status codes follow RFC 6750 §3.1: no or malformed credentials → 401 with `WWW-Authenticate`;
    a wrong token → 401 `error="invalid_token"`; writes impossible whatever the credentials (no token
    configured — the public default — or a read-only store) → 403.
    """
    settings: Settings = request.app.state.settings
    if not settings.write_token:
        raise HttpProblem(
            403, "this endpoint is read-only: updates are disabled / このエンドポイントは読み取り専用です"
        )
    if not store.writable:
        raise HttpProblem(403, "the store is read-only / ストアは読み取り専用です")
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpProblem(
            401,
            "writing needs a bearer token / 書き込みには認証トークンが必要です",
            {"WWW-Authenticate": _REALM},
        )
    if not hmac.compare_digest(token.strip().encode(), settings.write_token.encode()):
        raise HttpProblem(
            401,
            "invalid token / トークンが正しくありません",
            {"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        )
