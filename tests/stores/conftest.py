"""Fixtures for the store tests: a real `oxigraph serve` on 127.0.0.1, and the built dataset.

The server is the `oxigraph` binary of the `oxigraph` PyPI package (dev extra), started in memory with
`--union-default-graph` so that its default graph is the union of the named graphs, as in the embedded
store. Every fixture that starts a server also stops it.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from kg.paths import ROOT


def oxigraph_binary() -> Path | None:
    """The `oxigraph` executable beside the running Python (the venv), or on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.exists():
        return here
    found = shutil.which("oxigraph")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    """One `oxigraph serve` process on 127.0.0.1 (in memory unless given a location)."""

    def __init__(self, location: Path | None = None, *, timeout_s: int | None = None) -> None:
        binary = oxigraph_binary()
        if binary is None:
            pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
        self.binary = binary
        self.location = location
        self.timeout_s = timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OxigraphServer:
        for _attempt in range(5):
            self.port = free_port()
            args = [str(self.binary), "serve", "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
            if self.location is not None:
                args += ["--location", str(self.location)]
            if self.timeout_s is not None:
                args += ["--timeout-s", str(self.timeout_s)]
            self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def _wait_ready(self, seconds: float = 15.0) -> bool:
        deadline = time.monotonic() + seconds
        probe = f"{self.url}/query?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(probe, timeout=1) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None


@pytest.fixture
def oxigraph_server() -> Iterator[OxigraphServer]:
    """A fresh, empty server for one test."""
    server = OxigraphServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def module_server() -> Iterator[OxigraphServer]:
    """A server shared by the tests of one module (loaded once by the module's own fixture)."""
    server = OxigraphServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def second_module_server() -> Iterator[OxigraphServer]:
    """Another shared server, for a second dataset."""
    server = OxigraphServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def bench_generate() -> ModuleType:
    """bench/generate.py, loaded by path (bench/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dataset_dist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built `dist/` of the real data.

    The session build of tests/conftest.py (ingest, reasoning, SHACL) when it succeeds; while the SHACL
    stage cannot run (no kg/validate.py yet) or rejects work-in-progress data, the same build without
    the SHACL stage — these tests are about stores, not about conformance, which has its own tests.
    """
    try:
        return request.getfixturevalue("built_dist")
    except Exception as exc:  # the session build failed: fall back, but say so
        warnings.warn(f"store tests use a build without SHACL validation: {exc!r}", stacklevel=1)
    from kg.build import write_dist

    result = request.getfixturevalue("assembled")  # the session's one ingest-and-reason run
    dist = tmp_path_factory.mktemp("store-build") / "dist"
    write_dist(result, dist)
    return dist
