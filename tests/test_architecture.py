"""The import rule of docs/architecture.md, checked on the source: server → kg only; inside kg, every
stage → the shared kernel; no import circle between the rooms; no module that grew past one job.

Imports are read from the syntax tree (top-level and lazy ones inside functions alike), so a lazy import
cannot hide an arrow that points the wrong way.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from kg.paths import ROOT

#: the shared kernel: each fact in one room (docs/architecture.md); it imports nothing but itself
KERNEL = {
    "kg",
    "kg.errors",
    "kg.paths",
    "kg.namespaces",
    "kg.formats",
    "kg.sparql_text",
    "kg.terms",
    "kg.yamlio",
}
MAX_LINES = 600
#: what the server may take from kg.paths: only the default location of the build output
SERVER_PATHS = {"DIST"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    """The unit the rule speaks of: `server` as a whole, `kg.<stage or kernel module>` inside kg."""
    parts = module.split(".")
    return "server" if parts[0] == "server" else ".".join(parts[:2])


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("kg/**/*.py"), *ROOT.glob("server/**/*.py")])


def _imports() -> dict[str, set[tuple[str, tuple[str, ...]]]]:
    """module → {(imported module, imported names)} for every import of kg or server."""
    found: dict[str, set[tuple[str, tuple[str, ...]]]] = defaultdict(set)
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = tuple(a.name for a in node.names)
                found[_module(path)].add((node.module, names))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    found[_module(path)].add((alias.name, ()))
    return {m: {(t, n) for t, n in imps if t.split(".")[0] in ("kg", "server")} for m, imps in found.items()}


def _room_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imports in _imports().items():
        for target, names in imports:
            # `from kg import paths` names a kernel module, not the package's __init__
            targets = (
                [f"{target}.{n}" for n in names] if target == "kg" and names != ("__version__",) else [target]
            )
            for t in targets:
                if _room(t) != _room(module):
                    graph[_room(module)].add(_room(t))
    return graph


def test_kg_never_imports_server() -> None:
    wrong = sorted(
        f"{m} imports {t}"
        for m, imps in _imports().items()
        if m.startswith("kg")
        for t, _ in imps
        if t.startswith("server")
    )
    assert wrong == []


def test_the_kernel_imports_only_the_kernel() -> None:
    graph = _room_graph()
    wrong = {room: sorted(graph[room] - KERNEL) for room in KERNEL if graph[room] - KERNEL}
    assert wrong == {}


def test_no_import_circle_between_rooms() -> None:
    graph = _room_graph()
    circles = []

    def visit(room: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(room, ())):
            if nxt in path:
                circles.append([*path[path.index(nxt) :], nxt])
            elif len(path) < 20:
                visit(nxt, [*path, nxt])

    for room in sorted(graph):
        visit(room, [room])
    assert circles == []


def test_the_server_reads_only_dist_and_the_store() -> None:
    """No route or view reaches into the checkout (data/, ontology/, queries/): a deployed server needs
    `dist/` and nothing else."""
    wrong = sorted(
        f"{m}: {', '.join(sorted(set(names) - SERVER_PATHS))}"
        for m, imps in _imports().items()
        if m.startswith("server")
        for t, names in imps
        if t == "kg.paths" and set(names) - SERVER_PATHS
    )
    assert wrong == []


def test_no_module_over_600_lines() -> None:
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in _sources()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_rule_sees_a_wrong_arrow() -> None:
    """The checks above are not vacuous: the room graph has the arrows the architecture names."""
    graph = _room_graph()
    assert "kg.stores" in graph["server"] and "kg.sparql_text" in graph["kg.stores"]
    assert "kg.reason" in graph["kg.build"] and "kg.validate" in graph["kg.build"]
