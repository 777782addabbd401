"""The build: ingest → reason → validate → write `dist/`, atomically.

This module only wires the stages together; each stage chooses its own engine (`kg.reason.materialise(…,
engine=)`, `kg.validate.validate(…, engine=)`). A build writes into a fresh folder `dist.builds/<id>/`
beside `dist/` only after validation passed, then flips the `dist` symlink to it in one rename
(kg/distswap.py), so a failed or killed build leaves the previous `dist/` exactly as it was.
Besides the dataset, `dist/` carries what a deployed server needs and must not read from the checkout:
the source documents (`dist/sources/`), the ontology Turtle (`dist/ontology/`), and
the named-query catalogue with the municipality list its parameters are checked against
(`dist/queries/`, `dist/municipalities.yaml`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg import __version__
from kg.distswap import flip, publish, tidy
from kg.errors import BuildReport, ShapeViolation
from kg.ingest import ingest_all
from kg.namespaces import GRAPH, PREFIXES
from kg.paths import DATA, DIST, ONTOLOGY, QUERIES
from kg.reason import materialise, reasoner_input
from kg.validate import validate

INFERRED = GRAPH["inferred"]
ONTOLOGY_FILES = ("keikaku.ttl", "schemes.ttl")
"""The ontology Turtle copied to dist/ontology/ (the server's /ontology page and its downloads)."""

T = TypeVar("T")


@dataclass
class BuildResult:
    """The graphs of a build and what happened to them."""

    graphs: dict[URIRef, Graph] = field(default_factory=dict)
    report: BuildReport = field(default_factory=BuildReport)
    report_graph: Graph | None = None
    data: Path = DATA
    ontology: Path = ONTOLOGY


def graph_path(graph_iri: URIRef) -> str:
    """`graph/kamakura/plan-2030` → `kamakura/plan-2030` (the file path under dist/graphs/).

    >>> graph_path(GRAPH["kamakura/plan-2030"])
    'kamakura/plan-2030'
    """
    return str(graph_iri).removeprefix(str(GRAPH))


def _timed(report: BuildReport, stage: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    report.seconds[stage] = round(time.perf_counter() - start, 3)
    return value


def assemble(
    data: Path = DATA,
    ontology: Path = ONTOLOGY,
    *,
    validate_shapes: bool = True,
    reasoner: str = "rules",
    validator: str = "compiled",
) -> BuildResult:
    """Run ingest, reasoning and validation in memory; raise ShapeViolation if the data does not conform.

    `reasoner` is an engine of kg.reason ("rules", or "owlrl" the reference) and `validator` one of
    kg.validate ("compiled", or "pyshacl" the reference); tests/reason and tests/shapes prove each pair
    gives the same result.
    """
    result = BuildResult(data=data, ontology=ontology)
    report = result.report
    graphs = _timed(report, "ingest", lambda: ingest_all(data, ontology))
    stated = reasoner_input(graphs)
    graphs[INFERRED] = _timed(report, "reason", lambda: materialise(stated, engine=reasoner))
    result.graphs = graphs
    report.triples_per_graph = {graph_path(iri): len(g) for iri, g in graphs.items()}
    if validate_shapes:
        outcome = _timed(report, "validate", lambda: validate(graphs, engine=validator))
        report.violations = outcome.violations
        if not outcome.conforms:
            raise ShapeViolation(outcome.violations)
        result.report_graph = outcome.report
    return result


def write_dist(result: BuildResult, target: Path, *, started: float | None = None) -> None:
    """Write every serialisation of the dataset, the sources and the ontology into `target` (a fresh
    directory), and `build.json` last; `started` (a `time.perf_counter()`) adds the total time to it."""
    report = result.report
    begin = time.perf_counter()
    (target / "graphs").mkdir(parents=True)
    store = ox.Store()
    for iri, graph in result.graphs.items():
        out = target / "graphs" / f"{graph_path(iri)}.ttl"
        out.parent.mkdir(parents=True, exist_ok=True)
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True)
        graph.serialize(out, format="turtle", encoding="utf-8")
        store.bulk_load(path=str(out), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(iri)))
    report.seconds["search"] = _timed_search(store, result, target / "search")
    store.dump(str(target / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store.dump(str(target / "dataset.trig"), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    store.dump(str(target / "dataset.jsonld"), format=ox.RdfFormat.JSON_LD, prefixes=PREFIXES)
    if result.report_graph is not None:
        result.report_graph.serialize(target / "validation.ttl", format="turtle", encoding="utf-8")
    copy_sources(result.data / "sources", target / "sources")
    copy_ontology(result.ontology, target / "ontology")
    copy_catalogue(QUERIES, result.data / "municipalities.yaml", target)
    report.seconds["write"] = round(time.perf_counter() - begin, 3)
    if started is not None:
        report.seconds["total"] = round(time.perf_counter() - started, 3)
    meta = {
        "version": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "triples_per_graph": report.triples_per_graph,
        "total_triples": sum(report.triples_per_graph.values()),
        "seconds": report.seconds,
        "warnings": [str(v) for v in report.violations],
    }
    (target / "build.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def _timed_search(store: ox.Store, result: BuildResult, target: Path) -> float:
    """The search index (dist/search/, kg.search) from the loaded store, with the thesaurus beside it."""
    from kg.search import Thesaurus, build_index

    begin = time.perf_counter()
    thesaurus = Thesaurus.from_graph(result.graphs.get(GRAPH["thesaurus"], Graph()))
    build_index(store, target, thesaurus)
    return round(time.perf_counter() - begin, 3)


def copy_sources(sources: Path, target: Path) -> None:
    """`data/sources/` byte for byte (texts and meta files): the server's /source pages read them here."""
    shutil.copytree(sources, target, copy_function=shutil.copyfile)


def copy_ontology(ontology: Path, target: Path) -> None:
    """The ontology Turtle (`ONTOLOGY_FILES`) byte for byte: the server's /ontology page and downloads."""
    target.mkdir(parents=True)
    for name in ONTOLOGY_FILES:
        shutil.copyfile(ontology / name, target / name)


def copy_catalogue(queries: Path, municipalities: Path, target: Path) -> None:
    """The named queries (`queries/*.rq`, byte for byte, into `target/queries/`) and the municipality
    list their parameters are checked against (`target/municipalities.yaml`): the server's API reads them
    here, and a publisher finds the catalogue beside the data."""
    (target / "queries").mkdir(parents=True)
    for rq in sorted(queries.glob("*.rq")):
        shutil.copyfile(rq, target / "queries" / rq.name)
    shutil.copyfile(municipalities, target / "municipalities.yaml")


def swap_in(fresh: Path, dist: Path) -> None:
    """Make `dist` point at `fresh` (a folder inside `dist.builds/`) in one step (kg.distswap.flip)."""
    flip(dist, fresh)


def build(
    dist: Path = DIST,
    data: Path = DATA,
    ontology: Path = ONTOLOGY,
    *,
    reasoner: str = "rules",
    validator: str = "compiled",
) -> BuildResult:
    """Build the dataset into `dist/`; on any error `dist/` is left untouched.

    `dist` becomes a symlink to `dist.builds/<id>/`, flipped in one rename (kg/distswap.py); the
    leftovers of killed builds are removed first, and again once the new build is in place.

    >>> result = build()  # doctest: +SKIP
    """
    started = time.perf_counter()
    tidy(dist)
    result = assemble(data, ontology, reasoner=reasoner, validator=validator)
    publish(dist, lambda folder: write_dist(result, folder, started=started))
    return result


__all__ = [
    "INFERRED",
    "ONTOLOGY_FILES",
    "BuildResult",
    "assemble",
    "build",
    "copy_catalogue",
    "copy_ontology",
    "copy_sources",
    "graph_path",
    "reasoner_input",
    "swap_in",
    "write_dist",
]
