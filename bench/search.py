"""Search on the national synthetic graph: the index (kg.search) beside the CONTAINS query it replaces.

    python -m bench.search [--data bench/out/national-1741-….nq] [--repeat 30]

Loads the national N-Quads (bench/generate.py) into a pyoxigraph store, builds the search index from it
as `keikaku build` does (collect from the store, Sudachi + bigram analysis, tantivy), then times, in the
same run and on the same store, for each query word:

- index: kg.search ranking plus the store queries that fetch what a page of 20 hits shows (the /search
  page, snippets too);
- index only: the ranking and the facet counts, without the store;
- CONTAINS: queries/search.rq (the substring query of the `search` named query without an index).

Figures are printed side by side (docs/search.md); they are never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.queries import get_query
from kg.search import SearchIndex, build_index, details, store_select
from kg.search.thesaurus import Thesaurus
from kg.stores import OxigraphStore

OUT = Path(__file__).resolve().parent / "out"
WORDS = (
    "ごみ",
    "防災",
    "子ども",
    "脱炭素",
    "地域 防災",
    "環境 -防災",
    "商工会議所",
    "見守り",
    "再エネ",
    "SDGs",
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--contains-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = args.data or sorted(OUT.glob("national-*.nq"))[-1]
    t = time.perf_counter()
    store = OxigraphStore()
    native = store.native
    native.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    print(f"loaded {len(native)} quads from {data.name} in {time.perf_counter() - t:.1f} s")
    from kg.ingest.shared import load_thesaurus

    thesaurus = Thesaurus.from_graph(load_thesaurus())
    folder = Path(tempfile.mkdtemp(prefix="kk-search-")) / "search"
    t = time.perf_counter()
    stats = build_index(native, folder, thesaurus)
    build_s = time.perf_counter() - t
    print(f"index build: {build_s:.1f} s for {stats.documents} elements {stats.seconds} (budget 30 s)")
    index = SearchIndex.open(folder)
    query = get_query("search")

    select = store_select(store)

    print(f"\n{'query':<12} {'hits':>6} {'index p50':>10} {'index p95':>10} {'rank p95':>9} "
          f"{'CONTAINS rows':>13} {'CONTAINS p50':>13} {'CONTAINS p95':>13}")  # fmt: skip
    all_full: list[float] = []
    all_contains: list[float] = []
    for word in WORDS:
        full, rank = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = index.search(word, limit=20)
            rank.append((time.perf_counter() - t) * 1000)
            details(select, result)
            full.append((time.perf_counter() - t) * 1000)
        contains, rows = [], 0
        first = word.split()[0].lstrip("-")
        text, bindings = query.bind({"q": first})
        for _ in range(args.contains_repeat):
            t = time.perf_counter()
            rows = len(store.query(text, bindings).dicts())
            contains.append((time.perf_counter() - t) * 1000)
        all_full += full
        all_contains += contains
        print(f"{word:<12} {result.total:>6} {statistics.median(full):>9.1f}ms {p95(full):>9.1f}ms "
              f"{p95(rank):>8.1f}ms {rows:>13} {statistics.median(contains):>12.1f}ms "
              f"{p95(contains):>12.1f}ms")  # fmt: skip
    print(f"\nall queries: index p95 {p95(all_full):.1f} ms (budget 20 ms); "
          f"CONTAINS p95 {p95(all_contains):.1f} ms (CONTAINS runs the first word only)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
