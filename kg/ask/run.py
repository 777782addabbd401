"""Running a reading's query on a store (the CLI and the evaluation; the server runs it through its own
executor, with the timeout and the row cap)."""

from __future__ import annotations

from typing import Any

from kg.ask.answer import Runner
from kg.stores import Store


def cell(value: object) -> str:
    return "" if value is None else str(value)


def store_runner(store: Store, limit: int = 2000) -> Runner:
    def run(sparql: str, bindings: dict[str, Any]) -> list[dict[str, str]]:
        rows = store.query(sparql, bindings).dicts()[:limit]
        return [{k: cell(v) for k, v in row.items() if v is not None} for row in rows]

    return run
