"""Golden answers of every named query on the real data, driven by tests/queries/manifest.ttl.

The manifest is in the W3C test-manifest vocabulary: one `mf:QueryEvaluationTest` per case, its action
naming the query file (`qt:query`) and, in our small extension, its parameters
(`kkt:binding [ kkt:name ; kkt:value ]`, see the manifest's header). rdflib reads it; the query file is
read as a named query (`parse_query_file`), bound with the raw values as the API would, and run on the
session build. Results are compared as SPARQL 1.1 Query Results JSON rows (order kept: every query has
an ORDER BY, and the order is part of what users see). `--regen-golden` rewrites the files; review the
diff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from kg.formats import by_key
from kg.queries import load_registry, parse_query_file
from kg.stores import Store

HERE = Path(__file__).parent
MANIFEST = HERE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
KKT = Namespace("https://w3id.org/keikaku/tests#")


@dataclass(frozen=True)
class Case:
    iri: str
    name: str
    query: Path  # qt:query, a queries/*.rq file
    params: dict[str, str]  # kkt:binding name -> raw value
    result: Path  # mf:result, SPARQL 1.1 Query Results JSON


def _path(term: object) -> Path:
    assert isinstance(term, URIRef) and str(term).startswith("file://"), term
    return Path(str(term).removeprefix("file://"))


def load_manifest(path: Path = MANIFEST) -> list[Case]:
    """Every `mf:QueryEvaluationTest` of the manifest, in its `mf:entries` order."""
    graph = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    manifest = URIRef(path.resolve().as_uri())
    entries = list(graph.items(graph.value(manifest, MF.entries)))
    typed = set(graph.subjects(RDF.type, MF.QueryEvaluationTest))
    assert set(entries) == typed, f"entries and typed tests differ: {set(entries) ^ typed}"
    cases = []
    for test in entries:
        action = graph.value(test, MF.action)
        params: dict[str, str] = {}
        for binding in graph.objects(action, KKT.binding):
            name, value = str(graph.value(binding, KKT.name)), str(graph.value(binding, KKT.value))
            assert name not in params, f"{test}: parameter {name} bound twice"
            params[name] = value
        cases.append(
            Case(
                iri=str(test),
                name=str(graph.value(test, MF.name)),
                query=_path(graph.value(action, QT.query)),
                params=params,
                result=_path(graph.value(test, MF.result)),
            )
        )
    return cases


CASES = load_manifest()


def test_the_manifest_is_read() -> None:
    """Guard against a runner that silently reads nothing: 11 tests, each with a query and a result."""
    assert len(CASES) == 11
    assert all(c.query.is_file() for c in CASES), [c.query for c in CASES if not c.query.is_file()]


def test_every_named_query_has_a_golden_test() -> None:
    covered = {c.query.resolve() for c in CASES}
    registry = load_registry()
    assert covered == {q.path.resolve() for q in registry.values() if q.path is not None}
    assert len(covered) == len(registry)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(store: Store, request: pytest.FixtureRequest, case: Case) -> None:
    text, bindings = parse_query_file(case.query).bind(case.params)
    answer = store.query_serialized(
        text, bindings, result_format=by_key("json"), graph_format=by_key("turtle")
    )
    assert answer.kind == "select", f"{case.name}: a {answer.kind} query"
    actual = json.loads(answer.body)
    if request.config.getoption("--regen-golden"):
        case.result.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"regenerated {case.result.name}")
    assert case.result.exists(), f"no golden file {case.result}; run pytest --regen-golden and review it"
    expected = json.loads(case.result.read_text(encoding="utf-8"))
    assert actual["head"] == expected["head"]
    assert actual["results"]["bindings"] == expected["results"]["bindings"]
