"""Shapes as SPARQL: a shape, property shape or SHACL Core parameter written as a boolean expression over
one value node, and the small writers (terms, paths, fresh variables) the compiler needs.

`ShapeSparql` holds a shapes graph and writes SPARQL for it; compiler.py's `_Compiler` builds on it and
turns each top-level shape into `Check`s. Every atomic test is wrapped in COALESCE(…, false), so that a
value that cannot be compared counts as failing, as SHACL requires (compiler.py's docstring says why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from kg.validate.compiled.literals import LEXICAL, store_form
from kg.validate.compiled.vocabulary import (
    CASTABLE,
    COMPARISONS,
    INTEGER,
    INTEGER_RANGES,
    KNOWN,
    MAX_DEPTH,
    MAX_NESTED_COUNT,
    NODE_KINDS,
    ORDERINGS,
    PROPERTY_ONLY,
    SINGLE,
    XSD_STRING,
    UnsupportedShape,
    is_true_literal,
    sparql_string,
)


class ShapeSparql:
    """Writes the SPARQL of one shapes graph (compiler.py's `_Compiler` makes the `Check`s from it).
    One instance per shapes graph; fresh variable names per use.

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
        prefix = sparql_string(LEXICAL)
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
        return any(is_true_literal(v) for v in self.shapes.objects(shape, parameter))

    def refuse_unknown(self, shape: Node, *, node_shape: bool) -> None:
        """Refuse, before any data is read, a shape with a parameter that would not be checked."""
        for predicate in set(self.shapes.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in KNOWN:
                raise UnsupportedShape(
                    f"{shape} uses {predicate}, which the compiled validator does not compile"
                )
            if node_shape and predicate in PROPERTY_ONLY:
                raise UnsupportedShape(
                    f"{shape} is a node shape with {predicate}, which SHACL allows on property shapes only"
                )
        for parameter in SINGLE:
            if len(set(self.shapes.objects(shape, parameter))) > 1:
                raise UnsupportedShape(f"{shape} has more than one {parameter}")
        for parameter in INTEGER:
            for value in self.shapes.objects(shape, parameter):
                if not (isinstance(value, Literal) and isinstance(value.toPython(), int)):
                    raise UnsupportedShape(f"{shape}: {parameter} {value} is not an integer")

    def deactivated(self, shape: Node) -> bool:
        return self.is_true(shape, SH.deactivated)

    def enter(self, shape: Node, stack: tuple[Node, ...]) -> tuple[Node, ...]:
        """The shapes being expanded, with `shape`; a shape inside itself is refused (recursion)."""
        if shape in stack:
            raise UnsupportedShape(f"recursive shapes: {shape} is reached from itself")
        if len(stack) > MAX_DEPTH:
            raise UnsupportedShape(f"shapes nested deeper than {MAX_DEPTH} levels at {shape}")
        return (*stack, shape)

    def ordering_violation(self, var: str, path: str, value: str, other: Node, operator: str) -> str:
        """A value of `path` at `var` (bound to `value`) not `operator` some value of `other` there:
        sh:lessThan ("<") and sh:lessThanOrEquals ("<="), top-level (a SELECT) and nested (NOT EXISTS)."""
        z = self.fresh() if value != "?value" else "?_other"
        return (
            f"{var} {path} {value} . {var} {self.term(other)} {z} . "
            f"FILTER (!COALESCE({self.val(value)} {operator} {self.val(z)}, false))"
        )

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
        if n > MAX_NESTED_COUNT:
            raise UnsupportedShape(f"a count above {MAX_NESTED_COUNT} in the nested property shape {prop}")
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
        for parameter, operator, _ in ORDERINGS:
            for other in g.objects(prop, parameter):
                parts.append(
                    f"NOT EXISTS {{ {self.ordering_violation(var, path, self.fresh(), other, operator)} }}"
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
            if kind not in NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {kind} on {shape}")
            yield SH.NodeKindConstraintComponent, kind, NODE_KINDS[kind].format(v=v)
        flags = g.value(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = sparql_string(str(pattern))
            if flags is not None:
                args += f", {sparql_string(str(flags))}"
            yield (
                SH.PatternConstraintComponent,
                pattern,
                f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {args}), false)",
            )
        for languages in g.objects(shape, SH.languageIn):
            tags = [str(t) for t in self.items(languages)]
            matches = " || ".join(f"langMatches(lang({v}), {sparql_string(t)})" for t in tags) or "false"
            yield (
                SH.LanguageInConstraintComponent,
                languages,
                f"COALESCE(isLiteral({v}) && ({matches}), false)",
            )
        for members in g.objects(shape, SH["in"]):
            allowed = " || ".join(f"sameTerm({v}, {self.term(m)})" for m in self.items(members)) or "false"
            yield SH.InConstraintComponent, members, f"({allowed})"
        for parameter, (operator, component) in COMPARISONS.items():
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
        if str(datatype) != XSD_STRING:  # the literal under its lexical datatype (literals.py)
            same = f"({same} || sameTerm(datatype({v}), <{LEXICAL}{datatype}>))"
        expr = f"isLiteral({v}) && {same}"
        if str(datatype) in CASTABLE:  # an ill-formed lexical form fails the cast
            expr += f" && STRLEN(STR({dt}(STR({v})))) >= 0"
        elif str(datatype) in INTEGER_RANGES:
            low, high = INTEGER_RANGES[str(datatype)]
            expr += f' && REGEX(STR({v}), "^[+-]?[0-9]+$")'
            number = f"{XSD.integer.n3()}(STR({v}))"
            if low is not None:
                expr += f" && {number} >= {low}"
            if high is not None:
                expr += f" && {number} <= {high}"
        return f"COALESCE({expr}, false)"
