"""Service settings, read when the app is created (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.paths import DIST


def _default_workers() -> int:
    return max(2, min(os.cpu_count() or 2, 8))


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told; `from_env` reads `KEIKAKU_*` variables.

    Safety defaults (DESIGN "Safety defaults"): no write token, so the endpoint is read-only; every query
    is stopped after `query_timeout_s` (its worker process is killed) and refused above `max_rows`;
    request bodies above `max_body_bytes` get 413.
    """

    store_url: str | None = None  # None/embedded, oxigraph:/path, or http(s) SPARQL endpoint
    dist: Path = field(default_factory=lambda: DIST)
    base_iri: str = "https://w3id.org/keikaku/"
    write_token: str | None = None  # SPARQL Update / graph-store writes need `Authorization: Bearer <token>`
    query_timeout_s: float = 10.0
    max_rows: int = 10_000
    max_body_bytes: int = 1_000_000
    query_workers: int = field(default_factory=_default_workers)  # 0 = evaluate in-thread (no hard stop)
    queue_timeout_s: float = 30.0  # how long a query may wait for a free worker before 503
    worker_memory_mb: int = 4096  # address-space limit of each query worker (0 = none)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "store_url": env.get("KEIKAKU_STORE") or None,
            "write_token": env.get("KEIKAKU_WRITE_TOKEN") or None,
            "base_iri": env.get("KEIKAKU_BASE_IRI", cls.base_iri),
        }
        if env.get("KEIKAKU_DIST"):
            values["dist"] = Path(env["KEIKAKU_DIST"])
        casts: tuple[tuple[str, type], ...] = (
            ("query_timeout_s", float),
            ("max_rows", int),
            ("max_body_bytes", int),
            ("query_workers", int),
            ("queue_timeout_s", float),
            ("worker_memory_mb", int),
        )
        for key, cast in casts:
            name = "KEIKAKU_" + key.upper().removesuffix("_S")
            if env.get(name):
                values[key] = cast(env[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
