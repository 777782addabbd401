"""What the SHACL compiler knows about SHACL Core: the parameters it compiles and where each may stand,
its limits, the `Check` it produces, and the small writers of SPARQL text and report paths it shares.

compiler.py walks the shapes and conditions.py writes their SPARQL; both read these tables, so a
parameter that is not listed here is refused (`UnsupportedShape`) instead of being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import KgError

XSD_NS = str(XSD)
XSD_STRING = f"{XSD_NS}string"
#: datatypes whose lexical form Oxigraph checks when casting: an ill-formed literal fails sh:datatype
CASTABLE = {
    f"{XSD_NS}{name}"
    for name in (
        "integer",
        "decimal",
        "double",
        "float",
        "boolean",
        "date",
        "dateTime",
        "time",
        "duration",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gMonthDay",
        "gDay",
    )
}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
COMPARISONS = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
#: property-shape counts: (parameter, the comparison that makes a violation, component)
COUNTS = (
    (SH.minCount, "<", SH.MinCountConstraintComponent),
    (SH.maxCount, ">", SH.MaxCountConstraintComponent),
)
QUALIFIED_COUNTS = (
    (SH.qualifiedMinCount, "<", SH.QualifiedMinCountConstraintComponent),
    (SH.qualifiedMaxCount, ">", SH.QualifiedMaxCountConstraintComponent),
)
#: pair comparisons of property shapes: (parameter, the comparison each value must pass, component)
ORDERINGS = (
    (SH.lessThan, "<", SH.LessThanConstraintComponent),
    (SH.lessThanOrEquals, "<=", SH.LessThanOrEqualsConstraintComponent),
)
#: parameters that compile, on a shape, to a check of each value node on its own (value-type components)
VALUE_TYPE = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.languageIn,
    SH["in"],
    *COMPARISONS,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
)
#: parameters we read or that only describe; any other sh: predicate on a shape is refused
KNOWN = {
    *VALUE_TYPE,
    SH.flags,
    SH.hasValue,
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.equals,
    SH.disjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.sparql,
    SH.property,
    SH.path,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.deactivated,
    SH.closed,
    SH.ignoredProperties,
    SH.qualifiedValueShapesDisjoint,
}
#: parameters SHACL allows on property shapes only: on a node shape they are refused, not ignored
PROPERTY_ONLY = {
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.qualifiedValueShape,  # without it, qualifiedMin/MaxCount and …Disjoint are inert (no constraint)
    SH.lessThan,
    SH.lessThanOrEquals,
}
#: parameters whose second value would make the shape ambiguous
SINGLE = (SH.path, SH.flags, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount)
#: parameters that must be integers (a query is written with their value)
INTEGER = (SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount)
#: the derived XSD integer types, with their value range (Oxigraph stores them all as xsd:integer)
INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    f"{XSD_NS}{name}": bounds
    for name, bounds in {
        "long": (-(2**63), 2**63 - 1),
        "int": (-(2**31), 2**31 - 1),
        "short": (-(2**15), 2**15 - 1),
        "byte": (-(2**7), 2**7 - 1),
        "unsignedLong": (0, 2**64 - 1),
        "unsignedInt": (0, 2**32 - 1),
        "unsignedShort": (0, 2**16 - 1),
        "unsignedByte": (0, 2**8 - 1),
        "nonNegativeInteger": (0, None),
        "positiveInteger": (1, None),
        "nonPositiveInteger": (None, 0),
        "negativeInteger": (None, -1),
    }.items()
}
#: nesting of shapes (sh:node, sh:property, logical members) beyond which a shape is refused
MAX_DEPTH = 32
#: the largest count a nested property shape compiles (n distinct values as one EXISTS pattern)
MAX_NESTED_COUNT = 4


class UnsupportedShape(KgError):
    """The shapes use a SHACL feature the fast validator does not compile; use the pySHACL validator."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT whose rows are violations (?this, and ?value/?path when bound)."""

    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    query: str
    path: Node | None = None  # the shape's sh:path node (the result path unless the query binds ?path)
    constraint: Node | None = None  # the sh:SPARQLConstraint node, for SPARQL-based checks
    value_is_focus: bool = False  # node-level or SPARQL check: an unbound ?value is the focus node


def sparql_string(text: str) -> str:
    """A SPARQL string literal (JSON-style escapes are valid SPARQL escapes for these characters)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def is_true_literal(value: Node) -> bool:
    return isinstance(value, Literal) and value.datatype == XSD.boolean and str(value) == "true"


def copy_path(shapes: Graph, path: Node, target: Graph) -> None:
    """Copy a result path into a report as the compiler reads it (an RDF list is a sequence, and only
    its list triples are copied, whatever else the path node carries)."""
    if not isinstance(path, BNode):
        return
    if (path, RDF.first, None) in shapes:
        node: Node = path
        while node != RDF.nil and isinstance(node, BNode):
            first, rest = shapes.value(node, RDF.first), shapes.value(node, RDF.rest)
            if first is None or rest is None:
                return
            target.add((node, RDF.first, first))
            target.add((node, RDF.rest, rest))
            copy_path(shapes, first, target)
            node = rest
        return
    for predicate in (
        SH.inversePath,
        SH.alternativePath,
        SH.zeroOrMorePath,
        SH.oneOrMorePath,
        SH.zeroOrOnePath,
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            target.add((path, predicate, inner))
            copy_path(shapes, inner, target)
            return
