"""Shared fixtures: one real build of the real data per test session (in a temporary directory), one
ingest-and-reason run (`assembled`), the W3C suites (tests/support/w3c.py), and the `slow` marking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kg.paths import ROOT

if TYPE_CHECKING:
    from kg.build import BuildResult


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real dataset once (ingest, reasoning, SHACL) into a fresh dist/ directory."""
    from kg.build import build

    dist = tmp_path_factory.mktemp("build") / "dist"
    build(dist=dist)
    return dist


@pytest.fixture(scope="session")
def assembled() -> BuildResult:
    """The real data ingested and reasoned once per session (`kg.build.assemble`, no SHACL stage).

    Shared: a test that changes a graph copies it first (`tests.support.build.copy_graphs`).
    """
    from kg.build import assemble

    return assemble(validate_shapes=False)


@pytest.fixture(scope="session")
def built(built_dist: Path) -> dict:
    """The in-memory result of the session build (graphs and report), re-read from dist/."""
    import json

    return json.loads((built_dist / "build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def store(built_dist: Path) -> Iterator[object]:
    """An embedded store loaded with the session build."""
    from kg.stores import open_store

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


@pytest.fixture(scope="session")
def w3c_sparql11() -> Path:
    """The W3C SPARQL 1.1 suite folder (syntax-query/, syntax-update-1/, query-evaluation folders).

    From the repo's cache (scripts/setup.sh --dev), else ../shared; missing, the test FAILS.
    """
    from tests.support.w3c import require, sparql11_dir

    return require(sparql11_dir(), "SPARQL 1.1")


@pytest.fixture(scope="session")
def w3c_protocol() -> Path:
    """The SPARQL 1.1 folder holding protocol/ (with data1-3.nt) and graph-store-protocol/."""
    from tests.support.w3c import protocol_dir, require

    return require(protocol_dir(), "SPARQL 1.1 Protocol")


@pytest.fixture(scope="session")
def w3c_shacl_core() -> Path:
    """The W3C SHACL Core suite folder (node/, property/, path/ …); missing, the test FAILS."""
    from tests.support.w3c import require, shacl_core_dir

    return require(shacl_core_dir(), "SHACL Core")


#: fixtures that start a live uvicorn server or an `oxigraph serve` process: a test using one is slow
SLOW_FIXTURES = frozenset(
    {"live_ro", "live_rw", "served", "oxigraph_server", "module_server", "second_module_server"}
)
#: markers whose tests are slow by nature (a browser, an external server binary)
SLOW_MARKERS = ("browser", "oxigraph_server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs a live server, a browser or an external server binary, so that
    `pytest -m "not slow"` is the inner loop. Other heavy tests carry the marker in their own file."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SLOW_FIXTURES or any(item.get_closest_marker(m) for m in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden", action="store_true", help="rewrite golden query answers (review the diff)"
    )
