"""The W3C SHACL Core test suite, run with both validators (the compiled default and pySHACL).

The suite comes from pySHACL's source distribution on PyPI (`scripts/setup.sh --dev` puts it in the
git-ignored `.cache/w3c/shacl-core/`; tests/support/w3c.py falls back to `../shared`); without it every
test here FAILS and says how to get it (the `w3c_shacl_core` fixture): never a silent skip.

`load_cases` follows `mf:include` from core/manifest.ttl and turns every `sht:Validate` entry into a
`Case` keyed by its IRI. Files are parsed with rdflib under their suite IRI (`BASE` + path), so test IRIs
are the same on every machine, and with `rdflib.NORMALIZE_LITERALS` off: a literal keeps the lexical form
the suite wrote (`"01"^^xsd:integer`, `"1"^^xsd:boolean`, the ill-typed `"none"^^xsd:boolean`), which is
what SHACL compares.

Results are compared as the suite defines them (the SHACL test suite's "validation report" rules):
`sh:conforms`, then the set of top-level results keyed by (focusNode, resultPath, value, sourceShape,
sourceConstraintComponent, resultSeverity); messages, `sh:sourceConstraint` and `sh:detail` are not
compared. A blank node is compared by structure: its triples, recursively, in the graph that describes
it (the report for a result path, else the shapes or data graph), so `[ sh:inversePath ex:p ]` equals
any blank node with the same triples. Keys that contain a blank node are compared as multisets (the
number of results must match), the others as sets. conforms is taken per the spec, "the report has no
result": the project's own `ValidationResult.conforms` also lets warnings through, which the suite does not.

Known failures are strict xfails keyed by test IRI, each with its reason (docs/shacl-conformance.md
lists them with the figures): a failure that starts passing fails the run until the entry is removed.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.validate import UnsupportedShape, validate
from kg.validate.report import top_results
from tests.support.w3c import shacl_core_dir

#: the suite folder (None without it: the tests then FAIL through the w3c_shacl_core fixture)
CORE = shacl_core_dir()
#: where the W3C publishes the suite; every file is parsed under BASE + its path in the suite
BASE = "https://w3c.github.io/data-shapes/data-shapes-test-suite/tests/core/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

#: the number of sht:Validate tests the suite holds (a runner that reads fewer fails test_counts)
TOTAL = 98


def _iri(path: str) -> str:
    return BASE + path


#: Known failures of the compiled validator, keyed by test IRI. Each must be a refusal (UnsupportedShape
#: raised before any data is read), never a wrong or missing result: test_compiled_failures_are_refusals.
#: None today: the whole suite passes.
XFAIL_COMPILED: dict[str, str] = {}

#: Known failures of pySHACL, keyed by test IRI (it is the reference engine, not ours to fix).
XFAIL_PYSHACL: dict[str, str] = {
    _iri("property/uniqueLang-002"): (
        'pySHACL reads sh:uniqueLang "1"^^xsd:boolean as true; SHACL activates a boolean parameter only '
        "for the literal true (the test's own comment), so it reports a result the suite does not expect"
    ),
}


@dataclass(frozen=True)
class Case:
    """One sht:Validate test: its IRI, the data and shapes graphs, the expected report."""

    iri: str
    name: str
    data: Graph
    shapes: Graph
    expected_conforms: bool
    expected: Counter[tuple[str, ...]]
    files: tuple[str, str]  # the data and shapes files, relative to the suite folder


@contextlib.contextmanager
def _lexical_forms_kept() -> Iterator[None]:
    """rdflib without its literal normalisation: the suite's lexical forms, ill-typed ones included."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    logger = logging.getLogger("rdflib.term")  # it logs a traceback for each ill-typed literal
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved
        logger.setLevel(level)


def _parse(path: Path, cache: dict[Path, Graph]) -> Graph:
    if path not in cache:
        assert CORE is not None
        graph = Graph()
        with _lexical_forms_kept():
            graph.parse(path, format="turtle", publicID=_iri(path.relative_to(CORE).as_posix()))
        cache[path] = graph
    return cache[path]


def _file_of(iri: Node) -> Path:
    assert CORE is not None and str(iri).startswith(BASE), iri
    return CORE / str(iri)[len(BASE) :]


def describe(node: Node | None, graphs: tuple[Graph, ...], seen: frozenset[Node] = frozenset()) -> str:
    """A term as comparable text: IRIs and literals exactly (lexical form, datatype, language), a blank
    node by its triples, recursively, in the first graph that has any (cycles cut)."""
    if node is None:
        return ""
    if not isinstance(node, BNode):
        return node.n3()
    if node in seen:
        return "[…]"
    graph = next((g for g in graphs if (node, None, None) in g), None)
    if graph is None:
        return "[]"
    inner = seen | {node}
    parts = sorted(f"{p.n3()} {describe(o, graphs, inner)}" for p, o in graph.predicate_objects(node))
    return "[" + " ; ".join(parts) + "]"


_KEY = (
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraintComponent,
    SH.resultSeverity,
)


def result_keys(report: Graph, results: list[Node], graphs: tuple[Graph, ...]) -> Counter[tuple[str, ...]]:
    """The comparison keys of a report's top-level results."""
    keys: Counter[tuple[str, ...]] = Counter()
    for result in results:
        keys[tuple(describe(report.value(result, p), (report, *graphs)) for p in _KEY)] += 1
    return keys


