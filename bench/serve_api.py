"""Serve our HTTP API for the benchmark: `create_app(settings)` under uvicorn on 127.0.0.1.

By default exactly as `keikaku serve` runs it — the code as it is, nothing patched in: the embedded
in-memory store loaded from `DIST/dataset.nq` and one query worker process per core (each loads a
snapshot); only the limits differ (a longer timeout, a higher row cap, no worker memory limit).
`--store PATH` serves an on-disk store opened read-only instead (the workers then open the same files).

    python -m bench.serve_api --dist /tmp/kk-national --port 8765 --workers 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from kg.build import copy_catalogue
from kg.paths import DATA, QUERIES
from kg.stores import OxigraphStore
from server.app import create_app
from server.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_api")
    parser.add_argument("--dist", type=Path, default=None, help="a directory with dataset.nq")
    parser.add_argument("--store", type=Path, default=None, help="an on-disk pyoxigraph store (read-only)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2, help="query worker processes")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    dist = args.dist or Path(".")
    if not (dist / "queries").is_dir():  # a generated dataset, not a build: publish the API it serves
        copy_catalogue(QUERIES, DATA / "municipalities.yaml", dist)
    settings = Settings(
        dist=dist,
        query_workers=args.workers,
        query_timeout_s=args.timeout,
        max_rows=100_000,
        worker_memory_mb=0,
        queue_timeout_s=120.0,
    )
    store = OxigraphStore(args.store, read_only=True) if args.store else None
    app = create_app(settings, store)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
