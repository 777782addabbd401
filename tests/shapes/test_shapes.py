"""Shape tests by file name.

`tests/shapes/cases/<ShapeName>-valid.ttl` must produce no result at all (not even a warning);
`<ShapeName>-invalid-NN.ttl` must produce at least one result of `<ShapeName>`, and only of it: a result
counts as the shape's when its `sh:sourceShape` is the node shape itself (node-level and SPARQL-based
constraints) or one of the node shape's `sh:property` shapes. A case that also broke another shape would
not show which rule it tests, so that fails too. Invalid cases of a `sh:Warning` shape must leave the
data conforming; all others must make it non-conforming.

The registry is checked both ways: every node shape in `shapes/` has a valid case and at least one invalid
case, every case names a shape that exists, and every property shape and SPARQL constraint is the source
of a result in at least one invalid case of its node shape (a rule no case can break is untested).

Every case is self-contained: it carries the few ontology, scheme and SDG KOS triples it needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.paths import ROOT, SHAPES
from kg.validate import ValidationResult, load_shapes, validate

CASES = ROOT / "tests" / "shapes" / "cases"
KKS = "https://w3id.org/keikaku/shapes#"
CASE_NAME = re.compile(r"^(?P<shape>[A-Z][A-Za-z]*Shape)-(?P<kind>valid|invalid-\d{2})\.ttl$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# constraint parameters that, on a node shape itself, make a node-level constraint
NODE_LEVEL = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH["in"],
    SH["or"],
    SH.xone,
    SH["not"],
    SH.closed,
    SH.hasValue,
    SH.node,
)


def _cases(kind: str) -> list[str]:
    names = []
    for path in sorted(CASES.glob("*.ttl")):
        match = CASE_NAME.match(path.name)
        if match and (match["kind"] == "valid") == (kind == "valid"):
            names.append(path.name)
    return names


def _shape_of(case: str) -> URIRef:
    match = CASE_NAME.match(case)
    assert match, case
    return URIRef(KKS + match["shape"])


def _node_shapes(shapes: Graph) -> set[URIRef]:
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def _family(shapes: Graph, node_shape: URIRef) -> set[Node]:
    """The node shape and its property shapes: the possible sh:sourceShape of its results."""
    return {node_shape, *shapes.objects(node_shape, SH.property)}


def _top_results(report: Graph) -> list[Node]:
    return [
        r for rep in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(rep, SH.result)
    ]


def _describe(result: ValidationResult) -> str:
    return "\n".join(str(v) for v in result.violations) or "(no result)"


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="session")
def run_case(shapes: Graph) -> Callable[[str], ValidationResult]:
    """Validate a case file once per session (the coverage test reuses the invalid cases' reports)."""
    cache: dict[str, ValidationResult] = {}

    def run(name: str) -> ValidationResult:
        if name not in cache:
            cache[name] = validate(Graph().parse(CASES / name, format="turtle"), shapes, engine="pyshacl")
        return cache[name]

    return run


def test_case_files_are_named_after_a_shape() -> None:
    """A file the runner cannot read as <ShapeName>-valid|invalid-NN.ttl would be silently skipped."""
    files = sorted(p.name for p in CASES.iterdir() if p.is_file())
    assert files, f"no case files in {CASES}"
    assert [f for f in files if not CASE_NAME.match(f)] == []


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_case_conforms(case: str, run_case: Callable[[str], ValidationResult]) -> None:
    result = run_case(case)
    assert result.conforms, _describe(result)
    assert result.violations == [], _describe(result)


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_case_fails_on_its_shape(
    case: str, shapes: Graph, run_case: Callable[[str], ValidationResult]
) -> None:
    node_shape = _shape_of(case)
    assert (node_shape, RDF.type, SH.NodeShape) in shapes, f"{case}: no node shape {node_shape}"
    family = {str(s) for s in _family(shapes, node_shape)}
    result = run_case(case)
    own = [v for v in result.violations if v.source_shape in family]
    others = [v for v in result.violations if v.source_shape not in family]
    assert own, f"{case} produced no result of {node_shape}:\n{_describe(result)}"
    assert others == [], f"{case} also breaks other shapes:\n" + "\n".join(map(str, others))
    severity = shapes.value(node_shape, SH.severity) or SH.Violation
    if severity == SH.Violation:
        assert not result.conforms, _describe(result)
    else:  # warnings are reported but allowed
        assert result.conforms, _describe(result)
        assert all(v.severity != "Violation" for v in own), _describe(result)


def test_every_shape_has_a_valid_and_an_invalid_case(shapes: Graph) -> None:
    named = {_shape_of(c) for c in _cases("valid") + _cases("invalid")}
    node_shapes = _node_shapes(shapes)
    assert named - node_shapes == set(), "cases for shapes that do not exist"
    missing_valid = node_shapes - {_shape_of(c) for c in _cases("valid")}
    missing_invalid = node_shapes - {_shape_of(c) for c in _cases("invalid")}
    assert missing_valid == set(), "node shapes without a -valid.ttl case"
    assert missing_invalid == set(), "node shapes without an -invalid-NN.ttl case"


def test_every_constraint_is_broken_by_some_case(
    shapes: Graph, run_case: Callable[[str], ValidationResult]
) -> None:
    """Each property shape and SPARQL constraint (and node-level constraint) is hit by an invalid case."""
    untested: list[str] = []
    for node_shape in sorted(_node_shapes(shapes)):
        required: set[Node] = set(shapes.objects(node_shape, SH.property))
        required |= set(shapes.objects(node_shape, SH.sparql))
        if any((node_shape, p, None) in shapes for p in NODE_LEVEL):
            required.add(node_shape)
        hit: set[Node] = set()
        for case in _cases("invalid"):
            if _shape_of(case) != node_shape:
                continue
            report = run_case(case).report
            for result in _top_results(report):
                constraint = report.value(result, SH.sourceConstraint)
                if constraint is not None:
                    hit.add(constraint)
                else:
                    hit.add(report.value(result, SH.sourceShape))
        untested += [f"{node_shape} → {r}" for r in sorted(required - hit, key=str)]
    assert untested == [], "constraints that no invalid case breaks"


def _messages_ok(shapes: Graph, node: Node) -> str | None:
    messages = [m for m in shapes.objects(node, SH.message) if isinstance(m, Literal)]
    ja = [m for m in messages if m.language == "ja"]
    en = [m for m in messages if m.language == "en"]
    if len(ja) != 1 or len(en) != 1 or len(messages) != 2:
        return f"{node}: needs exactly one sh:message @ja and one @en, has {messages}"
    if not JAPANESE.search(str(ja[0])):
        return f"{node}: the @ja message has no Japanese text"
    if JAPANESE.search(str(en[0])):
        return f"{node}: the @en message contains Japanese text (messages are told apart by script)"
    return None


def test_every_shape_and_constraint_has_messages_in_ja_and_en(shapes: Graph) -> None:
    subjects: set[Node] = set(shapes.subjects(SH.message, None))
    subjects |= set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    subjects |= set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    assert len(subjects) > 50
    problems = [p for s in sorted(subjects, key=str) if (p := _messages_ok(shapes, s))]
    assert problems == []


def test_every_shape_has_a_name_in_ja_and_en(shapes: Graph) -> None:
    problems = []
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            langs = sorted(n.language or "" for n in shapes.objects(shape, SH.name) if isinstance(n, Literal))
            if langs != ["en", "ja"]:
                problems.append(f"{shape}: sh:name languages {langs}")
    assert problems == []


def test_shapes_are_named_iris_in_the_shapes_namespace(shapes: Graph) -> None:
    """Reports name the rule that failed: node shapes are kks:{Name}Shape, their property shapes and
    SPARQL constraints kks:{Name}Shape-{aspect}, all typed."""
    problems = []
    for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
        if not (
            isinstance(node_shape, URIRef) and re.fullmatch(re.escape(KKS) + r"[A-Z]\w*Shape", node_shape)
        ):
            problems.append(f"node shape {node_shape!r} is not kks:{{Name}}Shape")
            continue
        for predicate, kind in ((SH.property, SH.PropertyShape), (SH.sparql, SH.SPARQLConstraint)):
            for part in shapes.objects(node_shape, predicate):
                if isinstance(part, BNode) or not str(part).startswith(f"{node_shape}-"):
                    problems.append(f"{node_shape}: {part!r} is not {node_shape}-{{aspect}}")
                elif (part, RDF.type, kind) not in shapes:
                    problems.append(f"{part}: not typed {kind}")
    assert problems == []


def test_property_shapes_share_their_node_shape_severity(shapes: Graph) -> None:
    """SHACL does not pass sh:severity down to property shapes; a warning shape must say it on each."""
    problems = []
    for node_shape in _node_shapes(shapes):
        severity = shapes.value(node_shape, SH.severity) or SH.Violation
        for part in shapes.objects(node_shape, SH.property):
            if (shapes.value(part, SH.severity) or SH.Violation) != severity:
                problems.append(f"{part}: severity differs from {node_shape}")
    assert problems == []


@pytest.mark.parametrize("shapes_file", sorted(p.name for p in SHAPES.glob("*.ttl")))
def test_each_shapes_file_works_on_its_own(shapes_file: str) -> None:
    """Each file declares the SPARQL prefixes it uses: alone, it runs on every valid case without error."""
    alone = Graph().parse(SHAPES / shapes_file, format="turtle")
    for case in _cases("valid"):
        result = validate(Graph().parse(CASES / case, format="turtle"), alone, engine="pyshacl")
        assert result.violations == [], f"{shapes_file} on {case}:\n{_describe(result)}"
