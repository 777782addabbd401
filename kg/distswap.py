"""Publishing a build as `dist/` in one step: `dist` is a symlink to `dist.builds/<id>/`, flipped with
rename(2), so that no reader ever finds `dist/` missing or half written.

Layout beside `dist` (say `/srv/kg/dist`):

- `dist` → `dist.builds/<id>` — a relative symlink; users, the README and `Settings.dist` keep saying
  `dist/`, and every path below it (`dist/dataset.nq`, `dist/sources/…`) resolves through the link.
- `dist.builds/<id>/` — one folder per build; `<id>` sorts by time (`20261204T220735.123456789Z-4242`).
  A build writes its folder in full, fsyncs it, marks it complete (`.complete`), and only then points
  `dist` at it: a new symlink `.dist.link-<id>` is made and renamed over `dist` (rename(2) replaces the
  old link atomically on POSIX).
- `dist.builds/.lock` — builds take an exclusive flock(2) on it while they publish and clean up, so two
  builds never remove each other's folders; the kernel drops it when a build dies, even by SIGKILL.

A `dist/` that is still a real directory (the layout before this module) is exchanged with the new link
in one renameat2(RENAME_EXCHANGE) call on Linux; the old directory is then kept as the previous build.
Where renameat2 is missing (not Linux), that one migration falls back to two renames.

What readers see: a reader that opens `dist/x` gets the old or the new build, never neither. A reader
that already holds a file open keeps reading it after the flip (POSIX unlink semantics), and the
previous build is kept until the next one is published, so a reader that resolved a path just before a
flip still finds the rest of that build for a whole build cycle. Older builds, and whatever a killed
build left behind (incomplete `dist.builds/<id>/`, `.dist.link-*`, and the `.dist.new-*` / `dist.old-*`
folders of the two-rename swap this replaces), are removed by the next build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

COMPLETE = ".complete"
"""Written into a build folder once everything else in it is on disk."""
LOCK = ".lock"
RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def builds_dir(dist: Path) -> Path:
    """`dist` → `dist.builds` (beside it)."""
    return dist.with_name(f"{dist.name}.builds")


def new_build_id() -> str:
    """A time-sortable, unique folder name: UTC time to the nanosecond plus the process id."""
    ns = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(ns // 1_000_000_000))
    return f"{stamp}.{ns % 1_000_000_000:09d}Z-{os.getpid()}"


def current_build(dist: Path) -> Path | None:
    """The build folder `dist` points at, when it is a link into `dist.builds/`."""
    if not dist.is_symlink():
        return None
    target = Path(os.readlink(dist))
    folder = target if target.is_absolute() else dist.parent / target
    return folder if folder.parent.name == builds_dir(dist).name else None


@contextmanager
def build_lock(dist: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold the exclusive build lock of `dist`; yields False when `blocking=False` and it is taken."""
    folder = builds_dir(dist)
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - not POSIX: no lock, builds must not overlap
        yield True
        return
    with open(folder / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder of `folder` to disk (so a power cut after the flip keeps the build)."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms that cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` in one step (Linux renameat2(RENAME_EXCHANGE)); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (38, 22, 95):  # ENOSYS, EINVAL (flag unknown / fs refuses), EOPNOTSUPP
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def flip(dist: Path, folder: Path) -> Path | None:
    """Point `dist` at `folder` (inside `dist.builds/`) in one step; returns the build it pointed at before
    (a legacy real directory is moved into `dist.builds/` first and returned as that build)."""
    previous = current_build(dist)
    link = dist.with_name(f".{dist.name}.link-{folder.name}")
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.join(builds_dir(dist).name, folder.name), link)
    if dist.is_dir() and not dist.is_symlink():
        # the old layout: a real directory. Exchange it with the link in one step where we can.
        legacy = builds_dir(dist) / f"{new_build_id()}-legacy"
        if _renameat2_exchange(link, dist):
            os.rename(link, legacy)  # `link` now names the old directory
        else:  # pragma: no cover - not Linux: the one migration has a window of two renames
            os.rename(dist, legacy)
            os.replace(link, dist)
        (legacy / COMPLETE).touch()
        previous = legacy
    else:
        os.replace(link, dist)  # rename(2) of a symlink over a symlink (or nothing): atomic
    _fsync_dir(dist.parent)
    return previous


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def clean_leftovers(dist: Path, *, keep: tuple[Path | None, ...] = ()) -> list[Path]:
    """Remove what killed builds left beside `dist`; call with the build lock held. Keeps the current
    build, `keep`, and complete builds unless `keep` is given (after a flip: keep = (previous,)).
    Returns what was removed."""
    removed: list[Path] = []
    parent = dist.parent
    for pattern in (f".{dist.name}.new-*", f"{dist.name}.old-*", f".{dist.name}.link-*"):
        for path in parent.glob(pattern):
            _remove(path)
            removed.append(path)
    folder = builds_dir(dist)
    if not folder.is_dir():
        return removed
    current = current_build(dist)
    kept = {p.name for p in (current, *keep) if p is not None}
    for path in sorted(folder.iterdir()):
        if path.name == LOCK or path.name in kept:
            continue
        if not keep and (path / COMPLETE).exists():
            continue  # before a flip, a complete build may still be the previous one: keep it
        _remove(path)
        removed.append(path)
    return removed


def publish(dist: Path, write: Callable[[Path], None]) -> Path:
    """Write a new build with `write(folder)` (a fresh, empty folder) and make `dist` point at it in one
    step. On any error, `dist` is left as it was and the new folder is removed; the previous build is
    kept, older ones and the leftovers of killed builds are removed. Returns the new build folder."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(dist):
        clean_leftovers(dist)
        folder = builds_dir(dist) / new_build_id()
        folder.mkdir()
        try:
            write(folder)
            _fsync_tree(folder)
            (folder / COMPLETE).touch()
            _fsync_dir(folder)
            previous = flip(dist, folder)
        except BaseException:
            if current_build(dist) != folder:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        clean_leftovers(dist, keep=(previous,) if previous is not None else (folder,))
    return folder


def tidy(dist: Path) -> list[Path]:
    """Remove the leftovers of killed builds now, unless a build is running (then nothing is done)."""
    if not builds_dir(dist).is_dir() and not any(dist.parent.glob(f"*{dist.name}.*-*")):
        return []
    with build_lock(dist, blocking=False) as held:
        return clean_leftovers(dist) if held else []


__all__ = [
    "COMPLETE",
    "builds_dir",
    "clean_leftovers",
    "current_build",
    "flip",
    "new_build_id",
    "publish",
    "tidy",
]
