"""`python -m kg.ask.evaluate [--dist DIR]` (or `keikaku ask --evaluate`): the development set's figures.

- route accuracy: the question got the expected outcome — the expected named query with exactly the
  expected parameters, a refusal where one is expected, candidates where the question is ambiguous;
- answer accuracy: routed right, and the rows contain every expected label (refusals and ambiguities
  count as answered right when routed right);
- refusal precision and recall: of the questions refused, how many should have been; of those that
  should have been, how many were;
- search recall: from W3's search probes (`kg.search`), when that package exposes a function for it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.paths import DIST, ROOT

DEVSET = ROOT / "tests" / "ask" / "devset.tsv"


@dataclass
class Case:
    question: str
    expected: str  # a query name, REFUSE or AMBIGUOUS
    params: dict[str, str]
    labels: list[str]


@dataclass
class Report:
    cases: int = 0
    routed: int = 0
    answered: int = 0
    refused: int = 0
    refused_right: int = 0
    must_refuse: int = 0
    failures: list[str] = field(default_factory=list)
    understand_ms: list[float] = field(default_factory=list)

    @property
    def route_accuracy(self) -> float:
        return self.routed / self.cases if self.cases else 0.0

    @property
    def answer_accuracy(self) -> float:
        return self.answered / self.cases if self.cases else 0.0

    @property
    def refusal_precision(self) -> float:
        return self.refused_right / self.refused if self.refused else 1.0

    @property
    def refusal_recall(self) -> float:
        return self.refused_right / self.must_refuse if self.must_refuse else 1.0


def load_devset(path: Path = DEVSET) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = [*line.split("\t"), "", "", ""][:4]
        params = dict(p.split("=", 1) for p in cells[2].split(";") if p)
        cases.append(Case(cells[0], cells[1], params, [x for x in cells[3].split(";") if x]))
    return cases


def evaluate(store: object, registry: dict, cases: list[Case]) -> Report:
    from kg.ask import answer, build_lexicon, understand
    from kg.ask.run import store_runner

    lex = build_lexicon(store)  # type: ignore[arg-type]
    run = store_runner(store)  # type: ignore[arg-type]
    report = Report()
    for case in cases:
        report.cases += 1
        started = time.perf_counter()
        u = understand(case.question, lex, registry)
        report.understand_ms.append((time.perf_counter() - started) * 1000)
        got = {"refused": "REFUSE", "ambiguous": "AMBIGUOUS"}.get(
            u.status, u.reading.query if u.reading else ""
        )
        if case.expected == "REFUSE":
            report.must_refuse += 1
        if u.status == "refused":
            report.refused += 1
            report.refused_right += case.expected == "REFUSE"
        params = u.reading.params if u.reading else {}
        if got != case.expected or (u.reading and params != case.params):
            report.failures.append(
                f"route  {case.question!r}: expected {case.expected} {case.params}, "
                f"got {got} {params} {u.reason_ja}"
            )
            continue
        report.routed += 1
        if u.reading is None:
            report.answered += 1
            continue
        result = answer(case.question, u, registry, run)
        cells = " ".join(v for row in result.rows for v in row.values())
        missing = [label for label in case.labels if label not in cells]
        if (result.rows and not missing) or (not case.labels and result.rows is not None):
            report.answered += 1
        else:
            report.failures.append(f"answer {case.question!r}: {len(result.rows)} rows, missing {missing}")
    return report


def search_recall(store: object = None, dist: Path | None = None) -> str:
    """W3's search probes (`kg.search.probes.evaluate`) over the index in `dist/search`, when both exist."""
    try:
        from kg.search import SearchIndex
        from kg.search.probes import evaluate as evaluate_probes
    except ImportError:
        return "search recall: not measured (kg.search is not there)"
    folder = (dist or DIST) / "search"
    if store is None or not SearchIndex.available(folder):
        return f"search recall: not measured (no search index in {folder}: run keikaku build)"
    try:
        return evaluate_probes(store, SearchIndex.open(folder)).report()
    except Exception as exc:
        return f"search recall: kg.search.probes.evaluate failed ({type(exc).__name__}: {exc})"


def print_report(report: Report, out: object = sys.stdout, search: str = "") -> None:
    ms = sorted(report.understand_ms)
    p95 = ms[int(len(ms) * 0.95) - 1] if ms else 0.0
    lines = [
        f"questions         {report.cases} ({report.must_refuse} must be refused)",
        f"route accuracy    {report.route_accuracy:.1%} ({report.routed}/{report.cases})",
        f"answer accuracy   {report.answer_accuracy:.1%} ({report.answered}/{report.cases})",
        f"refusal precision {report.refusal_precision:.1%} ({report.refused_right}/{report.refused})",
        f"refusal recall    {report.refusal_recall:.1%} ({report.refused_right}/{report.must_refuse})",
        f"understanding     p95 {p95:.2f} ms, max {max(ms, default=0):.2f} ms",
        search or search_recall(),
        *report.failures,
    ]
    print("\n".join(lines), file=out)  # type: ignore[call-overload]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.ask.evaluate")
    parser.add_argument("--dist", default=str(DIST))
    parser.add_argument("--devset", default=str(DEVSET))
    args = parser.parse_args(argv)
    from kg.queries import load_registry
    from kg.stores import open_store

    store = open_store(None, dist=Path(args.dist))
    try:
        report = evaluate(store, load_registry(), load_devset(Path(args.devset)))
        search = search_recall(store, Path(args.dist))
    finally:
        store.close()
    print_report(report, search=search)
    return 0 if report.route_accuracy >= 0.95 and report.refusal_precision == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
