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
  (minCount up to 4, maxCount up to 3); a shape reached from itself is refused (SHACL leaves recursion
  undefined);
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
from collections.abc import Iterator

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import QuerySyntaxError
from kg.sparql_text import where_offset
from kg.validate.compiled.conditions import ShapeSparql
from kg.validate.compiled.vocabulary import (
    COUNTS,
    ORDERINGS,
    QUALIFIED_COUNTS,
    Check,
    UnsupportedShape,
)
from kg.validate.report import load_shapes


class _Compiler(ShapeSparql):
    """Turns a shapes graph into `Check`s: every top-level shape, its constraints, its SPARQL-based ones."""

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
        for parameter, operator, component in COUNTS:
            for n in g.objects(prop, parameter):
                if (query := self.count_query(focus, path, operator, int(n))) is not None:
                    yield check(component, query)
        if self.is_true(prop, SH.uniqueLang):
            query = (
                f"SELECT DISTINCT ?this ?_lang WHERE {{ {focus} ?this {path} ?a, ?b . "
                f'FILTER (!sameTerm(?a, ?b) && lang(?a) != "" && lang(?a) = lang(?b)) '
                "BIND (lang(?a) AS ?_lang) }"
            )
            yield check(SH.UniqueLangConstraintComponent, query)
        for qualified in g.objects(prop, SH.qualifiedValueShape):
            conforming = self.qualified_conforms(prop, qualified, "?value", stack)
            for parameter, operator, component in QUALIFIED_COUNTS:
                for n in g.objects(prop, parameter):
                    if (query := self.count_query(focus, path, operator, int(n), conforming)) is not None:
                        yield check(component, query)
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
        for parameter, operator, component in ORDERINGS:
            for other in g.objects(prop, parameter):
                pattern = self.ordering_violation("?this", path, "?value", other, operator)
                yield check(component, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {pattern} }}")
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

    def count_query(
        self, focus: str, path: str, operator: str, n: int, condition: str | None = None
    ) -> str | None:
        """The focus nodes whose number of distinct values of `path` (satisfying `condition`, when given)
        is `operator` n: "<" for sh:minCount / sh:qualifiedMinCount, ">" for the max counts. None when
        the constraint cannot fail (a minimum of 0); a plain minimum of 1 is the cheaper NOT EXISTS."""
        pattern = f"?this {path} ?value" + (f" . FILTER ({condition})" if condition is not None else "")
        if operator == "<":
            if n <= 0:
                return None
            if n == 1 and condition is None:
                return f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?any }} }}"
            body = f"{focus} OPTIONAL {{ {pattern} }}"
        else:
            body = f"{focus} {pattern}"
        return (
            f"SELECT ?this WHERE {{ {body} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {operator} {n})"
        )

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


def compile_shapes(shapes: Graph | None = None, *, lexical: bool = False) -> list[Check]:
    """Every constraint of a shapes graph as a `Check` (raises `UnsupportedShape` for what it cannot do).

    `lexical`: the store keeps the data's lexical forms under the datatypes of literals.py (a store
    made by `runner.store_from_graphs`).

    >>> checks = compile_shapes()
    >>> len(checks) > 50
    True
    """
    return _Compiler(shapes if shapes is not None else load_shapes(), lexical=lexical).compile()


__all__ = ["compile_shapes"]
