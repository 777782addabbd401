"""One exception hierarchy for the engine; `server/errors.py` maps it to HTTP, `kg/cli.py` to exit codes.

Exit-code contract (as pySHACL's): 0 ok, 1 data does not conform / query failed, 2 bad input or usage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class KgError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = 1


class SourceError(KgError):
    """A data file (YAML, Turtle, source text) is malformed; names the file and, where known, the line."""

    exit_code = 2

    def __init__(
        self, message: str, path: Path | str | None = None, line: int | None = None, rule: str | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.rule = rule
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        if rule:
            where += f"[{rule}] "
        super().__init__(f"{where}{message}")
        self.message = message


@dataclass
class Violation:
    """One SHACL result, flattened for people: which node broke which shape, and why (ja / en)."""

    focus_node: str
    source_shape: str
    path: str | None
    value: str | None
    severity: str
    message_ja: str | None = None
    message_en: str | None = None
    source_file: str | None = None

    def __str__(self) -> str:
        parts = [f"[{self.severity}] {self.focus_node}"]
        if self.path:
            parts.append(f"path={self.path}")
        if self.value:
            parts.append(f"value={self.value}")
        parts.append(f"shape={self.source_shape}")
        if self.source_file:
            parts.append(f"file={self.source_file}")
        text = " ".join(parts)
        msgs = " / ".join(m for m in (self.message_ja, self.message_en) if m)
        return f"{text}\n    {msgs}" if msgs else text


class ShapeViolation(KgError):
    """The graph does not conform to the shapes; carries every violation."""

    exit_code = 1

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__(f"{len(violations)} SHACL violation(s)")


class QueryNotFound(KgError):
    """No named query with that name."""

    exit_code = 2


class QueryParamError(KgError):
    """A named-query parameter is missing, unknown or not of its declared type."""

    exit_code = 2


class QuerySyntaxError(KgError):
    """The SPARQL text does not parse; carries the parser's message."""

    exit_code = 2


class QueryRefused(KgError):
    """The query is well-formed but not allowed here (SERVICE, update on a read-only store …)."""

    exit_code = 2


class QueryTimeout(KgError):
    """Evaluation was stopped because it exceeded its time budget."""

    exit_code = 1


class ResultTooLarge(KgError):
    """The result exceeded the configured row cap."""

    exit_code = 1


class StoreError(KgError):
    """The store (embedded or remote) failed; the message is safe to show.

    `status` is the HTTP status a remote endpoint answered with, when there was one (the loader
    uses it to tell "no graph store here" from a real failure). The server maps the two subclasses:
    StoreUnavailable to 503, UpstreamError to 502."""

    exit_code = 1

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StoreUnavailable(StoreError):
    """The store is down or cannot be opened (no built dataset, a closed executor …): HTTP 503."""


class UpstreamError(StoreError):
    """The remote SPARQL endpoint answered wrongly (an error status, a body that does not parse).

    Its text is generic, so that neither the endpoint's URL nor its body reaches a client; the detail
    is kept in `.detail` for the log.

    >>> err = UpstreamError("http://internal:7878/query answered 500: stack trace …", status=500)
    >>> str(err), err.status
    ('the backing SPARQL endpoint failed', 500)
    >>> err.detail
    'http://internal:7878/query answered 500: stack trace …'
    """

    def __init__(self, detail: str, *, status: int | None = None, message: str | None = None) -> None:
        super().__init__(message or "the backing SPARQL endpoint failed", status=status)
        self.detail = detail


@dataclass
class BuildReport:
    """What a build did, for the CLI and the closing notes."""

    triples_per_graph: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
