"""The reference validator: the SHACL shapes of `shapes/` run by pySHACL.

The build hands us data that is already complete — the stated graphs plus the OWL 2 RL entailments in
their own graph — so pySHACL runs without inference of its own (`inference="none"`): validation then
sees exactly what will be published. Only `sh:Violation` fails a build; warnings are reported and kept.

Two entry points (kg.validate.validate(…, engine="pyshacl") chooses between them):

- `validate_graph(graph)` checks one graph (or the union of a dataset's graphs) in one pySHACL run.
- `validate_per_graph(dataset, shared)` checks each document graph together with the shared graphs
  (ontology, SDG KOS, municipalities …) and only the inferred triples about that document, so the cost
  grows linearly with the number of documents instead of validating everything against everything.

Speed: pySHACL hands each SPARQL-based constraint to rdflib as text once per focus node, and rdflib
parses it every time (~50 ms, 90 % of a run). The data is therefore wrapped in `_PreparedQueryGraph`, which
parses each distinct query text once and reuses the prepared algebra (same evaluation path in rdflib).

Messages: every shape and SPARQL constraint has `sh:message` in ja and en; pySHACL copies them into
`sh:resultMessage`. Two quirks of pySHACL 0.40 are undone here so that each result carries exactly one
message per language: (1) a SPARQL-constraint result gets the node shape's messages as well as the
constraint's own, and only the specific ones are kept; (2) substituting `{?var}` drops the language tag
(`Literal(msg)` in `constraint_component.make_v_result`), so an untagged message gets its tag back by
script (kana/kanji → ja, otherwise en); `tests/shapes` checks that every ja message has Japanese script
and no en message has, which keeps that rule sound.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Any

import pyshacl
from rdflib import OWL, RDF, BNode, ConjunctiveGraph, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.errors import KgError, Violation
from kg.namespaces import GRAPH, KK
from kg.validate.report import (
    ValidationResult,
    bind_prefixes,
    conforms_of,
    copy_closure,
    load_shapes,
    source_file,
    to_violation,
    top_results,
)

INFERRED = GRAPH["inferred"]
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # kana, kanji


def validate_graph(
    data_graph: Graph | Dataset,
    shapes: Graph | None = None,
    ont_graph: Graph | None = None,
) -> ValidationResult:
    """Validate a graph, or the union of all graphs of a dataset, against the shapes.

    Args:
        data_graph: the data; a Dataset (or ConjunctiveGraph) is validated as the union of its graphs.
        shapes: the shapes graph; `load_shapes()` when None.
        ont_graph: extra ontology triples mixed into (a copy of) the data, e.g. the subclass axioms a
            bare document graph lacks.

    Returns:
        A `ValidationResult`; `conforms` is False only when a result has severity sh:Violation.

    >>> from rdflib import Graph
    >>> validate_graph(Graph()).conforms
    True
    """
    shapes_graph = shapes if shapes is not None else load_shapes()
    data = _as_graph(data_graph)
    if ont_graph is not None:
        mixed = _PreparedQueryGraph()
        for graph in (data, ont_graph):
            for triple in graph:
                mixed.add(triple)
        data = mixed
    report = _run_pyshacl(data, shapes_graph)
    violations = [to_violation(report, result) for result in top_results(report)]
    return ValidationResult(conforms_of(violations), violations, report)


def validate_per_graph(
    dataset: Dataset | ConjunctiveGraph,
    shared_graph_ids: Iterable[URIRef | str],
    shapes: Graph | None = None,
    *,
    inferred_graph_id: URIRef | str = INFERRED,
) -> ValidationResult:
    """Validate each document graph of a dataset with the shared graphs, so cost grows linearly.

    One pySHACL run per document graph (every graph not listed in `shared_graph_ids`), over:

    - the shared graphs (ontology, SDG KOS, municipalities …), whole;
    - the document graph;
    - the triples of the inferred graph (`inferred_graph_id`) whose subject the document describes — the
      inferred graph is never validated whole, nor as a document, even when listed as shared;
    - the stated `rdf:type` of every IRI the document points to (found in any graph, or on an
      `owl:sameAs` alias of it), so `sh:class` holds for links into other documents —
      an indicator of another document's element, a plan issued by a municipality (or by its e-Stat
      alias after OWL 2 RL `owl:sameAs` rewriting). Types that only the reasoner derived from
      `rdfs:range` do not count: a link must point at something some graph describes.

    A run keeps the results about the nodes its document owns: the subjects it types, its blank nodes, and
    the subjects no document types. A node another document types is checked with that document (e.g.
    the `kk:hasIndicator` triple a document adds to another document's element). One more run checks
    the shared graphs' own resources (municipalities …) once. A result found twice is reported once.

    Args:
        dataset: the named graphs (a Dataset or ConjunctiveGraph).
        shared_graph_ids: IRIs of the graphs that every document is validated with.
        shapes: the shapes graph; `load_shapes()` when None.
        inferred_graph_id: the graph of OWL 2 RL entailments (default graph/inferred).

    Returns:
        One `ValidationResult` with one merged report graph; each violation's `source_file` is the YAML file
        its document (or, for an SDG alignment, the document's alignments) came from, when it exists.
    """
    shapes_graph = shapes if shapes is not None else load_shapes()
    inferred_id = URIRef(str(inferred_graph_id))
    shared_ids = {URIRef(str(i)) for i in shared_graph_ids} - {inferred_id}
    graphs: dict[URIRef, Graph] = {}
    for graph in dataset.graphs() if isinstance(dataset, Dataset) else dataset.contexts():
        if len(graph):
            graphs[URIRef(str(graph.identifier))] = graph
    inferred = graphs.pop(inferred_id, Graph())
    documents = sorted(gid for gid in graphs if gid not in shared_ids)
    shared = [graphs[gid] for gid in sorted(shared_ids) if gid in graphs]

    # indexes built once, in one pass over the data
    stated_types: dict[Node, set[Node]] = defaultdict(set)
    typed_by: dict[Node, set[URIRef]] = defaultdict(set)  # node → the document graphs that type it
    aliases: dict[Node, set[Node]] = defaultdict(set)  # owl:sameAs, both ways, as stated
    for gid, graph in graphs.items():
        for node, cls in graph.subject_objects(RDF.type):
            stated_types[node].add(cls)
            if gid not in shared_ids:
                typed_by[node].add(gid)
        for a, b in graph.subject_objects(OWL.sameAs):
            aliases[a].add(b)
            aliases[b].add(a)
    inferred_about: dict[Node, list[tuple[Node, Node, Node]]] = defaultdict(list)
    for triple in inferred:
        inferred_about[triple[0]].append(triple)

    def context_types(triples: Iterable[tuple[Node, Node, Node]]) -> Iterator[tuple[Node, Node, Node]]:
        for _, predicate, obj in triples:
            if predicate == RDF.type or not isinstance(obj, URIRef):
                continue
            for node in (obj, *aliases.get(obj, ())):
                for cls in stated_types.get(node, ()):
                    yield (obj, RDF.type, cls)

    runs: list[tuple[URIRef | None, list[Graph]]] = [(None, [])]
    runs += [(gid, [graphs[gid]]) for gid in documents]
    prepared: list[tuple[URIRef | None, _PreparedQueryGraph, set[Node]]] = []
    for gid, own in runs:
        data = _PreparedQueryGraph()
        for graph in shared + own:
            for triple in graph:
                data.add(triple)
        described = {s for graph in (own or shared) for s in graph.subjects()}
        added = [t for s in described for t in inferred_about.get(s, ())]
        for triple in added:
            data.add(triple)
        for triple in list(context_types([t for graph in (own or shared) for t in graph] + added)):
            data.add(triple)
        if gid is None:
            owned = described
        else:
            owned = {s for s in described if isinstance(s, BNode) or gid in typed_by.get(s, {gid})}
        prepared.append((gid, data, owned))
    reports = _run_all([data for _, data, _ in prepared], shapes_graph)
    kept: dict[tuple[str, ...], tuple[Graph, Node, Violation]] = {}
    for (gid, data, owned), report in zip(prepared, reports, strict=True):
        for result in top_results(report):
            focus = report.value(result, SH.focusNode)
            if focus not in owned:
                continue  # another graph describes it; checked with that graph
            violation = to_violation(report, result)
            if gid is not None:
                is_alignment = (focus, RDF.type, KK.SDGAlignment) in data
                violation.source_file = source_file(gid, is_alignment)
            key = (
                violation.focus_node,
                violation.source_shape,
                str(report.value(result, SH.sourceConstraint) or ""),
                violation.path or "",
                violation.value or "",
                violation.severity,
            )
            kept.setdefault(key, (report, result, violation))

    merged = Graph()
    bind_prefixes(merged.namespace_manager)
    report_node = BNode()
    merged.add((report_node, RDF.type, SH.ValidationReport))
    violations = []
    for report, result, violation in kept.values():
        copy_closure(report, result, merged)
        merged.add((report_node, SH.result, result))
        violations.append(violation)
    conforms = conforms_of(violations)
    merged.add((report_node, SH.conforms, Literal(conforms)))
    return ValidationResult(conforms, violations, merged)


# ---- the pySHACL runs ---------------------------------------------------------------------------


class _PreparedQueryGraph(Graph):
    """A Graph whose `query()` parses each distinct SPARQL text once (see the module docstring)."""

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepare(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=512)
def _prepare(text: str) -> Query:
    return prepareQuery(text)


def _as_graph(data: Graph | Dataset) -> _PreparedQueryGraph:
    """The data as a `_PreparedQueryGraph`: a dataset becomes the union of its graphs (the SPARQL default
    graph we serve); a plain graph is viewed through its own store, without copying."""
    if isinstance(data, Dataset | ConjunctiveGraph):
        union = _PreparedQueryGraph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    if isinstance(data, _PreparedQueryGraph):
        return data
    return _PreparedQueryGraph(store=data.store, identifier=data.identifier)


#: what forked workers validate: set just before the pool forks, read by index in the children
_FORK_RUNS: tuple[list[Graph], Graph] | None = None


def _run_indexed(index: int) -> bytes:
    """In a forked worker: validate run `index` and send the report back as N-Triples."""
    assert _FORK_RUNS is not None
    datas, shapes = _FORK_RUNS
    return _run_pyshacl(datas[index], shapes).serialize(format="nt", encoding="utf-8")


def _run_all(datas: list[Graph], shapes: Graph, workers: int | None = None) -> list[Graph]:
    """Run pySHACL over every prepared data graph, in parallel processes where there are several cores.

    The runs are independent, so on Linux they are forked (the children inherit the prepared graphs;
    only the small reports travel back). One core, one run, or no fork: plain sequential runs.
    """
    global _FORK_RUNS
    workers = min(workers or os.cpu_count() or 1, len(datas))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [_run_pyshacl(data, shapes) for data in datas]
    _FORK_RUNS = (datas, shapes)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            payloads = list(pool.map(_run_indexed, range(len(datas))))
    finally:
        _FORK_RUNS = None
    reports = []
    for payload in payloads:
        report = Graph()
        bind_prefixes(report.namespace_manager)
        report.parse(data=payload, format="nt")
        reports.append(report)
    return reports


def _run_pyshacl(data: Graph, shapes: Graph) -> Graph:
    """One pySHACL run (in place: no inference, no ontology mixing, so the data is never modified);
    returns its report graph with one tagged message per language on each result."""
    _, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    if not isinstance(report, Graph):  # pySHACL's ValidationFailure: the shapes themselves are broken
        raise KgError(f"SHACL validation could not run: {text}")
    bind_prefixes(report.namespace_manager)
    _tidy_messages(report, shapes)
    return report


def _tidy_messages(report: Graph, shapes: Graph) -> None:
    """Keep one message per language on each result, tagged (see the module docstring).

    pySHACL gives a SPARQL-constraint result both the constraint's sh:message and the node shape's; the
    constraint's is the specific one, so the node shape's is dropped there. Untagged messages (from
    `{?var}` substitution) get their tag back by script.
    """
    for result in list(report.subjects(SH.sourceConstraint, None)):
        shape = report.value(result, SH.sourceShape)
        generic = {str(m) for m in shapes.objects(shape, SH.message)}
        messages = list(report.objects(result, SH.resultMessage))
        if any(str(m) not in generic for m in messages):
            for message in messages:
                if str(message) in generic:
                    report.remove((result, SH.resultMessage, message))
    for result, message in list(report.subject_objects(SH.resultMessage)):
        if isinstance(message, Literal) and message.language is None:
            lang = "ja" if _JAPANESE.search(str(message)) else "en"
            report.remove((result, SH.resultMessage, message))
            report.add((result, SH.resultMessage, Literal(str(message), lang=lang)))


__all__ = ["INFERRED", "validate_graph", "validate_per_graph"]
