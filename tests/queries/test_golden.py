"""Golden answers of every named query on the real data, driven by tests/queries/manifest.ttl.

Results are compared as SPARQL 1.1 Query Results JSON rows (order kept: every query has an ORDER BY,
and the order is part of what users see). `--regen-golden` rewrites the files; review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Namespace

from kg.queries import load_registry
from kg.store import Store

HERE = Path(__file__).parent
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
KKT = Namespace("https://w3id.org/keikaku/tests#")


def _load_manifest() -> list[tuple[str, str, dict[str, str], Path]]:
    graph = Graph().parse(HERE / "manifest.ttl", format="turtle", publicID=(HERE / "manifest.ttl").as_uri())
    tests = []
    for test in graph.subjects(KKT.namedQuery, None):
        name = str(graph.value(test, MF.name))
        query = str(graph.value(test, KKT.namedQuery))
        params = dict(str(p).split("=", 1) for p in graph.objects(test, KKT.param))
        result = Path(str(graph.value(test, MF.result)).removeprefix("file://"))
        tests.append((name, query, params, result))
    return sorted(tests)


CASES = _load_manifest()


def test_every_named_query_has_a_golden_test() -> None:
    covered = {query for _, query, _, _ in CASES}
    assert covered == set(load_registry())


@pytest.mark.parametrize(("name", "query", "params", "result"), CASES, ids=[c[0] for c in CASES])
def test_golden(
    store: Store, request: pytest.FixtureRequest, name: str, query: str, params: dict[str, str], result: Path
) -> None:
    text, bindings = load_registry()[query].bind(params)
    body, _, _ = store.query_serialized(text, "json", bindings)
    actual = json.loads(body)
    if request.config.getoption("--regen-golden"):
        result.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"regenerated {result.name}")
    assert result.exists(), f"no golden file {result}; run pytest --regen-golden and review it"
    expected = json.loads(result.read_text(encoding="utf-8"))
    assert actual["head"] == expected["head"]
    assert actual["results"]["bindings"] == expected["results"]["bindings"]
