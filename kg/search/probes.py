"""Search probes: queries with the elements they must find, and the recall over all of them.

A probe names what it must find by the data itself, so that it cannot drift from the plans:
- `contains`: every element one of whose texts contains one of these strings (compared after width and
  kana folding, lines joined) must be found;
- `labels`: elements with exactly these labels must be found;
- `iris`: these elements must be found;
- `absent`: no hit may have a text containing one of these strings (exclusions).

`evaluate(store, index)` is what `keikaku search-eval` prints and what tests/search asserts (and what the
question-answering evaluation reports as its search recall).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.paths import ROOT
from kg.search.analysis import fold
from kg.search.documents import Doc, collect
from kg.yamlio import load_yaml

PROBES = ROOT / "tests" / "search" / "probes.yaml"


@dataclass
class ProbeOutcome:
    q: str
    kind: str
    expected: set[str]
    found: set[str]
    forbidden: set[str] = field(default_factory=set)

    @property
    def missing(self) -> set[str]:
        return self.expected - self.found

    @property
    def passed(self) -> bool:
        return bool(self.expected) and not self.missing and not self.forbidden


@dataclass
class Evaluation:
    outcomes: list[ProbeOutcome]

    @property
    def recall(self) -> float:
        expected = sum(len(o.expected) for o in self.outcomes)
        found = sum(len(o.expected & o.found) for o in self.outcomes)
        return found / expected if expected else 0.0

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    def report(self) -> str:
        lines = [f"search probes: {self.passed}/{len(self.outcomes)} pass, recall {self.recall:.1%}"]
        for o in self.outcomes:
            if not o.passed:
                lines.append(
                    f"  FAIL {o.kind:<12} {o.q!r}: expected {len(o.expected)},"
                    f" missing {sorted(o.missing)[:3]}, forbidden {sorted(o.forbidden)[:3]}"
                )
        return "\n".join(lines)


def _key(text: str) -> str:
    return "".join(fold(text).split())


def _texts(doc: Doc) -> list[str]:
    return [_key(t) for name, values in doc.texts.items() if name != "names" for t in values]


def expected_of(probe: dict[str, Any], docs: dict[str, Doc]) -> set[str]:
    out = {i for i in probe.get("iris", [])}
    wanted = [_key(s) for s in probe.get("contains", [])]
    labels = set(probe.get("labels", []))
    absent = [_key(s) for s in probe.get("absent", [])]
    for iri, doc in docs.items():
        texts = _texts(doc)
        if any(a in t for a in absent for t in texts):
            continue
        if any(w in t for w in wanted for t in texts) or labels & set(doc.texts.get("label", [])):
            out.add(iri)
    return out


def evaluate(store: Any, index: Any, path: Path = PROBES) -> Evaluation:
    """Run every probe of `path` against `index` (a kg.search.SearchIndex) over the texts of `store`."""
    docs = collect(store)
    outcomes = []
    for probe in load_yaml(path)["probes"]:
        result = index.search(str(probe["q"]), limit=10_000, facets=False)
        found = {h.iri for h in result.hits}
        absent = [_key(s) for s in probe.get("absent", [])]
        forbidden = {i for i in found if i in docs and any(a in t for a in absent for t in _texts(docs[i]))}
        outcomes.append(ProbeOutcome(str(probe["q"]), probe.get("kind", ""), expected_of(probe, docs), found,
                                     forbidden))  # fmt: skip
    return Evaluation(outcomes)


def main(argv: list[str] | None = None) -> int:
    """`python -m kg.search.probes [--dist DIST]`: print the search recall of the probes on a build."""
    import argparse

    from kg.paths import DIST
    from kg.search import SEARCH_DIR, SearchIndex
    from kg.stores import open_store

    parser = argparse.ArgumentParser(description="search recall of tests/search/probes.yaml")
    parser.add_argument("--dist", type=Path, default=DIST)
    parser.add_argument("--probes", type=Path, default=PROBES)
    args = parser.parse_args(argv)
    store = open_store(None, dist=args.dist)
    try:
        evaluation = evaluate(store.native, SearchIndex.open(args.dist / SEARCH_DIR), args.probes)
    finally:
        store.close()
    print(evaluation.report())
    return 0 if evaluation.recall == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["PROBES", "Evaluation", "ProbeOutcome", "evaluate", "expected_of", "main"]
