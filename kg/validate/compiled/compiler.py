"""The SHACL compiler: each constraint of `shapes/` turned into one SPARQL SELECT that finds its violations.

pySHACL (kg/validate/pyshacl.py) is the reference semantics, but it walks every focus node in Python over
rdflib: about half a second per document graph, hours for every municipality of Japan. This module reads the
same shapes graph and turns each constraint into one SPARQL SELECT that returns only the violating
(focus node, value) pairs; the store then does the work for all focus nodes at once, in Rust
(kg/validate/compiled/runner.py runs the checks and builds a report of pySHACL's shape, so
kg/validate/report.py flattens both the same way). tests/shapes/test_validate_fast.py proves both
validators give the same results on every shape case and on the real data.

What is compiled: all of SHACL Core, on every kind of shape, plus SPARQL-based constraints on node shapes
(the W3C SHACL Core suite passes whole: tests/shapes/test_w3c_shacl_core.py, docs/shacl-conformance.md):

- targets: `sh:targetClass` (through `rdfs:subClassOf*` in the data, as SHACL says), `sh:targetNode`,
  `sh:targetSubjectsOf`, `sh:targetObjectsOf`, implicit class targets (a shape that is an rdfs:Class), on
  node shapes and on property shapes alike;
- paths: IRIs, `sh:inversePath`, sequences (an RDF list is a sequence, whatever else its node carries),
  `sh:alternativePath`, `sh:zeroOrMorePath`, `sh:oneOrMorePath`, `sh:zeroOrOnePath`;
- value-type components on each value node: class, datatype (a lexical check for the XSD types Oxigraph
  casts, pattern and range for the derived integer types), nodeKind, pattern (with flags), languageIn,
  in, min/max Inclusive/Exclusive, min/maxLength, node, or, and, not, xone;
- on node shapes also hasValue (a result without sh:value), equals, disjoint (the focus node is the value
  node) and closed with ignoredProperties; the property-shape-only parameters (minCount, lessThan …) on a
  node shape are refused, the shape being ill-formed;
- on property shapes: minCount, maxCount, uniqueLang, qualifiedValueShape with qualifiedMin/MaxCount and
  qualifiedValueShapesDisjoint (the sibling shapes of every parent), equals, disjoint, lessThan,
  lessThanOrEquals, closed, and their own sh:property (the value nodes become the focus nodes);
- a shape inside another (sh:node, a member of sh:or/and/not/xone, a qualified value shape) becomes one
  SPARQL boolean expression: every parameter above again, counts as EXISTS patterns of n distinct values
  (n up to 4); a shape reached from itself is refused (SHACL leaves recursion undefined);
- `sh:sparql` SELECT constraints on node shapes: `$this` becomes a variable joined, inside the query's own
  WHERE group, with the shape's focus nodes, which gives the pre-binding of SHACL for queries where
  `$this` is bound by a triple pattern of that group (all of ours: the test suite checks it).

Anything else (SPARQL constraints on property or nested shapes, `$PATH`, ASK validators, custom
components, an unknown `sh:` parameter, a boolean parameter that is not the literal `true` counts as off)
makes `UnsupportedShape` raise at compile time, before any data is read: the compiled validator never
silently checks less than SHACL asks (tests/shapes/test_shacl_parameter_coverage.py enumerates every
parameter on every kind of shape) — use `--validator pyshacl` for such shapes.

Literals: Oxigraph stores a literal it can parse as its value (`"4.0"^^xsd:decimal` as `"4"`, every derived
integer type as xsd:integer). literals.py keeps the data's form in a store the validator builds itself;
comparisons and datatype checks read it back here.

One subtlety of SPARQL semantics is handled on purpose: a FILTER whose expression raises an error drops
the row. Every atomic check is therefore wrapped in COALESCE(…, false), so that a value that cannot be
compared (a string against sh:minInclusive, say) counts as failing, as SHACL requires.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import KgError, QuerySyntaxError
from kg.sparql_text import where_offset
from kg.validate.compiled.literals import LEXICAL, store_form
from kg.validate.report import load_shapes

_XSD = str(XSD)
_XSD_STRING = f"{_XSD}string"
#: datatypes whose lexical form Oxigraph checks when casting: an ill-formed literal fails sh:datatype
_CASTABLE = {
    f"{_XSD}{name}"
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
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
#: parameters that compile, on a shape, to a check of each value node on its own (value-type components)
_VALUE_TYPE = (
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.languageIn,
    SH["in"],
    *_COMPARISONS,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
)
#: parameters we read or that only describe; any other sh: predicate on a shape is refused
_KNOWN = {
    *_VALUE_TYPE,
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
_PROPERTY_ONLY = {
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.qualifiedValueShape,  # without it, qualifiedMin/MaxCount and …Disjoint are inert (no constraint)
    SH.lessThan,
    SH.lessThanOrEquals,
}
#: parameters whose second value would make the shape ambiguous
_SINGLE = (SH.path, SH.flags, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount)
#: parameters that must be integers (a query is written with their value)
_INTEGER = (SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount)
#: the derived XSD integer types, with their value range (Oxigraph stores them all as xsd:integer)
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    f"{_XSD}{name}": bounds
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
_MAX_DEPTH = 32
#: the largest count a nested property shape compiles (n distinct values as one EXISTS pattern)
_MAX_NESTED_COUNT = 4


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


class _Compiler:
    """Turns a shapes graph into `Check`s. One instance per shapes graph; fresh variable names per use.

    Values are always read back from the lexical datatypes of literals.py where they are compared or
    their datatype is checked (a store without them pays a test of the datatype). `lexical`: the store
    was built by `runner.store_from_graphs`, so shape constants compared by identity are written in the
    form it stores them in (in a store Oxigraph loaded itself they are left to Oxigraph's canonical form).
    """

    def __init__(self, shapes: Graph, *, lexical: bool = False) -> None:
        self.shapes = shapes
        self.lexical = lexical
        self._counter = 0

    # -- helpers

    def fresh(self, stem: str = "v") -> str:
        self._counter += 1
        return f"?_{stem}{self._counter}"

    def term(self, node: Node) -> str:
        """A constant that is compared by identity (sh:in, sh:hasValue, targets): in its stored form."""
        if isinstance(node, BNode):
            raise UnsupportedShape(f"a blank node as a constraint parameter value: {node}")
        if self.lexical and isinstance(node, Literal):
            stored = store_form(node)
            if stored is not None:
                return str(stored)
        return node.n3()

    def bound(self, node: Node) -> str:
        """A constant that is compared by value (sh:minInclusive …): as written, Oxigraph reads its value."""
        if not isinstance(node, Literal):
            raise UnsupportedShape(f"a comparison bound that is not a literal: {node}")
        return node.n3()

    def val(self, v: str) -> str:
        """The value of a node for a comparison (a literal under a lexical datatype read back; any store
        may hold some, so this is always on: it costs a test of the datatype)."""
        prefix = _string(LEXICAL)
        return (
            f"IF(isLiteral({v}) && STRSTARTS(STR(DATATYPE({v})), {prefix}), "
            f"STRDT(STR({v}), IRI(STRAFTER(STR(DATATYPE({v})), {prefix}))), {v})"
        )

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def path(self, node: Node | None) -> str:
        """A SHACL path as a SPARQL property path (an RDF list is a sequence, whatever else it carries)."""
        if node is None:
            raise UnsupportedShape("a property shape without sh:path")
        if isinstance(node, URIRef):
            return node.n3()
        if isinstance(node, Literal):
            raise UnsupportedShape(f"a literal as a SHACL path: {node}")
        g = self.shapes
        if (node, RDF.first, None) in g:
            items = self.items(node)
            if len(items) < 2:
                raise UnsupportedShape(f"a sequence path of fewer than two members: {node}")
            return "(" + "/".join(self.path(p) for p in items) + ")"
        if (inverse := g.value(node, SH.inversePath)) is not None:
            return f"^({self.path(inverse)})"
        if (alternative := g.value(node, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternative)) + ")"
        for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            if (inner := g.value(node, predicate)) is not None:
                return f"({self.path(inner)}){suffix}"
        raise UnsupportedShape(f"a SHACL path this validator does not know: {node}")

    def severity(self, shape: Node) -> URIRef:
        value = self.shapes.value(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def messages(self, shape: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted((m for m in self.shapes.objects(shape, SH.message) if isinstance(m, Literal)), key=str)
        )

    def is_true(self, shape: Node, parameter: URIRef) -> bool:
        """A boolean parameter is on only when it is the literal `true` (SHACL: "1" does not count)."""
        return any(_is_true(v) for v in self.shapes.objects(shape, parameter))

    def refuse_unknown(self, shape: Node, *, node_shape: bool) -> None:
        """Refuse, before any data is read, a shape with a parameter that would not be checked."""
        for predicate in set(self.shapes.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _KNOWN:
                raise UnsupportedShape(
                    f"{shape} uses {predicate}, which the compiled validator does not compile"
                )
            if node_shape and predicate in _PROPERTY_ONLY:
                raise UnsupportedShape(
                    f"{shape} is a node shape with {predicate}, which SHACL allows on property shapes only"
                )
        for parameter in _SINGLE:
            if len(set(self.shapes.objects(shape, parameter))) > 1:
                raise UnsupportedShape(f"{shape} has more than one {parameter}")
        for parameter in _INTEGER:
            for value in self.shapes.objects(shape, parameter):
                if not (isinstance(value, Literal) and isinstance(value.toPython(), int)):
                    raise UnsupportedShape(f"{shape}: {parameter} {value} is not an integer")

    def deactivated(self, shape: Node) -> bool:
        return self.is_true(shape, SH.deactivated)

    def enter(self, shape: Node, stack: tuple[Node, ...]) -> tuple[Node, ...]:
        """The shapes being expanded, with `shape`; a shape inside itself is refused (recursion)."""
        if shape in stack:
            raise UnsupportedShape(f"recursive shapes: {shape} is reached from itself")
        if len(stack) > _MAX_DEPTH:
            raise UnsupportedShape(f"shapes nested deeper than {_MAX_DEPTH} levels at {shape}")
        return (*stack, shape)

    def closed_allowed(self, shape: Node) -> list[str]:
        """The predicates a closed shape allows: its property shapes' IRI paths and sh:ignoredProperties."""
        allowed = {
            p
            for prop in self.shapes.objects(shape, SH.property)
            if isinstance(p := self.shapes.value(prop, SH.path), URIRef)
        }
        for ignored in self.shapes.objects(shape, SH.ignoredProperties):
            allowed |= {i for i in self.items(ignored) if isinstance(i, URIRef)}
        return sorted(self.term(p) for p in allowed)

    def closed_pattern(self, shape: Node, v: str, p: str, o: str) -> str:
        """Triples of `v` whose predicate the closed shape does not allow (binding `p` and `o`)."""
        allowed = self.closed_allowed(shape)
        condition = f" FILTER ({p} NOT IN ({', '.join(allowed)}))" if allowed else ""
        return f"{v} {p} {o} .{condition}"

    # -- targets

    def focus(self, shape: Node) -> str | None:
        """A group pattern binding ?this to the focus nodes of a shape (None: the shape has no target)."""
        g = self.shapes
        branches = [
            f"?this a/{RDFS.subClassOf.n3()}* {self.term(c)} ."
            for c in sorted(g.objects(shape, SH.targetClass))
        ]
        if (shape, RDF.type, RDFS.Class) in g and isinstance(shape, URIRef):
            branches.append(f"?this a/{RDFS.subClassOf.n3()}* {shape.n3()} .")
        nodes = sorted(g.objects(shape, SH.targetNode))
        if nodes:
            branches.append("VALUES ?this { " + " ".join(self.term(n) for n in nodes) + " }")
        for p in sorted(g.objects(shape, SH.targetSubjectsOf)):
            branches.append(f"?this {self.term(p)} [] .")
        for p in sorted(g.objects(shape, SH.targetObjectsOf)):
            branches.append(f"[] {self.term(p)} ?this .")
        if not branches:
            return None
        union = " UNION ".join("{ " + b + " }" for b in branches)
        return "{ SELECT DISTINCT ?this WHERE { " + union + " } }"

    def value_focus(self, focus: str, path: str) -> str:
        """A group pattern binding ?this to the value nodes of `path` at the focus nodes of `focus`."""
        parent = self.fresh("f")
        inner = focus.replace("SELECT DISTINCT ?this WHERE", f"SELECT DISTINCT (?this AS {parent}) WHERE", 1)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {inner} {parent} {path} ?this . }} }}"

    # -- conformance of one node to a shape, as a SPARQL boolean expression

    def conforms(self, shape: Node, var: str, stack: tuple[Node, ...]) -> str:
        """`var` conforms to `shape` (node or property shape): the conjunction of its constraints."""
        stack = self.enter(shape, stack)
        if self.shapes.value(shape, SH.path) is not None:
            return self.property_conforms(shape, var, stack)
        g = self.shapes
        self.refuse_unknown(shape, node_shape=True)
        if self.deactivated(shape):
            return "true"
        if any(g.objects(shape, SH.sparql)):
            raise UnsupportedShape(f"a SPARQL constraint in the nested shape {shape}")
        parts = [expr for _, _, expr in self.value_type(shape, var, stack)]
        for value in g.objects(shape, SH.hasValue):
            parts.append(f"sameTerm({var}, {self.term(value)})")
        for other in g.objects(shape, SH.equals):
            x = self.fresh()
            o = self.term(other)
            parts.append(
                f"(NOT EXISTS {{ {var} {o} {x} FILTER (!sameTerm({x}, {var})) }} && "
                f"EXISTS {{ {var} {o} {var} }})"
            )
        for other in g.objects(shape, SH.disjoint):
            parts.append(f"NOT EXISTS {{ {var} {self.term(other)} {var} }}")
        if self.is_true(shape, SH.closed):
            parts.append(f"NOT EXISTS {{ {self.closed_pattern(shape, var, self.fresh('p'), self.fresh())} }}")
        for prop in sorted(g.objects(shape, SH.property), key=str):
            parts.append(self.conforms(prop, var, stack))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def distinct(self, variables: list[str]) -> str:
        pairs = [f"!sameTerm({a}, {b})" for i, a in enumerate(variables) for b in variables[i + 1 :]]
        return " && ".join(pairs) or "true"

    def at_least(
        self, var: str, path: str, n: int, prop: Node, condition: Callable[[str], str] | None = None
    ) -> str:
        """`var` has at least n distinct values of `path` (each satisfying `condition`, when given)."""
        if n <= 0:
            return "true"
        if n > _MAX_NESTED_COUNT:
            raise UnsupportedShape(f"a count above {_MAX_NESTED_COUNT} in the nested property shape {prop}")
        xs = [self.fresh() for _ in range(n)]
        tests = [self.distinct(xs)] if n > 1 else []
        if condition is not None:
            tests += [condition(x) for x in xs]
        where = f" FILTER ({' && '.join(tests)})" if tests else ""
        return f"EXISTS {{ {var} {path} {', '.join(xs)} .{where} }}"

    def property_conforms(self, prop: Node, var: str, stack: tuple[Node, ...]) -> str:
        """`var` conforms to the property shape `prop` (every component, as EXISTS patterns)."""
        g = self.shapes
        self.refuse_unknown(prop, node_shape=False)
        if self.deactivated(prop):
            return "true"
        if any(g.objects(prop, SH.sparql)):
            raise UnsupportedShape(f"a SPARQL constraint in the nested property shape {prop}")
        path = self.path(g.value(prop, SH.path))
        parts = []
        for min_count in g.objects(prop, SH.minCount):
            parts.append(self.at_least(var, path, int(min_count), prop))
        for max_count in g.objects(prop, SH.maxCount):
            parts.append(f"!{self.at_least(var, path, int(max_count) + 1, prop)}")
        for value in g.objects(prop, SH.hasValue):
            parts.append(f"EXISTS {{ {var} {path} {self.term(value)} }}")
        x = self.fresh()
        checks = [expr for _, _, expr in self.value_type(prop, x, stack)]
        if self.is_true(prop, SH.closed):
            checks.append(f"NOT EXISTS {{ {self.closed_pattern(prop, x, self.fresh('p'), self.fresh())} }}")
        for nested in sorted(g.objects(prop, SH.property), key=str):
            checks.append(self.conforms(nested, x, stack))
        if checks:
            parts.append(f"NOT EXISTS {{ {var} {path} {x} . FILTER (!({' && '.join(checks)})) }}")
        if self.is_true(prop, SH.uniqueLang):
            a, b = self.fresh(), self.fresh()
            parts.append(
                f"NOT EXISTS {{ {var} {path} {a}, {b} . "
                f'FILTER (!sameTerm({a}, {b}) && lang({a}) != "" && lang({a}) = lang({b})) }}'
            )
        for qualified in g.objects(prop, SH.qualifiedValueShape):

            def conforming(x: str, qualified: Node = qualified) -> str:
                return self.qualified_conforms(prop, qualified, x, stack)

            for low in g.objects(prop, SH.qualifiedMinCount):
                parts.append(self.at_least(var, path, int(low), prop, conforming))
            for high in g.objects(prop, SH.qualifiedMaxCount):
                parts.append(f"!{self.at_least(var, path, int(high) + 1, prop, conforming)}")
        for other in g.objects(prop, SH.equals):
            o, y = self.term(other), self.fresh()
            parts.append(
                f"(NOT EXISTS {{ {var} {path} {y} FILTER NOT EXISTS {{ {var} {o} {y} }} }} && "
                f"NOT EXISTS {{ {var} {o} {y} FILTER NOT EXISTS {{ {var} {path} {y} }} }})"
            )
        for other in g.objects(prop, SH.disjoint):
            y = self.fresh()
            parts.append(f"NOT EXISTS {{ {var} {path} {y} . {var} {self.term(other)} {y} }}")
        for parameter, operator in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "<=")):
            for other in g.objects(prop, parameter):
                y, z = self.fresh(), self.fresh()
                parts.append(
                    f"NOT EXISTS {{ {var} {path} {y} . {var} {self.term(other)} {z} . "
                    f"FILTER (!COALESCE({self.val(y)} {operator} {self.val(z)}, false)) }}"
                )
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def qualified_conforms(self, prop: Node, qualified: Node, v: str, stack: tuple[Node, ...]) -> str:
        """`v` conforms to the qualified value shape and, when disjoint, to none of its siblings."""
        expr = self.conforms(qualified, v, stack)
        if not self.is_true(prop, SH.qualifiedValueShapesDisjoint):
            return expr
        g = self.shapes
        siblings = {
            sibling
            for parent in g.subjects(SH.property, prop)
            for other in g.objects(parent, SH.property)
            for sibling in g.objects(other, SH.qualifiedValueShape)
            if sibling != qualified
        }
        for sibling in sorted(siblings, key=str):
            expr = f"({expr} && !{self.conforms(sibling, v, stack)})"
        return expr

    def value_type(self, shape: Node, v: str, stack: tuple[Node, ...]) -> Iterator[tuple[URIRef, Node, str]]:
        """(component, parameter value, expression) for each value-type constraint of a shape on node `v`."""
        g = self.shapes
        subclass = RDFS.subClassOf.n3()
        for cls in sorted(g.objects(shape, SH["class"]), key=str):
            yield SH.ClassConstraintComponent, cls, f"EXISTS {{ {v} a/{subclass}* {self.term(cls)} }}"
        for datatype in g.objects(shape, SH.datatype):
            yield SH.DatatypeConstraintComponent, datatype, self.datatype(datatype, v)
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {kind} on {shape}")
            yield SH.NodeKindConstraintComponent, kind, _NODE_KINDS[kind].format(v=v)
        flags = g.value(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = f"{_string(str(pattern))}" + (f", {_string(str(flags))}" if flags is not None else "")
            yield (
                SH.PatternConstraintComponent,
                pattern,
                f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {args}), false)",
            )
        for languages in g.objects(shape, SH.languageIn):
            tags = [str(t) for t in self.items(languages)]
            matches = " || ".join(f"langMatches(lang({v}), {_string(t)})" for t in tags) or "false"
            yield (
                SH.LanguageInConstraintComponent,
                languages,
                f"COALESCE(isLiteral({v}) && ({matches}), false)",
            )
        for members in g.objects(shape, SH["in"]):
            allowed = " || ".join(f"sameTerm({v}, {self.term(m)})" for m in self.items(members)) or "false"
            yield SH.InConstraintComponent, members, f"({allowed})"
        for parameter, (operator, component) in _COMPARISONS.items():
            for bound in g.objects(shape, parameter):
                yield component, bound, f"COALESCE({self.val(v)} {operator} {self.bound(bound)}, false)"
        for parameter, operator, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            for length in g.objects(shape, parameter):
                yield (
                    component,
                    length,
                    f"COALESCE(!isBlank({v}) && STRLEN(STR({v})) {operator} {int(length)}, false)",
                )
        for node in sorted(g.objects(shape, SH.node), key=str):
            yield SH.NodeConstraintComponent, node, self.conforms(node, v, stack)
        for members in g.objects(shape, SH["or"]):
            either = " || ".join(self.conforms(m, v, stack) for m in self.items(members)) or "false"
            yield SH.OrConstraintComponent, members, f"({either})"
        for members in g.objects(shape, SH["and"]):
            both = " && ".join(self.conforms(m, v, stack) for m in self.items(members)) or "true"
            yield SH.AndConstraintComponent, members, f"({both})"
        for negated in g.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, negated, f"(!{self.conforms(negated, v, stack)})"
        for members in g.objects(shape, SH.xone):
            count = " + ".join(f"IF({self.conforms(m, v, stack)}, 1, 0)" for m in self.items(members))
            yield SH.XoneConstraintComponent, members, f"(({count or '0'}) = 1)"

    def datatype(self, datatype: Node, v: str) -> str:
        """`v` is a literal of `datatype` with a valid lexical form (XSD types Oxigraph casts, and the
        derived integer types by pattern and range)."""
        if not isinstance(datatype, URIRef):
            raise UnsupportedShape(f"sh:datatype {datatype} is not an IRI")
        if datatype == RDF.langString:
            return f'COALESCE(isLiteral({v}) && lang({v}) != "", false)'
        dt = datatype.n3()
        same = f"sameTerm(datatype({v}), {dt})"
        if str(datatype) != _XSD_STRING:  # the literal under its lexical datatype (literals.py)
            same = f"({same} || sameTerm(datatype({v}), <{LEXICAL}{datatype}>))"
        expr = f"isLiteral({v}) && {same}"
        if str(datatype) in _CASTABLE:  # an ill-formed lexical form fails the cast
            expr += f" && STRLEN(STR({dt}(STR({v})))) >= 0"
        elif str(datatype) in _INTEGER_RANGES:
            low, high = _INTEGER_RANGES[str(datatype)]
            expr += f' && REGEX(STR({v}), "^[+-]?[0-9]+$")'
            number = f"{XSD.integer.n3()}(STR({v}))"
            if low is not None:
                expr += f" && {number} >= {low}"
            if high is not None:
                expr += f" && {number} <= {high}"
        return f"COALESCE({expr}, false)"

    # -- top-level shapes

    def compile(self) -> list[Check]:
        g = self.shapes
        checks: list[Check] = []
        shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            shapes |= set(g.subjects(target, None))
        for shape in sorted(shapes, key=str):
            focus = self.focus(shape)
            if focus is None or self.deactivated(shape):
                continue
            if g.value(shape, SH.path) is not None:
                checks += self.property_shape(shape, focus, ())
            else:
                checks += self.node_shape(shape, focus, ())
        return checks

    def check(self, shape: Node, component: URIRef, query: str, **kwargs: object) -> Check:
        return Check(shape, component, self.severity(shape), self.messages(shape), query, **kwargs)  # type: ignore[arg-type]

    def node_shape(self, shape: Node, focus: str, stack: tuple[Node, ...]) -> Iterator[Check]:
        """Every constraint of a node shape on its focus nodes (the focus node is the value node)."""
        g = self.shapes
        stack = self.enter(shape, stack)
        self.refuse_unknown(shape, node_shape=True)
        if self.deactivated(shape):
            return
        for component, _, expr in self.value_type(shape, "?this", stack):
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!({expr})) }}"
            yield self.check(shape, component, query, value_is_focus=True)
        for value in g.objects(shape, SH.hasValue):  # a hasValue result has no sh:value
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!sameTerm(?this, {self.term(value)})) }}"
            yield self.check(shape, SH.HasValueConstraintComponent, query)
        for other in g.objects(shape, SH.equals):
            o = self.term(other)
            query = (
                f"SELECT DISTINCT ?this ?value WHERE {{ "
                f"{{ {focus} ?this {o} ?value FILTER (!sameTerm(?value, ?this)) }} "
                f"UNION {{ {focus} FILTER NOT EXISTS {{ ?this {o} ?this }} BIND (?this AS ?value) }} }}"
            )
            yield self.check(shape, SH.EqualsConstraintComponent, query)
        for other in g.objects(shape, SH.disjoint):
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {self.term(other)} ?this }}"
            yield self.check(shape, SH.DisjointConstraintComponent, query, value_is_focus=True)
        if self.is_true(shape, SH.closed):
            closed = self.closed_pattern(shape, "?this", "?path", "?value")
            query = f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus} {closed} }}"
            yield self.check(shape, SH.ClosedConstraintComponent, query)
        yield from self.sparql(shape, focus)
        for prop in sorted(g.objects(shape, SH.property), key=str):
            yield from self.property_shape(prop, focus, stack)

    def property_shape(self, prop: Node, focus: str, stack: tuple[Node, ...]) -> Iterator[Check]:
        """Every constraint of a property shape on the focus nodes of `focus`."""
        g = self.shapes
        stack = self.enter(prop, stack)
        self.refuse_unknown(prop, node_shape=False)
        if self.deactivated(prop):
            return
        if any(g.objects(prop, SH.sparql)):
            raise UnsupportedShape(f"a SPARQL constraint on the property shape {prop}")
        path_node = g.value(prop, SH.path)
        path = self.path(path_node)

        def check(component: URIRef, query: str) -> Check:
            return self.check(prop, component, query, path=path_node)

        for component, _, expr in self.value_type(prop, "?value", stack):
            yield check(
                component,
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . FILTER (!({expr})) }}",
            )
        for value in g.objects(prop, SH.hasValue):
            yield check(
                SH.HasValueConstraintComponent,
                f"SELECT DISTINCT ?this WHERE {{ {focus} "
                f"FILTER NOT EXISTS {{ ?this {path} {self.term(value)} }} }}",
            )
        for min_count in g.objects(prop, SH.minCount):
            if int(min_count) <= 0:
                continue
            if int(min_count) == 1:
                query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?any }} }}"
            else:
                query = (
                    f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(min_count)})"
                )
            yield check(SH.MinCountConstraintComponent, query)
        for max_count in g.objects(prop, SH.maxCount):
            query = (
                f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(max_count)})"
            )
            yield check(SH.MaxCountConstraintComponent, query)
        if self.is_true(prop, SH.uniqueLang):
            query = (
                f"SELECT DISTINCT ?this ?_lang WHERE {{ {focus} ?this {path} ?a, ?b . "
                f'FILTER (!sameTerm(?a, ?b) && lang(?a) != "" && lang(?a) = lang(?b)) '
                "BIND (lang(?a) AS ?_lang) }"
            )
            yield check(SH.UniqueLangConstraintComponent, query)
        for qualified in g.objects(prop, SH.qualifiedValueShape):
            conforming = self.qualified_conforms(prop, qualified, "?value", stack)
            for low in g.objects(prop, SH.qualifiedMinCount):
                if int(low) <= 0:
                    continue
                query = (
                    f"SELECT ?this WHERE {{ {focus} "
                    f"OPTIONAL {{ ?this {path} ?value . FILTER ({conforming}) }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})"
                )
                yield check(SH.QualifiedMinCountConstraintComponent, query)
            for high in g.objects(prop, SH.qualifiedMaxCount):
                query = (
                    f"SELECT ?this WHERE {{ {focus} ?this {path} ?value . FILTER ({conforming}) }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(high)})"
                )
                yield check(SH.QualifiedMaxCountConstraintComponent, query)
        for other in g.objects(prop, SH.disjoint):
            query = (
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} "
                f"?this {path} ?value . ?this {self.term(other)} ?value }}"
            )
            yield check(SH.DisjointConstraintComponent, query)
        for other in g.objects(prop, SH.equals):
            o = self.term(other)
            query = (
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} "
                f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {o} ?value }} }} UNION "
                f"{{ ?this {o} ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }} }}"
            )
            yield check(SH.EqualsConstraintComponent, query)
        for parameter, operator, component in (
            (SH.lessThan, "<", SH.LessThanConstraintComponent),
            (SH.lessThanOrEquals, "<=", SH.LessThanOrEqualsConstraintComponent),
        ):
            for other in g.objects(prop, parameter):
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} "
                    f"?this {path} ?value . ?this {self.term(other)} ?_other . "
                    f"FILTER (!COALESCE({self.val('?value')} {operator} {self.val('?_other')}, false)) }}"
                )
                yield check(component, query)
        if self.is_true(prop, SH.closed):
            query = (
                f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus} ?this {path} ?_node . "
                f"{self.closed_pattern(prop, '?_node', '?path', '?value')} }}"
            )
            yield self.check(prop, SH.ClosedConstraintComponent, query)
        nested = sorted(g.objects(prop, SH.property), key=str)
        if nested:
            values = self.value_focus(focus, path)
            for inner in nested:
                if g.value(inner, SH.path) is None:
                    raise UnsupportedShape(f"a property shape without sh:path: {inner}")
                yield from self.property_shape(inner, values, stack)

    def sparql(self, shape: Node, focus: str) -> Iterator[Check]:
        """SPARQL-based constraints: `$this` joined with the focus nodes inside the query's WHERE group."""
        g = self.shapes
        for constraint in sorted(g.objects(shape, SH.sparql), key=str):
            if self.deactivated(constraint):
                continue
            select = g.value(constraint, SH.select)
            if select is None:
                raise UnsupportedShape(f"a SPARQL constraint without sh:select: {constraint}")
            text = str(select)
            if "$PATH" in text or "$currentShape" in text or "$shapesGraph" in text:
                raise UnsupportedShape(f"{constraint} uses a pre-bound variable other than $this")
            text = re.sub(r"\$this\b", "?this", text)
            try:
                where = where_offset(text)
            except QuerySyntaxError as exc:
                raise UnsupportedShape(f"{constraint}: no WHERE group to join the focus nodes into") from exc
            text = text[:where] + f" {focus} " + text[where:]
            query = self.prefixes(constraint) + text
            messages = self.messages(constraint) or self.messages(shape)
            yield Check(
                shape,
                SH.SPARQLConstraintComponent,
                self.severity(shape),
                messages,
                query,
                constraint=constraint,
                value_is_focus=True,
            )

    def prefixes(self, constraint: Node) -> str:
        """PREFIX lines from the sh:declare of every ontology the constraint's sh:prefixes names."""
        lines = []
        for ontology in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(ontology, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))


def _string(text: str) -> str:
    """A SPARQL string literal (JSON-style escapes are valid SPARQL escapes for these characters)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _is_true(value: Node) -> bool:
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


def compile_shapes(shapes: Graph | None = None, *, lexical: bool = False) -> list[Check]:
    """Every constraint of a shapes graph as a `Check` (raises `UnsupportedShape` for what it cannot do).

    `lexical`: the store keeps the data's lexical forms under the datatypes of literals.py (a store
    made by `runner.store_from_graphs`).

    >>> checks = compile_shapes()
    >>> len(checks) > 50
    True
    """
    return _Compiler(shapes if shapes is not None else load_shapes(), lexical=lexical).compile()


__all__ = ["Check", "UnsupportedShape", "compile_shapes", "copy_path"]
