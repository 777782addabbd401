"""The build: ingest → reason → validate → write `dist/`, atomically.

This module only wires the stages together. A build writes into a fresh temporary directory beside
`dist/` and swaps it in only after validation passed, so a failed build leaves the previous `dist/`
exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from kg import __version__, reason_fast
from kg.errors import BuildReport, KgError, ShapeViolation
from kg.ingest import ingest_all
from kg.namespaces import BASE, GRAPH
from kg.paths import DATA, DIST, ONTOLOGY, ROOT
from kg.reason import materialise, sdg_structure
from kg.validate import ValidationResult

INFERRED = GRAPH["inferred"]
REASONERS = {"fast": reason_fast.materialise, "owlrl": materialise}
VALIDATORS = ("fast", "pyshacl")
PREFIXES = {
    "kk": "https://w3id.org/keikaku/def#",
    "id": BASE + "id/",
    "src": BASE + "source/",
    "sdg": "http://metadata.un.org/sdg/",
    "sdgo": "http://metadata.un.org/sdg/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass
class BuildResult:
    """The graphs of a build and what happened to them."""

    graphs: dict[URIRef, Graph] = field(default_factory=dict)
    report: BuildReport = field(default_factory=BuildReport)
    report_graph: Graph | None = None


def graph_path(graph_iri: URIRef) -> str:
    """`graph/kamakura/plan-2030` → `kamakura/plan-2030` (the file path under dist/graphs/)."""
    return str(graph_iri).removeprefix(str(GRAPH))


def _timed(report: BuildReport, stage: str, fn: Callable[[], object]) -> object:
    start = time.perf_counter()
    value = fn()
    report.seconds[stage] = round(time.perf_counter() - start, 3)
    return value


def assemble(
    data: Path = DATA,
    ontology: Path = ONTOLOGY,
    *,
    validate_shapes: bool = True,
    reasoner: str = "fast",
    validator: str = "fast",
) -> BuildResult:
    """Run ingest, reasoning and validation in memory; raise ShapeViolation if the data does not conform.

    `reasoner`: "fast" (the OWL 2 RL rules our ontology uses, evaluated in pyoxigraph — kg/reason_fast.py)
    or "owlrl" (the reference implementation; tests/reason proves both give the same inferred graph).
    `validator`: "fast" (the shapes compiled to SPARQL, evaluated in pyoxigraph — kg/validate_fast.py) or
    "pyshacl" (the reference, per document graph; tests/shapes proves both report the same results).
    """
    if validator not in VALIDATORS:
        raise KgError(f"unknown validator {validator!r}: use one of {', '.join(VALIDATORS)}")
    result = BuildResult()
    report = result.report
    graphs: dict[URIRef, Graph] = _timed(report, "ingest", lambda: ingest_all(data, ontology))  # type: ignore[assignment]
    stated = [g for iri, g in graphs.items() if iri != GRAPH["sdg"]]
    stated.append(sdg_structure(graphs[GRAPH["sdg"]]))
    reason = REASONERS.get(reasoner)
    if reason is None:
        raise KgError(f"unknown reasoner {reasoner!r}: use one of {', '.join(REASONERS)}")
    graphs[INFERRED] = _timed(report, "reason", lambda: reason(stated))  # type: ignore[assignment]
    result.graphs = graphs
    report.triples_per_graph = {graph_path(iri): len(g) for iri, g in graphs.items()}
    if validate_shapes:
        outcome = _timed(report, "validate", lambda: validate_graphs(graphs, validator))
        report.violations = outcome.violations  # type: ignore[attr-defined]
        if not outcome.conforms:  # type: ignore[attr-defined]
            raise ShapeViolation(outcome.violations)  # type: ignore[attr-defined]
        result.report_graph = outcome.report  # type: ignore[attr-defined]
    return result


def validate_graphs(graphs: dict[URIRef, Graph], validator: str = "fast") -> ValidationResult:
    """SHACL over the built graphs: "fast" checks the union of all graphs at once in pyoxigraph;
    "pyshacl" runs per document graph with the shared graphs, so its cost grows linearly with documents."""
    from kg.validate import validate_per_graph

    if validator == "fast":
        from kg.validate_fast import store_from_graphs, validate_store

        return validate_store(store_from_graphs(graphs))

    dataset = Dataset()
    for iri, graph in graphs.items():
        named = dataset.graph(iri)
        named += graph
    shared = [iri for iri in (GRAPH["ontology"], GRAPH["sdg"], GRAPH["municipalities"]) if iri in graphs]
    return validate_per_graph(dataset, shared, inferred_graph_id=INFERRED)


def write_dist(result: BuildResult, target: Path) -> None:
    """Write every serialisation of the dataset into `target` (a fresh directory)."""
    report = result.report
    started = time.perf_counter()
    (target / "graphs").mkdir(parents=True)
    store = ox.Store()
    for iri, graph in result.graphs.items():
        out = target / "graphs" / f"{graph_path(iri)}.ttl"
        out.parent.mkdir(parents=True, exist_ok=True)
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True)
        graph.serialize(out, format="turtle", encoding="utf-8")
        store.bulk_load(path=str(out), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(iri)))
    store.dump(str(target / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store.dump(str(target / "dataset.trig"), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    store.dump(str(target / "dataset.jsonld"), format=ox.RdfFormat.JSON_LD, prefixes=PREFIXES)
    if result.report_graph is not None:
        result.report_graph.serialize(target / "validation.ttl", format="turtle", encoding="utf-8")
    report.seconds["write"] = round(time.perf_counter() - started, 3)
    meta = {
        "version": __version__,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "triples_per_graph": report.triples_per_graph,
        "total_triples": sum(report.triples_per_graph.values()),
        "seconds": report.seconds,
        "warnings": [str(v) for v in report.violations],
    }
    (target / "build.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def swap_in(fresh: Path, dist: Path) -> None:
    """Replace `dist` by `fresh` with two renames; the old tree is removed only afterwards."""
    old = None
    if dist.exists():
        old = dist.with_name(f"{dist.name}.old-{int(time.time() * 1000)}")
        dist.rename(old)
    fresh.rename(dist)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    dist: Path = DIST,
    data: Path = DATA,
    ontology: Path = ONTOLOGY,
    *,
    reasoner: str = "fast",
    validator: str = "fast",
) -> BuildResult:
    """Build the dataset into `dist/`; on any error `dist/` is left untouched.

    >>> result = build()  # doctest: +SKIP
    """
    start = time.perf_counter()
    result = assemble(data, ontology, reasoner=reasoner, validator=validator)
    dist.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{dist.name}.new-", dir=dist.parent))
    try:
        shutil.rmtree(fresh)
        result.report.seconds["total"] = 0.0
        write_dist(result, fresh)
        result.report.seconds["total"] = round(time.perf_counter() - start, 3)
        _rewrite_total(fresh, result.report.seconds)
        swap_in(fresh, dist)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return result


def _rewrite_total(target: Path, seconds: dict[str, float]) -> None:
    path = target / "build.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["seconds"] = seconds
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


__all__ = ["ROOT", "BuildResult", "assemble", "build", "swap_in", "write_dist"]
