"""YAML loading that remembers line numbers, so every data error can name its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import SourceError


class LineDict(dict):
    """A mapping that knows the line (1-based) where it started in its file, and where each key is."""

    line: int = 0
    key_lines: dict[Any, int] | None = None


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    keys: dict[Any, int] = {}
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            keys.setdefault(loader.construct_object(key_node), key_node.start_mark.line + 1)
    mapping.key_lines = keys
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


def line_of(value: Any, key: Any = None) -> int | None:
    """The line a mapping started at, or the line of its `key` when given, when known.

    >>> m = load_yaml_text("a: 1\\nb:\\n  c: 2\\n")
    >>> line_of(m), line_of(m, "b"), line_of(m["b"], "c")
    (1, 2, 3)
    """
    if key is not None:
        found = (getattr(value, "key_lines", None) or {}).get(key)
        if found:
            return int(found)
    return getattr(value, "line", None) or None
