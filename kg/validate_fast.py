"""Fast SHACL: the shapes of `shapes/` compiled to SPARQL and evaluated inside pyoxigraph, once over all data.

pySHACL (kg/validate.py) is the reference semantics, but it walks every focus node in Python over rdflib:
about half a second per document graph, hours for every municipality of Japan. This module reads the
same shapes graph and turns each constraint into one SPARQL SELECT that returns only the violating
(focus node, value) pairs; the store then does the work for all focus nodes at once, in Rust. The report
it builds has the same `sh:ValidationResult` properties pySHACL gives (focus node, path, value, source
shape, constraint component, severity, messages), so `kg.validate` flattens both the same way, and
tests/shapes/test_validate_fast.py proves both validators give the same results on every shape case and on
the real data.

What is compiled (SHACL Core plus SPARQL-based constraints — what our shapes use, and their close kin):

- targets: `sh:targetClass` (through `rdfs:subClassOf*` in the data, as SHACL says), `sh:targetNode`,
  `sh:targetSubjectsOf`, `sh:targetObjectsOf`, and implicit class targets (a shape that is an rdfs:Class);
- paths: IRIs, `sh:inversePath`, sequences, `sh:alternativePath`, `sh:zeroOrMorePath`,
  `sh:oneOrMorePath`, `sh:zeroOrOnePath`;
- value-type components on each value node: class, datatype (with a lexical check for the XSD types
  Oxigraph can cast), nodeKind, pattern (with flags), languageIn, in, hasValue, min/max
  Inclusive/Exclusive, min/maxLength, node, or, and, not, xone; a nested shape becomes one SPARQL boolean
  expression, and its property shapes EXISTS patterns (minCount up to 1, maxCount 0 or 1, hasValue and
  value-type components);
- cardinality and pairs on property shapes: minCount, maxCount, uniqueLang, qualifiedValueShape with
  qualifiedMin/MaxCount (not qualifiedValueShapesDisjoint), equals, disjoint, lessThan, lessThanOrEquals;
- `sh:sparql` SELECT constraints on node shapes: `$this` becomes a variable joined, inside the query's own
  WHERE group, with the shape's focus nodes, which gives the pre-binding of SHACL for queries where
  `$this` is bound by a triple pattern of that group (all of ours: the test suite checks it).

Anything else (sh:closed, SPARQL constraints on property shapes, `$PATH`, ASK validators, custom
components …) makes `UnsupportedShape` raise at compile time: the fast path never silently checks less
than pySHACL would — use `--validator pyshacl` for such shapes.

One subtlety of SPARQL semantics is handled on purpose: a FILTER whose expression raises an error drops
the row. Every atomic check is therefore wrapped in COALESCE(…, false), so that a value that cannot be
compared (a string against sh:minInclusive, say) counts as failing, as SHACL requires.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import KgError
from kg.namespaces import GRAPH, KK
from kg.terms import quads_of, to_rdflib
from kg.validate import (
    ValidationResult,
    bind_prefixes,
    conforms_of,
    copy_closure,
    load_shapes,
    source_file,
    to_violation,
    top_results,
)

_XSD = str(XSD)
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
}


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


@dataclass
class FastValidation:
    """Timing of a fast validation run, for the build report and the benchmark."""

    checks: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)


# ---- compiling --------------------------------------------------------------------------------------


class _Compiler:
    """Turns a shapes graph into `Check`s. One instance per shapes graph; fresh variable names per use."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._counter = 0

    # -- helpers

    def fresh(self, stem: str = "v") -> str:
        self._counter += 1
        return f"?_{stem}{self._counter}"

    def term(self, node: Node) -> str:
        if isinstance(node, BNode):
            raise UnsupportedShape(f"a blank node as a constraint parameter value: {node}")
        return node.n3()

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return node.n3()
        g = self.shapes
        if (inverse := g.value(node, SH.inversePath)) is not None:
            return f"^({self.path(inverse)})"
        if (alternative := g.value(node, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternative)) + ")"
        for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            if (inner := g.value(node, predicate)) is not None:
                return f"({self.path(inner)}){suffix}"
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        raise UnsupportedShape(f"a SHACL path this validator does not know: {node}")

    def severity(self, shape: Node) -> URIRef:
        value = self.shapes.value(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def messages(self, shape: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted((m for m in self.shapes.objects(shape, SH.message) if isinstance(m, Literal)), key=str)
        )

    def refuse_unknown(self, shape: Node) -> None:
        for predicate in set(self.shapes.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _KNOWN:
                raise UnsupportedShape(f"{shape} uses {predicate}, which the fast validator does not compile")
        closed = self.shapes.value(shape, SH.closed)
        if closed is not None and bool(closed.toPython()):
            raise UnsupportedShape(f"{shape} is sh:closed, which the fast validator does not compile")
        disjoint = self.shapes.value(shape, SH.qualifiedValueShapesDisjoint)
        if disjoint is not None and bool(disjoint.toPython()):
            raise UnsupportedShape(f"{shape} uses sh:qualifiedValueShapesDisjoint")

    def deactivated(self, shape: Node) -> bool:
        value = self.shapes.value(shape, SH.deactivated)
        return value is not None and bool(value.toPython())

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

    # -- conformance of one node to a nested shape, as a SPARQL boolean expression

    def conforms(self, shape: Node, var: str, depth: int = 0) -> str:
        """`var` conforms to `shape`: the conjunction of its constraints (each atomic check error-safe)."""
        if depth > 8:
            raise UnsupportedShape(f"shapes nested deeper than 8 levels (recursive?) at {shape}")
        self.refuse_unknown(shape)
        if self.deactivated(shape):
            return "true"
        if any(self.shapes.objects(shape, SH.sparql)):
            raise UnsupportedShape(f"a SPARQL constraint in the nested shape {shape}")
        parts = [expr for _, _, expr in self.value_type(shape, var, depth)]
        if (value := self.shapes.value(shape, SH.hasValue)) is not None and self.shapes.value(
            shape, SH.path
        ) is None:
            parts.append(f"sameTerm({var}, {self.term(value)})")
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            parts.append(self.property_conforms(prop, var, depth + 1))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def property_conforms(self, prop: Node, var: str, depth: int) -> str:
        """`var` conforms to the nested property shape `prop` (a restricted set of components)."""
        g = self.shapes
        self.refuse_unknown(prop)
        if self.deactivated(prop):
            return "true"
        path = self.path(g.value(prop, SH.path))
        parts = []
        min_count = g.value(prop, SH.minCount)
        if min_count is not None and int(min_count) > 0:
            if int(min_count) > 1:
                raise UnsupportedShape(f"sh:minCount above 1 in the nested property shape {prop}")
            parts.append(f"EXISTS {{ {var} {path} {self.fresh()} }}")
        max_count = g.value(prop, SH.maxCount)
        if max_count is not None:
            a, b = self.fresh(), self.fresh()
            if int(max_count) == 0:
                parts.append(f"NOT EXISTS {{ {var} {path} {a} }}")
            elif int(max_count) == 1:
                parts.append(f"NOT EXISTS {{ {var} {path} {a}, {b} . FILTER (!sameTerm({a}, {b})) }}")
            else:
                raise UnsupportedShape(f"sh:maxCount above 1 in the nested property shape {prop}")
        if (value := g.value(prop, SH.hasValue)) is not None:
            parts.append(f"EXISTS {{ {var} {path} {self.term(value)} }}")
        value_var = self.fresh()
        checks = [expr for _, _, expr in self.value_type(prop, value_var, depth)]
        if checks:
            parts.append(f"NOT EXISTS {{ {var} {path} {value_var} . FILTER (!({' && '.join(checks)})) }}")
        for unsupported in (SH.uniqueLang, SH.qualifiedValueShape, SH.equals, SH.disjoint, SH.lessThan):
            if (prop, unsupported, None) in g:
                raise UnsupportedShape(f"{unsupported} in the nested property shape {prop}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def value_type(self, shape: Node, v: str, depth: int) -> Iterator[tuple[URIRef, Node, str]]:
        """(component, parameter value, expression) for each value-type constraint of a shape on node `v`."""
        g = self.shapes
        subclass = RDFS.subClassOf.n3()
        for cls in sorted(g.objects(shape, SH["class"]), key=str):
            yield SH.ClassConstraintComponent, cls, f"EXISTS {{ {v} a/{subclass}* {self.term(cls)} }}"
        for datatype in g.objects(shape, SH.datatype):
            dt = self.term(datatype)
            if datatype == RDF.langString:
                expr = f'COALESCE(isLiteral({v}) && lang({v}) != "", false)'
            else:
                expr = f"COALESCE(isLiteral({v}) && sameTerm(datatype({v}), {dt}), false)"
                if str(datatype) in _CASTABLE:  # an ill-formed lexical form fails the cast
                    expr = f"({expr} && COALESCE(STRLEN(STR({dt}(STR({v})))) >= 0, false))"
            yield SH.DatatypeConstraintComponent, datatype, expr
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
                yield component, bound, f"COALESCE({v} {operator} {self.term(bound)}, false)"
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
            yield SH.NodeConstraintComponent, node, self.conforms(node, v, depth + 1)
        for members in g.objects(shape, SH["or"]):
            either = " || ".join(self.conforms(m, v, depth + 1) for m in self.items(members)) or "false"
            yield SH.OrConstraintComponent, members, f"({either})"
        for members in g.objects(shape, SH["and"]):
            both = " && ".join(self.conforms(m, v, depth + 1) for m in self.items(members)) or "true"
            yield SH.AndConstraintComponent, members, f"({both})"
        for negated in g.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, negated, f"(!{self.conforms(negated, v, depth + 1)})"
        for members in g.objects(shape, SH.xone):
            count = " + ".join(f"IF({self.conforms(m, v, depth + 1)}, 1, 0)" for m in self.items(members))
            yield SH.XoneConstraintComponent, members, f"(({count or '0'}) = 1)"

    # -- top-level shapes

    def compile(self) -> list[Check]:
        g = self.shapes
        checks: list[Check] = []
        shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(SH.targetClass, None))
        shapes |= set(g.subjects(SH.targetNode, None)) | set(g.subjects(SH.targetSubjectsOf, None))
        shapes |= set(g.subjects(SH.targetObjectsOf, None))
        for shape in sorted(shapes, key=str):
            focus = self.focus(shape)
            if focus is None or self.deactivated(shape):
                continue
            if g.value(shape, SH.path) is not None:
                raise UnsupportedShape(f"a property shape with its own target: {shape}")
            self.refuse_unknown(shape)
            checks += self.node_level(shape, focus)
            checks += self.sparql(shape, focus)
            for prop in sorted(g.objects(shape, SH.property), key=str):
                if not self.deactivated(prop):
                    checks += self.property_shape(prop, focus)
        return checks

    def check(self, shape: Node, component: URIRef, query: str, **kwargs: object) -> Check:
        return Check(shape, component, self.severity(shape), self.messages(shape), query, **kwargs)  # type: ignore[arg-type]

    def node_level(self, shape: Node, focus: str) -> Iterator[Check]:
        """Constraints of a node shape on the focus node itself."""
        for component, _, expr in self.value_type(shape, "?this", 0):
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!({expr})) }}"
            yield self.check(shape, component, query, value_is_focus=True)
        if (value := self.shapes.value(shape, SH.hasValue)) is not None:
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!sameTerm(?this, {self.term(value)})) }}"
            yield self.check(shape, SH.HasValueConstraintComponent, query, value_is_focus=True)

    def property_shape(self, prop: Node, focus: str) -> Iterator[Check]:
        g = self.shapes
        self.refuse_unknown(prop)
        if any(g.objects(prop, SH.sparql)):
            raise UnsupportedShape(f"a SPARQL constraint on the property shape {prop}")
        path_node = g.value(prop, SH.path)
        if path_node is None:
            raise UnsupportedShape(f"a property shape without sh:path: {prop}")
        path = self.path(path_node)

        def check(component: URIRef, query: str) -> Check:
            return self.check(prop, component, query, path=path_node)

        for component, _, expr in self.value_type(prop, "?value", 0):
            yield check(
                component,
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . FILTER (!({expr})) }}",
            )
        if (value := g.value(prop, SH.hasValue)) is not None:
            yield check(
                SH.HasValueConstraintComponent,
                f"SELECT DISTINCT ?this WHERE {{ {focus} "
                f"FILTER NOT EXISTS {{ ?this {path} {self.term(value)} }} }}",
            )
        if (min_count := g.value(prop, SH.minCount)) is not None and int(min_count) > 0:
            if int(min_count) == 1:
                query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?any }} }}"
            else:
                query = (
                    f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(min_count)})"
                )
            yield check(SH.MinCountConstraintComponent, query)
        if (max_count := g.value(prop, SH.maxCount)) is not None:
            query = (
                f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(max_count)})"
            )
            yield check(SH.MaxCountConstraintComponent, query)
        unique = g.value(prop, SH.uniqueLang)
        if unique is not None and bool(unique.toPython()):
            query = (
                f"SELECT DISTINCT ?this ?_lang WHERE {{ {focus} ?this {path} ?a, ?b . "
                f'FILTER (!sameTerm(?a, ?b) && lang(?a) != "" && lang(?a) = lang(?b)) '
                "BIND (lang(?a) AS ?_lang) }"
            )
            yield check(SH.UniqueLangConstraintComponent, query)
        if (qualified := g.value(prop, SH.qualifiedValueShape)) is not None:
            conforming = self.conforms(qualified, "?value", 1)
            if (low := g.value(prop, SH.qualifiedMinCount)) is not None and int(low) > 0:
                query = (
                    f"SELECT ?this WHERE {{ {focus} "
                    f"OPTIONAL {{ ?this {path} ?value . FILTER ({conforming}) }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})"
                )
                yield check(SH.QualifiedMinCountConstraintComponent, query)
            if (high := g.value(prop, SH.qualifiedMaxCount)) is not None:
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
                    f"FILTER (!COALESCE(?value {operator} ?_other, false)) }}"
                )
                yield check(component, query)

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
            match = re.search(r"\bWHERE\s*\{", text, flags=re.IGNORECASE)
            if match is None:
                raise UnsupportedShape(f"{constraint}: no WHERE group to join the focus nodes into")
            text = text[: match.end()] + f" {focus} " + text[match.end() :]
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


