"""Service settings: typed, validated, read from `KEIKAKU_*` environment variables when the app is
created (never at import time).

`Settings()` reads the environment like any pydantic-settings model; keyword arguments win over it, and
an empty variable counts as unset. Three variables keep their historical short names:
`KEIKAKU_STORE` (`store_url`), `KEIKAKU_QUERY_TIMEOUT` (`query_timeout_s`) and `KEIKAKU_QUEUE_TIMEOUT`
(`queue_timeout_s`); the others are `KEIKAKU_` + the field name in capitals.

>>> s = Settings(store_url=None, query_workers=0, query_timeout_s=2)
>>> (s.query_workers, s.query_timeout_s, s.max_rows)
(0, 2.0, 10000)
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.paths import DIST


def _default_workers() -> int:
    return max(2, min(os.cpu_count() or 2, 8))


class Settings(BaseSettings):
    """Everything the service can be told.

    Safety defaults (DESIGN "Safety defaults"): no write token, so the endpoint is read-only; every query
    is stopped after `query_timeout_s` (its worker process is killed) and refused above `max_rows`;
    request bodies above `max_body_bytes` get 413.
    """

    model_config = SettingsConfigDict(
        env_prefix="KEIKAKU_",
        env_ignore_empty=True,  # KEIKAKU_STORE= means "not set", as it always has
        populate_by_name=True,  # Settings(store_url=...) although the variable is KEIKAKU_STORE
        frozen=True,
        extra="forbid",
    )

    # None/embedded, oxigraph:/path, or an http(s) SPARQL endpoint
    store_url: str | None = Field(default=None, validation_alias="KEIKAKU_STORE")
    dist: Path = Field(default_factory=lambda: DIST)
    base_iri: str = "https://w3id.org/keikaku/"
    # SPARQL Update / graph-store writes need `Authorization: Bearer <token>`
    write_token: str | None = None
    query_timeout_s: float = Field(default=10.0, gt=0, validation_alias="KEIKAKU_QUERY_TIMEOUT")
    max_rows: int = Field(default=10_000, ge=0)
    max_body_bytes: int = Field(default=1_000_000, ge=0)
    # 0 = evaluate in the request's thread (no hard stop: for remote stores and tests only)
    query_workers: int = Field(default_factory=_default_workers, ge=0)
    # how long a query may wait for a free worker before 503
    queue_timeout_s: float = Field(default=30.0, gt=0, validation_alias="KEIKAKU_QUEUE_TIMEOUT")
    worker_memory_mb: int = Field(default=4096, ge=0)  # address-space limit of each worker (0 = none)
    # admission (issue 10): requests allowed to wait for a worker (None = 4 x workers; beyond, 503 at
    # once) and workers-or-queue places one client address may hold (None = workers - 1, at least 1)
    max_queue: int | None = Field(default=None, ge=0)
    client_limit: int | None = Field(default=None, ge=1)  # None = all workers, but no queue place
    # in front of the threadpool (server/execution/admission.py): requests that may run queries in
    # threads at once (None = 4 x workers + 8, at most 32 of anyio's 40 threads), how many more may
    # wait on the event loop (no thread held) for up to `queue_timeout_s`, and per client address
    admission_slots: int | None = Field(default=None, ge=1)
    admission_queue: int = Field(default=256, ge=0)
    client_queue: int = Field(default=8, ge=1)
    # SPARQL Update and graph-store writes: stopped after this many seconds (the worker evaluating
    # it is killed, the store is left as it was); at most `max_queued_writes` wait for the write lock
    update_timeout_s: float = Field(default=30.0, gt=0)
    max_queued_writes: int = Field(default=4, ge=0)
    # LOAD <url> is refused unless the URL starts with one of these (none by default: the endpoint
    # never calls out); e.g. KEIKAKU_LOAD_ALLOW='["https://example.org/data/"]'
    load_allow: tuple[str, ...] = ()
    # a write token on an in-memory store loses every write at restart: refused unless this says so
    ephemeral_writes: bool = False
    # uvicorn's graceful-shutdown limit, so SIGTERM always ends the server
    shutdown_timeout_s: float = Field(default=5.0, gt=0)

    @property
    def slots(self) -> int:
        """`admission_slots`, or its default for `query_workers`."""
        return self.admission_slots or min(32, 4 * max(self.query_workers, 1) + 8)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The environment's settings with `overrides` on top; an override of None means "not given"
        (what an unset command-line option passes), so it never masks a variable.

        >>> Settings.from_env(query_workers=3, store_url=None).query_workers
        3
        """
        return cls(**{k: v for k, v in overrides.items() if v is not None})
