"""Helpers for tests that start servers of their own: a free loopback port, and a process's children
(read from /proc, so a test can see the query workers a server started and check that they end)."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> set[int]:
    """The direct children of a process (every thread's list; empty when it is gone or not Linux)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.update(int(c) for c in (task / "children").read_text().split())
    return found
