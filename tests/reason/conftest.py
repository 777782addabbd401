"""Fixtures for the reasoning tests: the reasoner input of the real build, and a synthetic one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Dataset, Graph, URIRef

from kg.namespaces import GRAPH
from kg.paths import DATA, ROOT
from kg.reason import reasoner_input


def bench_generate() -> ModuleType:
    """bench/generate.py, loaded by path (bench/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def real_input(request: pytest.FixtureRequest) -> list[Graph]:
    """The real data as the build ingests it (from the session's one ingest: read only)."""
    from tests.support.build import stated

    assert any((DATA / "plans").glob("*/*.yaml")), "no data/plans/*/*.yaml"
    return reasoner_input(stated(request.getfixturevalue("assembled")))


@pytest.fixture(scope="session")
def synthetic_nquads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic national dataset (bench/generate.py): 4 municipalities, one of them a ward,
    every one with an owl:sameAs alias, so every rule of the ontology fires."""
    gen = bench_generate()
    path = tmp_path_factory.mktemp("synthetic") / "national-4.nq"
    gen.generate(path, municipalities=4)
    return path


@pytest.fixture(scope="session")
def synthetic_graphs(synthetic_nquads: Path) -> dict[URIRef, Graph]:
    dataset = Dataset()
    dataset.parse(synthetic_nquads, format="nquads")
    graphs: dict[URIRef, Graph] = {}
    for context in dataset.graphs():
        if (
            len(context)
            and isinstance(context.identifier, URIRef)
            and str(context.identifier).startswith(str(GRAPH))
        ):
            graph = Graph()
            for triple in context:
                graph.add(triple)
            graphs[context.identifier] = graph
    return graphs


@pytest.fixture(scope="session")
def synthetic_input(synthetic_graphs: dict[URIRef, Graph]) -> list[Graph]:
    return reasoner_input(synthetic_graphs)
