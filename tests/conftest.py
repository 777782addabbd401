"""Shared fixtures: one real build of the real data per test session, in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.paths import ROOT


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real dataset once (ingest, reasoning, SHACL) into a fresh dist/ directory."""
    from kg.build import build

    dist = tmp_path_factory.mktemp("build") / "dist"
    build(dist=dist)
    return dist


@pytest.fixture(scope="session")
def built(built_dist: Path) -> dict:
    """The in-memory result of the session build (graphs and report), re-read from dist/."""
    import json

    return json.loads((built_dist / "build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def store(built_dist: Path) -> Iterator[object]:
    """An embedded store loaded with the session build."""
    from kg.store import open_store

    s = open_store(None, dist=built_dist)
    yield s
    s.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the repository (CI has it); tests that need it skip without it."""
    path = ROOT.parent / "shared"
    if not path.exists():
        pytest.skip("../shared is not present")
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden", action="store_true", help="rewrite golden query answers (review the diff)"
    )