def compile_shapes(shapes: Graph | None = None) -> list[Check]:
    """Every constraint of a shapes graph as a `Check` (raises `UnsupportedShape` for what it cannot do).

    >>> checks = compile_shapes()
    >>> len(checks) > 50
    True
    """
    return _Compiler(shapes if shapes is not None else load_shapes()).compile()


# ---- running ----------------------------------------------------------------------------------------


_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def validate_store(
    store: ox.Store,
    shapes: Graph | None = None,
    *,
    checks: list[Check] | None = None,
    attribute_graphs: bool = True,
    timing: FastValidation | None = None,
    workers: int | None = None,
) -> ValidationResult:
    """Validate everything in `store` (the union of its graphs, as published) against the shapes.

    Args:
        store: the dataset, stated and inferred graphs together.
        shapes: the shapes graph; `load_shapes()` when None (with `checks`, only read for the blank-node
            paths that results name).
        checks: precompiled checks (`compile_shapes`), to compile once for several runs.
        attribute_graphs: give each result the YAML file of the document that describes its focus node.
        timing: filled with the number of checks, the total time and the slowest checks.
        workers: threads evaluating checks at once (default: one per core).

    Returns:
        A `ValidationResult` whose report graph has pySHACL's shape.
    """
    started = time.perf_counter()
    shapes_graph = shapes if shapes is not None else load_shapes()
    checks = checks if checks is not None else compile_shapes(shapes_graph)
    report = Graph()
    bind_prefixes(report.namespace_manager)
    report_node = BNode()
    report.add((report_node, RDF.type, SH.ValidationReport))
    seen: set[tuple[object, ...]] = set()
    durations: list[tuple[float, str]] = []
    for check, (rows, seconds) in zip(checks, _evaluate_all(store, checks, workers), strict=True):
        for row in rows:
            focus = row["this"]
            value = row.get("value")
            if value is None and check.value_is_focus:
                value = focus  # node-level checks and SPARQL constraints of node shapes, as in pySHACL
            path = row.get("path") or check.path
            key = (focus, check.shape, check.component, check.constraint, path, value, row.get("_lang"))
            if key in seen:
                continue
            seen.add(key)
            result = BNode()
            report.add((report_node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus))
            report.add((result, SH.sourceShape, check.shape))
            report.add((result, SH.sourceConstraintComponent, check.component))
            report.add((result, SH.resultSeverity, check.severity))
            if check.constraint is not None:
                report.add((result, SH.sourceConstraint, check.constraint))
            if value is not None:
                report.add((result, SH.value, value))
            if path is not None:
                report.add((result, SH.resultPath, path))
                if isinstance(path, BNode):
                    copy_closure(shapes_graph, path, report)
            for message in check.messages:
                text = _PLACEHOLDER.sub(lambda m, row=row: _lexical(row.get(m.group(1))), str(message))
                report.add((result, SH.resultMessage, Literal(text, lang=message.language)))
        durations.append((seconds, _describe(check)))
    results = top_results(report)
    violations = [to_violation(report, r) for r in results]
    if attribute_graphs:
        owners = _owning_graphs(store, {v.focus_node for v in violations})
        for violation, result in zip(violations, results, strict=True):
            graph = owners.get(violation.focus_node)
            if graph is not None:
                focus = report.value(result, SH.focusNode)
                violation.source_file = source_file(graph, _is_alignment(store, focus))
    conforms = conforms_of(violations)
    report.add((report_node, SH.conforms, Literal(conforms)))
    if timing is not None:
        timing.checks = len(checks)
        timing.seconds = round(time.perf_counter() - started, 3)
        timing.slowest = sorted(durations, reverse=True)[:5]
    return ValidationResult(conforms, violations, report)


