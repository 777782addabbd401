"""The compiled validator's runner: every `Check` evaluated in pyoxigraph, the rows made a SHACL report.

The checks (kg/validate/compiled/compiler.py) run over the union of the store's graphs — stated and
inferred together, as published — on a thread pool: pyoxigraph releases the GIL while it evaluates, so
the threads share the cores without copying the store. Each violating row becomes an
`sh:ValidationResult` with the properties pySHACL gives, messages with their `{?var}` placeholders filled
in; each result is then attributed to the YAML file of the document graph that types its focus node.

Terms come back as the data wrote them: `store_from_graphs` keeps a literal Oxigraph would rewrite under a
lexical datatype (literals.py), and solutions are read without rdflib's literal normalisation, so a
result names `"4.0"^^xsd:decimal` or `"2011-01-01"^^xsd:dateTime`, not their canonical forms.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import KgError
from kg.namespaces import GRAPH, KK
from kg.terms import to_oxigraph, to_rdflib
from kg.validate.compiled.compiler import compile_shapes
from kg.validate.compiled.literals import original, store_forms
from kg.validate.compiled.vocabulary import Check, copy_path
from kg.validate.report import (
    ValidationResult,
    bind_prefixes,
    conforms_of,
    load_shapes,
    source_file,
    to_violation,
    top_results,
)


@dataclass
class FastValidation:
    """Timing of a fast validation run, for the build report and the benchmark."""

    checks: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)


_PLACEHOLDER = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def validate_store(
    store: ox.Store,
    shapes: Graph | None = None,
    *,
    checks: list[Check] | None = None,
    attribute_graphs: bool = True,
    timing: FastValidation | None = None,
    workers: int | None = None,
    lexical: bool = False,
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
        lexical: the store was made by `store_from_graphs`, which keeps the data's lexical forms under
            the datatypes of literals.py; the checks then read them back and the report gives the data's
            terms. A store Oxigraph loaded itself holds its canonical forms, and the report gives those.

    Returns:
        A `ValidationResult` whose report graph has pySHACL's shape.
    """
    started = time.perf_counter()
    shapes_graph = shapes if shapes is not None else load_shapes()
    checks = checks if checks is not None else compile_shapes(shapes_graph, lexical=lexical)
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
                    copy_path(shapes_graph, path, report)
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
                row[name] = _from_store(term)
        yield row


def _from_store(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A term of a solution as the data's rdflib term: lexical forms kept (rdflib would normalise them,
    `"2011-01-01"^^xsd:dateTime` into `"2011-01-01T00:00:00"`), lexical datatypes undone."""
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value != _XSD_STRING:
        return original(Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False))  # type: ignore[return-value]
    return to_rdflib(term)  # type: ignore[return-value]


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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
    """An in-memory pyoxigraph store holding each rdflib graph as its named graph, every literal as the
    data wrote it (literals.py: validate it with `validate_store(…, lexical=True)`)."""
    forms = store_forms(o for graph in graphs.values() for o in graph.objects() if isinstance(o, Literal))
    store = ox.Store()
    for iri, graph in graphs.items():
        name = ox.NamedNode(str(iri))
        store.bulk_extend(
            ox.Quad(to_oxigraph(s), to_oxigraph(p), forms.get(o) or to_oxigraph(o), name)  # type: ignore[arg-type]
            for s, p, o in graph
        )
    return store


__all__ = ["FastValidation", "store_from_graphs", "validate_store"]
