"""The embedded store in a child process, so that a query that runs too long can be stopped (killed).

bench/run.py writes one JSON request per line on stdin and reads one JSON answer per line:

    {"name": ..., "params": {...}, "reps": 15, "budget_s": 30}
    → {"warm_s": ..., "rows": ..., "times_ms": [...]}   (a first line {"warm_s": ...} after the warm-up)

Each evaluation is what a query worker of the server does: `OxigraphStore.query_serialized` to JSON,
parameters bound as VALUES blocks by the store itself (kg.queries.binding).

    python -m bench.embedded DATASET.nq
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from kg.formats import by_key
from kg.stores import OxigraphStore

JSON, TURTLE = by_key("json"), by_key("turtle")


def once(store: OxigraphStore, text: str, bindings: dict) -> tuple[float, int]:
    """One evaluation as the server's workers do it (serialised JSON): (seconds, rows)."""
    started = time.perf_counter()
    body = store.query_serialized(text, bindings, result_format=JSON, graph_format=TURTLE).body
    seconds = time.perf_counter() - started
    return seconds, len(json.loads(body)["results"]["bindings"])


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    store = OxigraphStore()
    store.load_file(Path(args[0]))
    from bench.run import Case, bound_text

    print(json.dumps({"ready": True, "quads": len(store.native)}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        text, bindings = bound_text(Case(request["name"], request["params"]))
        warm, rows = once(store, text, bindings)
        print(json.dumps({"warm_s": warm}), flush=True)
        reps = min(int(request["reps"]), max(3, int(float(request["budget_s"]) / max(warm, 1e-6))))
        times = [once(store, text, bindings)[0] * 1000 for _ in range(reps)]
        print(json.dumps({"warm_s": warm, "rows": rows, "times_ms": times}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
