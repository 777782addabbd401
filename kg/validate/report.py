"""What both validation engines share: the shapes graph they read and the report they give.

Each engine (kg/validate/compiled/, kg/validate/pyshacl.py) produces a SHACL report graph with the
properties pySHACL gives each `sh:ValidationResult` (focus node, path, value, source shape, constraint
component, severity, one message per language). This module flattens such a report into `Violation`s the
same way for both, and names the YAML file a result comes from, so the build and the CLI never need to
know which engine ran.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import Node

from kg import paths
from kg.errors import SourceError, Violation
from kg.namespaces import GRAPH, KK
from kg.paths import SHAPES
from kg.terms import parse_rdf

SHAPES_NS = "https://w3id.org/keikaku/shapes#"
_SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass
class ValidationResult:
    """The outcome of a validation: whether the build may go on, every result, and the report graph."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    report: Graph = field(default_factory=Graph)

    @property
    def errors(self) -> list[Violation]:
        """The results of severity sh:Violation (the ones that fail a build)."""
        return [v for v in self.violations if v.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        """The results of severity sh:Warning or sh:Info (reported, allowed)."""
        return [v for v in self.violations if v.severity != "Violation"]


def load_shapes(folder: Path = SHAPES) -> Graph:
    """Every `shapes/*.ttl` in one shapes graph (a Turtle error names its file and line).

    >>> from kg.namespaces import KK
    >>> shapes = load_shapes()
    >>> (None, SH.targetClass, KK.Plan) in shapes
    True
    """
    graph = Graph()
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise SourceError("no SHACL shapes (*.ttl) found", folder)
    for path in files:
        parse_rdf(path, "ttl", into=graph)
    return graph


def top_results(report: Graph) -> list[Node]:
    """The top-level validation results of a report (not the sh:detail of nested shapes), in a stable
    order (focus node, shape, path, value)."""
    results = [
        r
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(report_node, SH.result)
    ]
    return sorted(
        results,
        key=lambda r: (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.sourceShape)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.value)),
        ),
    )


def to_violation(report: Graph, result: Node) -> Violation:
    """Flatten one sh:ValidationResult into a `Violation` (messages picked by language tag)."""
    messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    message_ja = next((str(m) for m in messages if m.language == "ja"), None)
    message_en = next((str(m) for m in messages if m.language == "en"), None)
    if message_en is None:  # a message in no language we know (a shape that is not ours)
        message_en = next((str(m) for m in messages if m.language not in ("ja", "en")), None)
    severity = report.value(result, SH.resultSeverity)
    return Violation(
        focus_node=_show(report.value(result, SH.focusNode)),
        source_shape=_show(report.value(result, SH.sourceShape)),
        path=_show_path(report, report.value(result, SH.resultPath)),
        value=_show_value(report.value(result, SH.value)),
        severity=_SEVERITY_NAMES.get(severity, str(severity)),  # type: ignore[arg-type]
        message_ja=message_ja,
        message_en=message_en,
    )


def conforms_of(violations: Iterable[Violation]) -> bool:
    """Whether a build may go on: no result of severity sh:Violation (warnings are allowed)."""
    return not any(v.severity == "Violation" for v in violations)


def _show(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _show_value(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return node.n3()
    return _show(node)


def _show_path(report: Graph, path: Node | None) -> str | None:
    """A SHACL path as SPARQL-like text: `<iri>`-less IRIs, `^iri` for inverse paths."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_show_path(report, inverse) or "")
    return _show(path)


def source_file(graph_id: URIRef, is_alignment: bool) -> str | None:
    """The data file a document graph's result comes from (alignments live in their own file)."""
    name = str(graph_id)
    if not name.startswith(str(GRAPH)):
        return None
    document = name[len(str(GRAPH)) :]
    if is_alignment:
        path = paths.ALIGNMENTS / f"{document}.yaml"
        if path.exists():
            return str(path.relative_to(paths.ROOT))
    path = paths.PLANS / f"{document}.yaml"
    return str(path.relative_to(paths.ROOT)) if path.exists() else None


def copy_closure(source: Graph, node: Node, target: Graph) -> None:
    """Copy a node's triples and, recursively, those of the blank nodes it points to."""
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for _, predicate, obj in source.triples((current, None, None)):
            target.add((current, predicate, obj))
            if isinstance(obj, BNode):
                stack.append(obj)


def bind_prefixes(manager: NamespaceManager) -> None:
    """The prefixes a report is written with (sh:, kk:, kks:)."""
    manager.bind("sh", SH)
    manager.bind("kk", URIRef(str(KK._NS)))
    manager.bind("kks", URIRef(SHAPES_NS))


__all__ = [
    "SHAPES_NS",
    "ValidationResult",
    "bind_prefixes",
    "conforms_of",
    "copy_closure",
    "load_shapes",
    "source_file",
    "to_violation",
    "top_results",
]
