"""YAML loading that remembers line numbers, so every data error can name its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import SourceError


class LineDict(dict):
    """A mapping that knows the line (1-based) where it started in its file."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error becomes a SourceError with file and line.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> _ = p.write_text("a: [1, 2\\nb: 3\\n")
    >>> try:
    ...     load_yaml(p)
    ... except SourceError as exc:
    ...     print(exc.line)
    2
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read: {exc}", path) from exc
    return load_yaml_text(text, path)


def load_yaml_text(text: str, path: Path | str | None = None) -> Any:
    """Parse YAML text that came from `path` (a query's front matter, say); errors name file and line.

    >>> load_yaml_text("a: 1").line
    1
    """
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SourceError(f"YAML syntax error: {problem}", path, mark.line + 1 if mark else None) from exc


def line_of(value: Any) -> int | None:
    """The line a mapping started at, when known."""
    return getattr(value, "line", None) or None