def _evaluate_all(
    store: ox.Store, checks: list[Check], workers: int | None
) -> Iterator[tuple[list[dict[str, Node]], float]]:
    """Each check's violating rows and its time, in the order of `checks`.

    pyoxigraph releases the GIL while it evaluates, so threads share the cores without copying the store;
    the longest checks start first so that the last one does not run alone.
    """
    workers = workers or os.cpu_count() or 1

    def run(check: Check) -> tuple[list[dict[str, Node]], float]:
        started = time.perf_counter()
        rows = list(_rows(store, check.query))
        return rows, time.perf_counter() - started

    if workers < 2:
        yield from map(run, checks)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(run, checks)


def _rows(store: ox.Store, query: str) -> Iterator[dict[str, Node]]:
    try:
        solutions = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as exc:  # a compiled query that does not parse is our bug: say which
        raise KgError(f"fast SHACL produced a query Oxigraph cannot parse ({exc}):\n{query}") from exc
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = to_rdflib(term)
        yield row


def _lexical(node: Node | None) -> str:
    return "" if node is None else str(node)


def _describe(check: Check) -> str:
    shape = str(check.constraint or check.shape).rsplit("#", 1)[-1]
    return f"{shape} {str(check.component).rsplit('#', 1)[-1]}"


#: graphs that type resources without being a document's (the reasoner's, the vocabularies')
_NOT_DOCUMENTS = {str(GRAPH[name]) for name in ("inferred", "ontology", "sdg")}


