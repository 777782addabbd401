"""A transparent answer: what was understood, the named query and its parameters, the SPARQL exactly as
it runs (parameters written in as VALUES blocks, as the stores bind them), and the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib.term import Node

from kg.ask.understand import SUGGESTIONS, Understanding
from kg.queries import NamedQuery
from kg.queries.binding import bind_with_values

#: runs (sparql, bindings) and returns rows as dicts of plain strings
Runner = Callable[[str, dict[str, Any]], list[dict[str, str]]]


def strip_front_matter(sparql: str) -> str:
    return "\n".join(line for line in sparql.splitlines() if not line.startswith("#+")).strip() + "\n"


def bound_sparql(query: NamedQuery, params: dict[str, str]) -> tuple[str, dict[str, Node | tuple[Node, ...]]]:
    """The query text with its parameters written in (to show and to open in the editor), and the
    bindings to run it with."""
    text, bindings = query.bind(params)
    return bind_with_values(strip_front_matter(text), bindings), bindings


@dataclass
class Answer:
    """Everything the page, the JSON API and the CLI show."""

    question: str
    understanding: Understanding
    sparql: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    seconds_understand: float = 0.0

    @property
    def status(self) -> str:
        return self.understanding.status

    def to_json(self) -> dict[str, Any]:
        u = self.understanding
        data: dict[str, Any] = {
            "question": self.question,
            "status": u.status,
            "spotted": [{"word": s, "kind": k, "value": v} for s, k, v in u.spotted],
        }
        if u.reading:
            data |= {
                "understood_ja": u.reading.understood_ja,
                "understood_en": u.reading.understood_en,
                "query": u.reading.query,
                "parameters": u.reading.params,
                "sparql": self.sparql,
                "columns": self.columns,
                "rows": self.rows,
            }
        if u.candidates:
            data["candidates"] = [
                {
                    "understood_ja": c.understood_ja,
                    "understood_en": c.understood_en,
                    "query": c.query,
                    "parameters": c.params,
                    "question": c.question,
                }
                for c in u.candidates
            ]
        if u.status != "answer":
            data |= {"reason_ja": u.reason_ja, "reason_en": u.reason_en}
        if u.status == "refused":
            data["suggestions"] = list(SUGGESTIONS)
        return data


def answer(
    question: str, understanding: Understanding, registry: dict[str, NamedQuery], run: Runner | None
) -> Answer:
    """Run the one reading (when there is one and `run` is given)."""
    result = Answer(question, understanding)
    reading = understanding.reading
    if reading is None:
        return result
    query = registry[reading.query]
    result.sparql, bindings = bound_sparql(query, reading.params)
    if run is not None:
        text, _ = query.bind(reading.params)
        result.rows = run(text, bindings)
        table = [c for c in query.table if any(c in r for r in result.rows)]
        result.columns = table or sorted({k for r in result.rows for k in r})
    return result
