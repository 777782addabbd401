"""`keikaku ask "…"`: the transparent answer on the terminal (or as JSON), or `--evaluate`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from kg.errors import QueryParamError


def run(question: str, *, dist: Path, store_url: str | None, fmt: str, evaluate: bool) -> int:
    from kg.ask import answer, build_lexicon, understand
    from kg.ask.run import store_runner
    from kg.queries import load_registry
    from kg.stores import open_store

    if evaluate:
        from kg.ask.evaluate import evaluate as run_evaluation
        from kg.ask.evaluate import load_devset, print_report, search_recall

        store = open_store(store_url, dist=dist)
        try:
            report = run_evaluation(store, load_registry(), load_devset())
            search = search_recall(store, dist)
        finally:
            store.close()
        print_report(report, search=search)
        return 0 if report.route_accuracy >= 0.95 and report.refusal_precision == 1.0 else 1
    if not question.strip():
        raise QueryParamError('ask expects a question, e.g. keikaku ask "SDG13に貢献する施策は？"')
    store = open_store(store_url, dist=dist)
    try:
        registry = load_registry()
        lex = build_lexicon(store)
        started = time.perf_counter()
        u = understand(question, lex, registry)
        result = answer(question, u, registry, store_runner(store))
        result.seconds_understand = time.perf_counter() - started
    finally:
        store.close()
    if fmt == "json":
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0 if u.status == "answer" else 1
    out = sys.stdout
    if u.reading:
        r = u.reading
        params = ", ".join(f"{k}={v}" for k, v in r.params.items()) or "（なし / none）"
        print(f"理解した内容: {r.understood_ja}\nUnderstood:   {r.understood_en}", file=out)
        print(f"名前付きクエリ / named query: {r.query}  パラメータ / parameters: {params}", file=out)
        print(
            f"同じ結果 / same as: keikaku query {r.query} "
            + " ".join(f"-p {k}={v}" for k, v in r.params.items()),
            file=out,
        )
        print(f"{len(result.rows)} 件 / rows", file=out)
        for row in result.rows[:50]:
            print("  " + " | ".join(row.get(c, "") for c in result.columns), file=out)
        if len(result.rows) > 50:
            print(f"  … (+{len(result.rows) - 50})", file=out)
        return 0
    print(f"{u.reason_ja}\n{u.reason_en}", file=out)
    for c in u.candidates:
        print(f'  - {c.understood_ja}  →  keikaku ask "{c.question}"', file=out)
    if u.status == "refused":
        print("答えられる質問の例 / questions that work:", file=out)
        from kg.ask import SUGGESTIONS

        for s in SUGGESTIONS:
            print(f'  keikaku ask "{s}"', file=out)
    return 1