def same_results(expected: Counter[tuple[str, ...]], actual: Counter[tuple[str, ...]]) -> bool:
    """Keys without a blank node as sets, keys with one as multisets (the suite's own rule)."""

    def split(keys: Counter[tuple[str, ...]]) -> tuple[set[tuple[str, ...]], Counter[tuple[str, ...]]]:
        plain = {k for k in keys if not any(part.startswith("[") for part in k)}
        return plain, Counter({k: n for k, n in keys.items() if k not in plain})

    return split(expected) == split(actual)


def load_cases(manifest: Path, cache: dict[Path, Graph] | None = None) -> list[Case]:
    """Every sht:Validate test reachable from a manifest through mf:include, in manifest order."""
    cache = {} if cache is None else cache
    graph = _parse(manifest, cache)
    cases: list[Case] = []
    for node in graph.subjects(RDF.type, MF.Manifest):
        for include in sorted(graph.objects(node, MF.include), key=str):
            cases += load_cases(_file_of(include), cache)
        for entries in graph.objects(node, MF.entries):
            for test in Collection(graph, entries):
                if (test, RDF.type, SHT.Validate) not in graph:
                    continue
                action = graph.value(test, MF.action)
                data_iri = graph.value(action, SHT.dataGraph)
                shapes_iri = graph.value(action, SHT.shapesGraph)
                data, shapes = _parse(_file_of(data_iri), cache), _parse(_file_of(shapes_iri), cache)
                expected_report = graph.value(test, MF.result)
                conforms = graph.value(expected_report, SH.conforms)
                results = list(graph.objects(expected_report, SH.result))
                cases.append(
                    Case(
                        iri=str(test),
                        name=str(test)[len(BASE) :],
                        data=data,
                        shapes=shapes,
                        expected_conforms=conforms is not None and str(conforms) == "true",
                        expected=result_keys(graph, results, (graph, shapes, data)),
                        files=(str(data_iri)[len(BASE) :], str(shapes_iri)[len(BASE) :]),
                    )
                )
    return cases


def _cases() -> list[Case]:
    if CORE is None:
        return []
    return load_cases(CORE / "manifest.ttl")


CASES = _cases()


@dataclass
class Outcome:
    """What a validator made of a case: pass, fail (with the difference) or refused."""

    status: str  # "pass", "fail", "refused"
    detail: str = ""
    silent_miss: bool = False


def run_case(case: Case, engine: str) -> Outcome:
    """Validate one case with one engine and compare the report with the expected one."""
    try:
        outcome = validate(case.data, case.shapes, engine=engine)
    except UnsupportedShape as exc:
        return Outcome("refused", str(exc))
    report = outcome.report
    results = top_results(report)
    actual = result_keys(report, results, (case.shapes, case.data))
    conforms = not results
    if conforms == case.expected_conforms and same_results(case.expected, actual):
        return Outcome("pass")
    missing = sorted(set(case.expected) - set(actual))
    extra = sorted(set(actual) - set(case.expected))
    lines = [f"conforms: expected {case.expected_conforms}, got {conforms}"]
    lines += ["missing: " + " | ".join(k) for k in missing]
    lines += ["extra:   " + " | ".join(k) for k in extra]
    return Outcome("fail", "\n".join(lines), silent_miss=conforms and not case.expected_conforms)


def _params(xfails: dict[str, str]) -> list[object]:
    params = []
    for case in CASES:
        marks = []
        if case.iri in xfails:
            marks.append(pytest.mark.xfail(strict=True, reason=xfails[case.iri]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params(XFAIL_COMPILED))
def test_compiled(case: Case, w3c_shacl_core: Path) -> None:
    """The default validator gives the suite's report (a refusal counts as a failure)."""
    outcome = run_case(case, "compiled")
    assert outcome.status == "pass", f"{outcome.status}: {outcome.detail}"


@pytest.mark.parametrize("case", _params(XFAIL_PYSHACL))
def test_pyshacl(case: Case, w3c_shacl_core: Path) -> None:
    """pySHACL, the reference engine, gives the suite's report."""
    outcome = run_case(case, "pyshacl")
    assert outcome.status == "pass", f"{outcome.status}: {outcome.detail}"


def test_compiled_failures_are_refusals(w3c_shacl_core: Path) -> None:
    """Every known failure of the compiled validator is a refusal, never a wrong or a missing result."""
    for case in CASES:
        if case.iri in XFAIL_COMPILED:
            outcome = run_case(case, "compiled")
            assert outcome.status == "refused", f"{case.name}: {outcome.status}: {outcome.detail}"


def test_counts(w3c_shacl_core: Path) -> None:
    """Guard against a runner that silently reads less: 98 tests, each with its own IRI, and every
    xfail names a test of the suite."""
    assert w3c_shacl_core == CORE
    assert len(CASES) == TOTAL
    assert len({c.iri for c in CASES}) == TOTAL
    iris = {c.iri for c in CASES}
    assert set(XFAIL_COMPILED) <= iris and set(XFAIL_PYSHACL) <= iris
    assert TOTAL - len(XFAIL_COMPILED) >= 95
    assert sum(not c.expected_conforms for c in CASES) > 80
    assert sum(sum(c.expected.values()) for c in CASES) > 200


def test_describe_compares_blank_nodes_by_structure() -> None:
    """Two blank nodes with the same triples compare equal; a different path does not."""
    graph = Graph()
    ex = Namespace("http://example.org/")
    a, b, c = BNode(), BNode(), BNode()
    graph.add((a, SH.inversePath, ex.p))
    graph.add((b, SH.inversePath, ex.p))
    graph.add((c, SH.inversePath, ex.q))
    assert describe(a, (graph,)) == describe(b, (graph,)) != describe(c, (graph,))
    assert describe(Literal("4.0", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")), ()) != (
        describe(Literal("4", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")), ())
    )
