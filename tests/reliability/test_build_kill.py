"""A build killed at any point leaves dist/ as the complete old build or the complete new one, never
missing, and the next build removes what it left (issue 10, probe F5).

`test_kill_at_every_step_of_publish` runs kg.distswap.publish in a subprocess with a small fake build
and SIGKILLs it before the k-th file-system call it makes (mkdir, symlink, rename/replace, fsync, unlink,
rmdir, rmtree, and each file the build writes), for every k: the writes, the flip of the link, the
removal of old builds and, from a dist/ that is still a real directory, the one-step exchange.
`test_kill_real_build_at_delays` (slow) SIGKILLs real `keikaku build` runs at a range of delays.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg.paths import ROOT

DRIVER = textwrap.dedent(
    """
    import os, shutil, signal, sys
    from pathlib import Path
    from kg.distswap import publish

    dist, tag, kill_at = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    events = 0

    def step(name):
        global events
        if events == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        events += 1

    def wrap(module, name):
        real = getattr(module, name)
        def hooked(*args, **kwargs):
            step(name)
            return real(*args, **kwargs)
        setattr(module, name, hooked)

    for name in ("mkdir", "symlink", "rename", "replace", "fsync", "unlink", "rmdir"):
        wrap(os, name)
    wrap(shutil, "rmtree")

    def write(folder):
        names = [f"part-{i}.txt" for i in range(4)]
        for name in names:
            step("write")
            (folder / name).write_text(tag)
        step("write")
        (folder / "manifest").write_text("\\n".join([tag, *names]))

    publish(dist, write)
    print(events)
    """
)


def _run(dist: Path, tag: str, kill_at: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(dist), tag, str(kill_at)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _tag(dist: Path) -> str:
    """The tag of the complete build `dist` shows; fails when dist/ is missing or mixed."""
    assert dist.is_dir(), "dist/ is missing"
    manifest = (dist / "manifest").read_text().split("\n")
    tag, names = manifest[0], manifest[1:]
    assert names and all((dist / n).read_text() == tag for n in names), "dist/ is incomplete or mixed"
    return tag


def _leftovers(dist: Path) -> list[str]:
    beside = [p.name for p in dist.parent.iterdir() if p.name not in (dist.name, f"{dist.name}.builds")]
    return sorted(beside)


def _start(tmp_path: Path, legacy: bool) -> Path:
    dist = tmp_path / "dist"
    if legacy:  # the layout before the symlink: a real directory
        dist.mkdir(parents=True)
        (dist / "manifest").write_text("old\nx.txt")
        (dist / "x.txt").write_text("old")
    else:
        assert _run(dist, "older").returncode == 0
        assert _run(dist, "old").returncode == 0
    return dist


@pytest.mark.parametrize("legacy", [False, True], ids=["symlink", "legacy-directory"])
def test_kill_at_every_step_of_publish(tmp_path: Path, legacy: bool) -> None:
    probe = _run(_start(tmp_path / "count", legacy), "new")
    assert probe.returncode == 0, probe.stderr
    steps = int(probe.stdout.split()[-1])
    assert steps >= 10, steps
    outcomes = {"old": 0, "new": 0}
    for k in range(steps):
        case = tmp_path / f"kill-{k}"
        case.mkdir()
        dist = _start(case, legacy)
        killed = _run(dist, "new", kill_at=k)
        assert killed.returncode == -signal.SIGKILL, (k, killed.returncode, killed.stderr)
        outcomes[_tag(dist)] += 1  # the complete old build or the complete new one, never missing
        done = _run(dist, "next")
        assert done.returncode == 0, (k, done.stderr)
        assert _tag(dist) == "next"
        assert _leftovers(dist) == [], (k, _leftovers(dist))
        kept = sorted(p.name for p in (case / "dist.builds").iterdir() if p.name != ".lock")
        assert len(kept) <= 2, (k, kept)  # the new build and the one before it, nothing else
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes  # the kills fell on both sides of the flip


def _complete_real_build(dist: Path) -> str:
    assert dist.is_dir(), "dist/ is missing"
    meta = json.loads((dist / "build.json").read_text(encoding="utf-8"))
    with (dist / "dataset.nq").open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == meta["total_triples"]
    for graph in meta["triples_per_graph"]:
        assert (dist / "graphs" / f"{graph}.ttl").is_file(), graph
    return str(meta["built_at"])


@pytest.mark.slow
def test_kill_real_build_at_delays(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    cmd = [sys.executable, "-m", "kg.cli", "--dist", str(dist), "build"]
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300, check=False).returncode == 0
    for delay in (0.3, 0.8, 1.3, 1.7, 2.0, 2.3, 2.6, 2.9, 3.3):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
            assert dist.is_dir(), f"dist/ missing during a build (t≈{delay}s)"
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        _complete_real_build(dist)
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300, check=False).returncode == 0
    _complete_real_build(dist)
    assert _leftovers(dist) == []
    assert len([p for p in (tmp_path / "dist.builds").iterdir() if p.name != ".lock"]) <= 2
