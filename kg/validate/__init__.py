"""Validation: the SHACL shapes of `shapes/` over the built data; only `sh:Violation` fails a build.

One call, two engines behind it, both giving a report of the same shape (kg/validate/report.py):

- ``"compiled"`` (default, kg/validate/compiled/): every constraint compiled to a SPARQL SELECT and
  evaluated once over the union of all graphs in pyoxigraph. It refuses (`UnsupportedShape`) a SHACL
  feature it does not compile rather than check less.
- ``"pyshacl"`` (kg/validate/pyshacl.py): pySHACL, the reference semantics. Given the build's named
  graphs it runs per document graph with the shared graphs (ontology, SDG KOS, municipalities), so its
  cost grows linearly with the documents; given one graph or a dataset, one run over their union.

tests/shapes proves both report the same results on every shape case and on the real data.

>>> from rdflib import Graph
>>> validate(Graph()).conforms, validate(Graph(), engine="pyshacl").conforms
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from rdflib import ConjunctiveGraph, Dataset, Graph, URIRef

from kg.errors import KgError
from kg.namespaces import GRAPH
from kg.paths import SHAPES
from kg.validate import pyshacl
from kg.validate.compiled import UnsupportedShape, runner
from kg.validate.pyshacl import validate_graph, validate_per_graph
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

Engine = Literal["compiled", "pyshacl"]
ENGINES: tuple[str, ...] = ("compiled", "pyshacl")
INFERRED = GRAPH["inferred"]
SHARED_GRAPHS = (GRAPH["ontology"], GRAPH["sdg"], GRAPH["municipalities"])
"""The graphs every document is validated with by the per-graph pySHACL runs."""

_DATA = URIRef("urn:x-keikaku:validate:data")
_ONTOLOGY = URIRef("urn:x-keikaku:validate:ontology")


def validate(
    data: Mapping[URIRef, Graph] | Graph | Dataset,
    shapes: Graph | None = None,
    *,
    engine: Engine | str = "compiled",
    ont_graph: Graph | None = None,
) -> ValidationResult:
    """Validate the data against the shapes with the chosen engine.

    Args:
        data: the build's named graphs (graph IRI → graph, graph/inferred among them), or one graph, or a
            dataset (validated as the union of its graphs, the SPARQL default graph we serve).
        shapes: the shapes graph; `load_shapes()` when None.
        engine: ``"compiled"`` (pyoxigraph, the default) or ``"pyshacl"`` (the reference).
        ont_graph: extra ontology triples validated with the data (e.g. the subclass axioms a bare
            document graph lacks).

    Returns:
        A `ValidationResult`; `conforms` is False only when a result has severity sh:Violation. Results
        of the named graphs name the YAML file of their document (`Violation.source_file`).

    Raises:
        KgError: for an unknown engine; `UnsupportedShape` (a KgError) when the compiled engine meets a
            SHACL feature it does not compile.
    """
    if engine == "compiled":
        graphs = _named_graphs(data)
        if ont_graph is not None:
            graphs[_ONTOLOGY] = ont_graph
        return runner.validate_store(runner.store_from_graphs(graphs), shapes, lexical=True)
    if engine == "pyshacl":
        if isinstance(data, Mapping):
            dataset = Dataset()
            for iri, graph in data.items():
                dataset.graph(iri).__iadd__(graph)
            if ont_graph is not None:
                dataset.graph(_ONTOLOGY).__iadd__(ont_graph)
            shared = [*SHARED_GRAPHS, _ONTOLOGY]
            return validate_per_graph(dataset, shared, shapes, inferred_graph_id=INFERRED)
        return validate_graph(data, shapes, ont_graph)
    raise KgError(f"unknown validator engine {engine!r}: use one of {', '.join(ENGINES)}")


def _named_graphs(data: Mapping[URIRef, Graph] | Graph | Dataset) -> dict[URIRef, Graph]:
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, Dataset | ConjunctiveGraph):
        contexts = data.graphs() if isinstance(data, Dataset) else data.contexts()
        return {URIRef(str(g.identifier)): g for g in contexts if len(g)}
    return {_DATA: data}


__all__ = [
    "ENGINES",
    "SHAPES",
    "SHARED_GRAPHS",
    "Engine",
    "UnsupportedShape",
    "ValidationResult",
    "bind_prefixes",
    "conforms_of",
    "copy_closure",
    "load_shapes",
    "pyshacl",
    "source_file",
    "to_violation",
    "top_results",
    "validate",
    "validate_graph",
    "validate_per_graph",
]
