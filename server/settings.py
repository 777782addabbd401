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

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The environment's settings with `overrides` on top; an override of None means "not given"
        (what an unset command-line option passes), so it never masks a variable.

        >>> Settings.from_env(query_workers=3, store_url=None).query_workers
        3
        """
        return cls(**{k: v for k, v in overrides.items() if v is not None})
