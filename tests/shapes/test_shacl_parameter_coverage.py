"""No silent miss: every SHACL Core parameter, on every kind of shape, is compiled or refused.

For each constraint parameter of SHACL Core (`PARAMETERS`) and each place a shape can sit (`KINDS`: a
node shape, a property shape, a property shape with its own target, a nested property shape, a member
of sh:or / sh:and / sh:xone / sh:not as a node or a property shape (and of sh:node as a node shape: SHACL
makes a property shape there ill-formed, and pySHACL refuses it), a property shape inside such a member),
the parameter is put in that place and either

- the compiled validator refuses the shapes with `UnsupportedShape` at compile time, before any data is
  read — and the refusal is one of `EXPECTED_REFUSALS`, each with its reason; or
- it compiles, finds a violation on a tiny data graph that breaks the parameter, and none on one that
  keeps it; pySHACL, the reference, gives the same verdicts (so the data really tests the parameter).

A parameter the compiler accepted but did not check would find no violation: the failure this test is for.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rdflib import Graph

from kg.validate import UnsupportedShape, validate
from kg.validate.compiled import compile_shapes

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""


@dataclass(frozen=True)
class Parameter:
    """A parameter in Turtle, with data that breaks it and data that keeps it.

    `bad`/`good`: triples about the values of ex:p at ex:n (a property shape's view). `node_bad` /
    `node_good`: (focus node, triples) for a node shape, whose value node is the focus itself.
    """

    turtle: str
    bad: str
    good: str
    node_bad: tuple[str, str] | None = None
    node_good: tuple[str, str] | None = None


PARAMETERS: dict[str, Parameter] = {
    "class": Parameter(
        "sh:class ex:C",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        ("ex:n", ""),
        ("ex:n", "ex:n a ex:C ."),
    ),
    "datatype": Parameter(
        "sh:datatype xsd:integer", 'ex:n ex:p "x" .', "ex:n ex:p 1 .", ('"x"', ""), ("1", "")
    ),
    "datatype-derived": Parameter(
        "sh:datatype xsd:byte",
        'ex:n ex:p "300"^^xsd:byte .',
        'ex:n ex:p "12"^^xsd:byte .',
        ('"300"^^xsd:byte', ""),
        ('"12"^^xsd:byte', ""),
    ),
    "nodeKind": Parameter(
        "sh:nodeKind sh:Literal", "ex:n ex:p ex:v .", 'ex:n ex:p "a" .', ("ex:n", ""), ('"a"', "")
    ),
    "minCount": Parameter("sh:minCount 1", "ex:n ex:q 1 .", "ex:n ex:p 1 ."),
    "minCount-2": Parameter("sh:minCount 2", "ex:n ex:p 1 .", "ex:n ex:p 1, 2 ."),
    "maxCount": Parameter("sh:maxCount 1", "ex:n ex:p 1, 2 .", "ex:n ex:p 1 ."),
    "minExclusive": Parameter("sh:minExclusive 5", "ex:n ex:p 5 .", "ex:n ex:p 6 .", ("5", ""), ("6", "")),
    "minInclusive": Parameter("sh:minInclusive 5", "ex:n ex:p 4 .", "ex:n ex:p 5 .", ("4", ""), ("5", "")),
    "maxExclusive": Parameter("sh:maxExclusive 5", "ex:n ex:p 5 .", "ex:n ex:p 4 .", ("5", ""), ("4", "")),
    "maxInclusive": Parameter("sh:maxInclusive 5", "ex:n ex:p 6 .", "ex:n ex:p 5 .", ("6", ""), ("5", "")),
    "minLength": Parameter(
        "sh:minLength 2", 'ex:n ex:p "a" .', 'ex:n ex:p "ab" .', ('"a"', ""), ('"ab"', "")
    ),
    "maxLength": Parameter(
        "sh:maxLength 2", 'ex:n ex:p "abc" .', 'ex:n ex:p "ab" .', ('"abc"', ""), ('"ab"', "")
    ),
    "pattern": Parameter('sh:pattern "^a"', 'ex:n ex:p "b" .', 'ex:n ex:p "a" .', ('"b"', ""), ('"a"', "")),
    "pattern-flags": Parameter(
        'sh:pattern "^a" ; sh:flags "i"', 'ex:n ex:p "b" .', 'ex:n ex:p "A" .', ('"b"', ""), ('"A"', "")
    ),
    "languageIn": Parameter(
        'sh:languageIn ( "ja" )', 'ex:n ex:p "x"@en .', 'ex:n ex:p "x"@ja .', ('"x"@en', ""), ('"x"@ja', "")
    ),
    "uniqueLang": Parameter("sh:uniqueLang true", 'ex:n ex:p "a"@en, "b"@en .', 'ex:n ex:p "a"@en, "b"@ja .'),
    "equals": Parameter(
        "sh:equals ex:q",
        "ex:n ex:p 1 ; ex:q 2 .",
        "ex:n ex:p 1 ; ex:q 1 .",
        ("ex:n", "ex:n ex:q ex:m ."),
        ("ex:n", "ex:n ex:q ex:n ."),
    ),
    "disjoint": Parameter(
        "sh:disjoint ex:q",
        "ex:n ex:p 1 ; ex:q 1 .",
        "ex:n ex:p 1 ; ex:q 2 .",
        ("ex:n", "ex:n ex:q ex:n ."),
        ("ex:n", "ex:n ex:q ex:m ."),
    ),
    "lessThan": Parameter("sh:lessThan ex:q", "ex:n ex:p 2 ; ex:q 1 .", "ex:n ex:p 1 ; ex:q 2 ."),
    "lessThanOrEquals": Parameter(
        "sh:lessThanOrEquals ex:q", "ex:n ex:p 3 ; ex:q 2 .", "ex:n ex:p 2 ; ex:q 2 ."
    ),
    "not": Parameter(
        "sh:not [ sh:class ex:C ]",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        "ex:n ex:p ex:v .",
        ("ex:n", "ex:n a ex:C ."),
        ("ex:n", ""),
    ),
    "and": Parameter(
        "sh:and ( [ sh:class ex:C ] [ sh:class ex:D ] )",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        "ex:n ex:p ex:v . ex:v a ex:C, ex:D .",
        ("ex:n", "ex:n a ex:C ."),
        ("ex:n", "ex:n a ex:C, ex:D ."),
    ),
    "or": Parameter(
        "sh:or ( [ sh:class ex:C ] [ sh:class ex:D ] )",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v a ex:D .",
        ("ex:n", ""),
        ("ex:n", "ex:n a ex:D ."),
    ),
    "xone": Parameter(
        "sh:xone ( [ sh:class ex:C ] [ sh:class ex:D ] )",
        "ex:n ex:p ex:v . ex:v a ex:C, ex:D .",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        ("ex:n", "ex:n a ex:C, ex:D ."),
        ("ex:n", "ex:n a ex:C ."),
    ),
    "node": Parameter(
        "sh:node [ sh:class ex:C ]",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        ("ex:n", ""),
        ("ex:n", "ex:n a ex:C ."),
    ),
    "property": Parameter(
        "sh:property [ sh:path ex:r ; sh:minCount 1 ]",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v ex:r 1 .",
        ("ex:n", ""),
        ("ex:n", "ex:n ex:r 1 ."),
    ),
    "qualifiedMinCount": Parameter(
        "sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v a ex:C .",
    ),
    "qualifiedMaxCount": Parameter(
        "sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMaxCount 0",
        "ex:n ex:p ex:v . ex:v a ex:C .",
        "ex:n ex:p ex:v .",
    ),
    "qualifiedValueShapesDisjoint": Parameter(
        "sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ; "
        "sh:qualifiedValueShapesDisjoint true",
        "ex:n ex:p ex:v .",
        "ex:n ex:p ex:v . ex:v a ex:C .",
    ),
    "closed": Parameter(
        "sh:closed true ; sh:ignoredProperties ( ex:i )",
        "ex:n ex:p ex:v . ex:v ex:z 1 .",
        "ex:n ex:p ex:v . ex:v ex:i 1 .",
        ("ex:n", "ex:n ex:z 1 ."),
        ("ex:n", "ex:n ex:i 1 ."),
    ),
    "hasValue": Parameter(
        "sh:hasValue ex:v", "ex:n ex:p ex:w .", "ex:n ex:p ex:v .", ("ex:w", ""), ("ex:v", "")
    ),
    "in": Parameter(
        "sh:in ( ex:a ex:b )", "ex:n ex:p ex:c .", "ex:n ex:p ex:a .", ("ex:c", ""), ("ex:a", "")
    ),
}

#: where a parameter sits: (Turtle of the shapes with {P} for the parameter and {F} for the focus node,
#: whether the parameter is on a node shape, whether the verdict is negated, triples linking the focus)
KINDS: dict[str, tuple[str, bool, bool, str]] = {
    "node shape": ("ex:S a sh:NodeShape ; sh:targetNode {F} ; {P} .", True, False, ""),
    "property shape": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ; {P} ] .",
        False,
        False,
        "",
    ),
    "targeted property shape": (
        "ex:S a sh:PropertyShape ; sh:targetNode ex:n ; sh:path ex:p ; {P} .",
        False,
        False,
        "",
    ),
    "nested property shape": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:top ; sh:property [ sh:path ex:down ; "
        "sh:property [ sh:path ex:p ; {P} ] ] .",
        False,
        False,
        "ex:top ex:down ex:n .",
    ),
    **{
        f"node member of sh:{logic}": (
            f"ex:S a sh:NodeShape ; sh:targetNode {{F}} ; sh:{logic} {wrap.format('[ {P} ]')} .",
            True,
            logic == "not",
            "",
        )
        for logic, wrap in (
            ("or", "( {} )"),
            ("and", "( {} )"),
            ("xone", "( {} )"),
            ("not", "{}"),
            ("node", "{}"),
        )
    },
    **{
        f"property member of sh:{logic}": (
            "ex:S a sh:NodeShape ; sh:targetNode ex:n ; "
            f"sh:{logic} {wrap.format('[ sh:path ex:p ; {P} ]')} .",
            False,
            logic == "not",
            "",
        )
        for logic, wrap in (
            ("or", "( {} )"),
            ("and", "( {} )"),
            ("xone", "( {} )"),
            ("not", "{}"),
        )
    },
    "property shape inside a sh:or member": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:top ; sh:or ( [ sh:path ex:down ; "
        "sh:property [ sh:path ex:p ; {P} ] ] ) .",
        False,
        False,
        "ex:top ex:down ex:n .",
    ),
}

#: parameters SHACL allows on property shapes only: on a node shape the compiler refuses them
_PROPERTY_ONLY = (
    "minCount",
    "minCount-2",
    "maxCount",
    "uniqueLang",
    "lessThan",
    "lessThanOrEquals",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint",
)
_NODE_KINDS = [kind for kind, (_, on_node, _, _) in KINDS.items() if on_node]

#: every refusal, with its reason (docs/shacl-conformance.md repeats them)
EXPECTED_REFUSALS: dict[tuple[str, str], str] = {
    **{
        (parameter, kind): "SHACL allows the parameter on property shapes only: the shape is ill-formed"
        for parameter in _PROPERTY_ONLY
        for kind in _NODE_KINDS
    },
}

COMBINATIONS = [(p, k) for p in PARAMETERS for k in KINDS]


def _shapes(parameter: str, kind: str, focus: str) -> Graph:
    template = KINDS[kind][0]
    text = template.replace("{P}", PARAMETERS[parameter].turtle).replace("{F}", focus)
    return Graph().parse(data=PREFIXES + text, format="turtle")


def _cases(parameter: str, kind: str) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """((focus, data) that must fail, (focus, data) that must pass), or None when the parameter has no
    node-shape data (it is then property-only and must be refused)."""
    spec = PARAMETERS[parameter]
    _, on_node, negated, link = KINDS[kind]
    if on_node:
        if spec.node_bad is None or spec.node_good is None:
            return None
        bad, good = spec.node_bad, spec.node_good
    else:
        bad, good = ("ex:n", spec.bad), ("ex:n", spec.good)
    bad, good = (bad[0], bad[1] + link), (good[0], good[1] + link)
    return (good, bad) if negated else (bad, good)


def _conforms(focus: str, data: str, parameter: str, kind: str, engine: str) -> bool:
    graph = Graph().parse(data=PREFIXES + data, format="turtle")
    result = validate(graph, _shapes(parameter, kind, focus), engine=engine)
    return not result.violations


@pytest.mark.parametrize(("parameter", "kind"), COMBINATIONS, ids=[f"{p}@{k}" for p, k in COMBINATIONS])
def test_compiled_or_refused(parameter: str, kind: str) -> None:
    """The combination is refused at compile time (and expected to be), or compiled and checked."""
    cases = _cases(parameter, kind)
    focus = cases[0][0] if cases is not None else "ex:n"
    try:
        compile_shapes(_shapes(parameter, kind, focus), lexical=True)
    except UnsupportedShape as exc:
        assert (parameter, kind) in EXPECTED_REFUSALS, f"refused, and not documented: {exc}"
        return
    assert (parameter, kind) not in EXPECTED_REFUSALS, "compiled, but documented as refused"
    assert cases is not None, "compiled a parameter that has no node-shape meaning"
    (bad_focus, bad), (good_focus, good) = cases
    assert not _conforms(bad_focus, bad, parameter, kind, "compiled"), "SILENT MISS: no violation found"
    assert _conforms(good_focus, good, parameter, kind, "compiled"), "false alarm on conforming data"


@pytest.mark.parametrize(
    ("parameter", "kind"),
    [c for c in COMBINATIONS if c not in EXPECTED_REFUSALS],
    ids=[f"{p}@{k}" for p, k in COMBINATIONS if (p, k) not in EXPECTED_REFUSALS],
)
def test_the_data_tests_the_parameter(parameter: str, kind: str) -> None:
    """pySHACL, the reference, gives the same verdicts: the tiny graphs really break and keep it."""
    cases = _cases(parameter, kind)
    assert cases is not None
    (bad_focus, bad), (good_focus, good) = cases
    assert not _conforms(bad_focus, bad, parameter, kind, "pyshacl")
    assert _conforms(good_focus, good, parameter, kind, "pyshacl")


def test_every_core_parameter_is_enumerated() -> None:
    """The enumeration covers every constraint parameter of SHACL Core (a new one must be added here)."""
    core = {
        "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
        "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang",
        "equals", "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node",
        "property", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "closed",
        "hasValue", "in",
    }  # fmt: skip
    assert core <= set(PARAMETERS)
    assert len(KINDS) == 14


# ---- literals as the data wrote them ------------------------------------------------------------------


def _compiled(data: str, shapes: str) -> list[str | None]:
    graph = Graph().parse(data=PREFIXES + data, format="turtle")
    result = validate(graph, Graph().parse(data=PREFIXES + shapes, format="turtle"), engine="compiled")
    return sorted(str(v.value) for v in result.violations)


@pytest.mark.parametrize(
    ("value", "datatype"),
    [
        ('"abc"^^xsd:int', "xsd:int"),
        ('"yes"^^xsd:boolean', "xsd:boolean"),  # rdflib rewrites it to "false", flagged ill-typed
        ('"-5"^^xsd:nonNegativeInteger', "xsd:nonNegativeInteger"),
        ('"300"^^xsd:byte', "xsd:byte"),
        ("55", "xsd:byte"),  # an xsd:integer is not an xsd:byte, although Oxigraph stores both alike
    ],
)
def test_ill_typed_literals_stay_ill_typed(value: str, datatype: str) -> None:
    shapes = (
        f"ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ; sh:datatype {datatype} ] ."
    )
    assert len(_compiled(f"ex:n ex:p {value} .", shapes)) == 1


def test_valid_derived_integers_pass() -> None:
    shapes = (
        "ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ; sh:datatype xsd:byte ] ."
    )
    assert _compiled('ex:n ex:p "12"^^xsd:byte, "-128"^^xsd:byte .', shapes) == []


def test_results_give_the_data_lexical_form() -> None:
    """Oxigraph stores "4.0"^^xsd:decimal as "4": the report still says "4.0", and sh:pattern reads it."""
    shapes = (
        "ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ; sh:maxInclusive 3 ] ; "
        'sh:property [ sh:path ex:q ; sh:pattern "0$" ] .'
    )
    decimal = "^^<http://www.w3.org/2001/XMLSchema#decimal>"
    assert _compiled("ex:n ex:p 4.0 ; ex:q 1.50 .", shapes) == [f'"4.0"{decimal}']  # "1.50" ends in 0


def test_qualified_value_shapes_disjoint_looks_at_siblings() -> None:
    """A value that conforms to a sibling's qualified value shape does not count (and without
    sh:qualifiedValueShapesDisjoint it does)."""
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:n ;
      sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ;
                    sh:qualifiedValueShapesDisjoint {flag} ] ;
      sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ;
                    sh:qualifiedValueShapesDisjoint {flag} ] ."""
    data = "ex:n ex:p ex:v . ex:v a ex:C, ex:D ."
    assert len(_compiled(data, shapes.replace("{flag}", "true"))) == 2
    assert _compiled(data, shapes.replace("{flag}", "false")) == []


def test_recursive_shapes_are_refused_before_any_data() -> None:
    shapes = Graph().parse(
        data=PREFIXES
        + "ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:property [ sh:path ex:p ; sh:node ex:S ] .",
        format="turtle",
    )
    with pytest.raises(UnsupportedShape, match="recursive"):
        compile_shapes(shapes)