def _owning_graphs(store: ox.Store, focus_nodes: Iterable[str]) -> dict[str, URIRef]:
    """For each focus node (IRI text), the document graph that states its type (not the inferred one)."""
    owners: dict[str, URIRef] = {}
    for focus in focus_nodes:
        if not focus.startswith(("http://", "https://")):
            continue
        for quad in store.quads_for_pattern(ox.NamedNode(focus), ox.NamedNode(str(RDF.type)), None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in _NOT_DOCUMENTS:
                owners[focus] = URIRef(graph.value)
                break
    return owners


def _is_alignment(store: ox.Store, focus: Node | None) -> bool:
    """Whether a focus node is an SDG alignment (its result then comes from the alignments file)."""
    if not isinstance(focus, URIRef):
        return False
    pattern = (ox.NamedNode(str(focus)), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(KK.SDGAlignment)))
    return next(iter(store.quads_for_pattern(*pattern, None)), None) is not None


def store_from_graphs(graphs: Mapping[URIRef, Graph]) -> ox.Store:
    """An in-memory pyoxigraph store holding each rdflib graph as its named graph."""
    store = ox.Store()
    for iri, graph in graphs.items():
        store.bulk_extend(quads_of(graph, ox.NamedNode(str(iri))))
    return store


__all__ = [
    "Check",
    "FastValidation",
    "UnsupportedShape",
    "compile_shapes",
    "store_from_graphs",
    "validate_store",
]
