"""The session's one ingest-and-reason run of the real data, shared by every test that needs its graphs.

tests/conftest.py's `assembled` fixture runs `kg.build.assemble(validate_shapes=False)` once; the graphs
it holds are shared, so a test that changes a graph works on `copy_graphs(...)`. A test about a later
stage of the build (which validator runs, what a refused option does) can call `kg.build.assemble`
itself with `reuse_assembled` in place: ingest and reasoning then hand back copies of the session's
graphs instead of running again.

>>> from rdflib import Graph, URIRef
>>> g = Graph(); _ = g.add((URIRef("urn:a"), URIRef("urn:p"), URIRef("urn:b")))
>>> copied = copy_graphs({URIRef("urn:g"): g})
>>> len(copied[URIRef("urn:g")]), copied[URIRef("urn:g")] is g
(1, False)
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

if TYPE_CHECKING:
    import pytest

    from kg.build import BuildResult


def copy_graph(graph: Graph) -> Graph:
    """A new graph with the same triples and prefixes (rdflib's `+` would drop the bindings)."""
    copied = Graph(identifier=graph.identifier)
    for prefix, namespace in graph.namespaces():
        copied.bind(prefix, namespace, override=True, replace=True)
    copied += graph
    return copied


def copy_graphs(graphs: Mapping[URIRef, Graph]) -> dict[URIRef, Graph]:
    """A fresh dict of fresh graphs: change it freely."""
    return {iri: copy_graph(graph) for iri, graph in graphs.items()}


def stated(result: BuildResult) -> dict[URIRef, Graph]:
    """The ingested graphs of a build, without graph/inferred (still shared: read only)."""
    from kg.build import INFERRED

    return {iri: g for iri, g in result.graphs.items() if iri != INFERRED}


def reuse_assembled(monkeypatch: pytest.MonkeyPatch, result: BuildResult) -> None:
    """Make `kg.build.assemble` take ingest and reasoning from `result` (as copies) instead of redoing
    them, so that a test of the validation stage or of argument checks costs no rebuild."""
    import kg.build
    from kg.build import INFERRED

    inferred = result.graphs[INFERRED]
    monkeypatch.setattr(kg.build, "ingest_all", lambda *args, **kwargs: copy_graphs(stated(result)))
    monkeypatch.setattr(kg.build, "materialise", lambda *args, **kwargs: copy_graph(inferred))


@functools.cache
def catalogue_dist() -> Path:
    """A `dist/` holding only what `keikaku build` publishes for the API (the named-query catalogue and
    the municipality list), for apps over stores that the tests fill themselves: the server reads its
    API from `dist/`, never from the checkout. Removed when the test process ends."""
    from kg.build import copy_catalogue
    from kg.paths import DATA, QUERIES

    dist = Path(tempfile.mkdtemp(prefix="keikaku-catalogue-"))
    atexit.register(shutil.rmtree, dist, ignore_errors=True)
    copy_catalogue(QUERIES, DATA / "municipalities.yaml", dist)
    return dist
