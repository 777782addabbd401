"""F4 and F12 of the reliability review: authorised writes to the in-memory store vanished at restart
with no warning, and a server killed outright left its `keikaku-snapshot-*` folder behind.

Now a write token on the in-memory store is refused at start unless KEIKAKU_EPHEMERAL_WRITES=1 says
so (and then the log says the writes are ephemeral); with `oxigraph:/path` a write survives a restart;
and a starting server removes the snapshot folders of servers that are gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from kg.errors import StoreError
from kg.paths import ROOT
from server.app import create_app
from server.settings import Settings
from tests.reliability.serving import EX, TOKEN, ask, make_dist, serve, start, stop, update, wait_ready


def test_a_write_token_on_the_in_memory_store_is_refused_unless_said_ephemeral(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist", 3)
    with pytest.raises(StoreError, match="KEIKAKU_EPHEMERAL_WRITES"):
        create_app(Settings(store_url=None, dist=dist, query_workers=0, write_token=TOKEN))
    create_app(Settings(store_url=None, dist=dist, query_workers=0, write_token=TOKEN, ephemeral_writes=True))
    create_app(Settings(store_url=None, dist=dist, query_workers=0))  # read-only: nothing to lose


@pytest.mark.slow
def test_serve_says_why_it_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "KEIKAKU_WRITE_TOKEN": TOKEN}
    env.pop("KEIKAKU_STORE", None)
    env.pop("KEIKAKU_EPHEMERAL_WRITES", None)
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--dist", str(make_dist(tmp_path / "dist", 3)), "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "KEIKAKU_EPHEMERAL_WRITES=1" in done.stderr, done.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a live server")
def test_a_write_to_the_on_disk_store_survives_a_restart(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist", 3)
    env = {
        "KEIKAKU_QUERY_WORKERS": "1",
        "KEIKAKU_WRITE_TOKEN": TOKEN,
        "KEIKAKU_STORE": f"oxigraph:{tmp_path / 'db'}",
    }
    written = f'ASK {{ GRAPH <{EX}w> {{ <{EX}a> <{EX}b> "kept" }} }}'
    with serve(dist, tmp_path / "one.log", env) as srv, httpx.Client(timeout=30) as http:
        write = f'INSERT DATA {{ GRAPH <{EX}w> {{ <{EX}a> <{EX}b> "kept" }} }}'
        assert update(http, srv.url, write).status_code == 204
        assert ask(http, srv.url, written)
        srv.process.send_signal(signal.SIGTERM)
        srv.process.wait(15)
    with serve(dist, tmp_path / "two.log", env) as srv, httpx.Client(timeout=30) as http:
        assert ask(http, srv.url, written)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a live server and /proc")
def test_a_killed_servers_snapshot_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    dist = make_dist(tmp_path / "dist", 50)
    env = {"KEIKAKU_QUERY_WORKERS": "1"}
    process, url = start(dist, tmp_path / "one.log", env)
    try:
        wait_ready(process, url, tmp_path / "one.log")
        mine = list(Path(tempfile.gettempdir()).glob(f"keikaku-snapshot-{process.pid}-*"))
        assert len(mine) == 1
    finally:
        stop(process)  # SIGKILL: no clean-up can run
    assert mine[0].exists()
    with serve(dist, tmp_path / "two.log", env):
        assert not mine[0].exists()
