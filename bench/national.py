"""The national build, stage by stage, with the time and the peak memory of each stage.

Run in its own process by bench/run.py (so that peak memory is the build's, not the benchmark's):

    python -m bench.national --data bench/out/national-1741-….nq --work /tmp/kk-national --json out.json

Stages, on the synthetic national dataset (stated graphs, as N-Quads):

- ingest: load the N-Quads into an in-memory pyoxigraph store (what the embedded store does);
- reason: kg.reason.rules.materialise_dataset at full size, inside the store (owlrl is measured on samples
  by bench/run.py: at this size it is hopeless);
- validate: kg.validate.compiled over the whole store, every document (what `keikaku build` does);
- faults (not counted): the same validation with a handful of known faults added in a graph of their
  own, to show that it finds them at this size;
- pyshacl (reference, not counted): pySHACL through kg.validate.validate_per_graph on a deterministic
  sample of documents in the full national context (every document run sees the whole shared graphs, as
  in a real build), extrapolated to every document and said so; `--validate-all` runs it on every
  document, `--validate-sample 0` skips it;
- dump: N-Quads and TriG of the whole dataset (what dist/ holds; per-graph Turtle and JSON-LD are
  written by rdflib in the real build and are not part of this figure).

Peak memory is the process's high-water mark (VmHWM) reset before each stage (Linux `clear_refs`), plus
the largest high-water mark of the validation's child processes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.namespaces import GRAPH

INFERRED = str(GRAPH["inferred"])
SDG = str(GRAPH["sdg"])
SHARED = (str(GRAPH["ontology"]), SDG, str(GRAPH["municipalities"]))


def peak_rss_mb() -> float:
    """The high-water mark of this process's resident memory, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    """Reset VmHWM to the current RSS, so the next stage's peak is its own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def stage(report: dict[str, Any], name: str, fn: Callable[[], dict[str, Any] | None]) -> None:
    reset_peak()
    started = time.perf_counter()
    extra = fn() or {}
    report[name] = {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": round(peak_rss_mb()),
        **extra,
    }
    print(f"  {name}: {report[name]}", flush=True)


# ---- validation ----------------------------------------------------------------------------------------


def documents_of(store: ox.Store) -> list[str]:
    return sorted(
        g.value
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value not in (*SHARED, INFERRED)
    )


def subset_nquads(store: ox.Store, documents: list[str]) -> bytes:
    """The shared graphs, the documents' graphs and the inferred triples about their subjects (N-Quads)."""
    out = ox.Store()
    for graph in SHARED:
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    inferred = ox.NamedNode(INFERRED)
    for doc in documents:
        out.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(doc)))
        about = store.query(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH <{doc}> {{ ?s ?x ?y }} "
            f"GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
        )
        out.extend(ox.Quad(row["s"], row["p"], row["o"], inferred) for row in about)  # type: ignore[index]
    return out.dump(format=ox.RdfFormat.N_QUADS) or b""


def timed_validation(nquads: bytes) -> tuple[float, Any]:
    """kg.validate.validate_per_graph on a dataset (it runs one process per core itself)."""
    from rdflib import Dataset

    from kg.validate import validate_per_graph

    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    started = time.perf_counter()
    result = validate_per_graph(dataset, SHARED)
    return time.perf_counter() - started, result


FAULTS = "urn:keikaku:bench:faults"


def fault_quads(store: ox.Store) -> tuple[list[ox.Quad], set[str]]:
    """A few known faults about one policy and one alignment of the first municipality, in their own
    graph, with the shapes that must report them."""
    kk = "https://w3id.org/keikaku/def#"
    row = next(
        iter(
            store.query(  # type: ignore[arg-type]
                f"SELECT ?policy ?measure ?alignment WHERE {{ ?policy a <{kk}Policy> ; "
                f"<{kk}hasMeasure> ?measure . ?measure <{kk}sdgAlignment> ?alignment }} LIMIT 1",
                use_default_graph_as_union=True,
            )
        )
    )
    graph = ox.NamedNode(FAULTS)
    policy, measure, alignment = row["policy"], row["measure"], row["alignment"]  # type: ignore[index]
    quads = [
        ox.Quad(
            policy, ox.NamedNode(kk + "order"), ox.Literal("99", datatype=ox.NamedNode(XSD_INTEGER)), graph
        ),
        ox.Quad(measure, ox.NamedNode(RDFS_LABEL), ox.Literal("fault", language="en"), graph),
        ox.Quad(policy, ox.NamedNode(kk + "isPartOf"), measure, graph),
        ox.Quad(alignment, ox.NamedNode(kk + "sdg"), ox.NamedNode("http://metadata.un.org/sdg/99"), graph),
    ]
    expected = {
        "PlanElementShape-order",
        "PlanElementShape-label",
        "HierarchyShape",
        "SDGAlignmentShape-sdg",
    }
    return quads, expected


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def fast_validation_stage(store: ox.Store) -> dict[str, Any]:
    """kg.validate.compiled on the whole store, every document — what `keikaku build` does."""
    from kg.validate.compiled import FastValidation, validate_store

    timing = FastValidation()
    result = validate_store(store, timing=timing, attribute_graphs=False)
    return {
        "validator": "fast",
        "documents": len(documents_of(store)),
        "checks": timing.checks,
        "violations": len(result.errors),
        "warnings": len(result.warnings),
        "slowest": [[round(sec, 2), name] for sec, name in timing.slowest],
    }


def fault_stage(store: ox.Store) -> dict[str, Any]:
    """The same validation with a few known faults added in a graph of their own (removed afterwards):
    it must find each of them at this size. Reported, not counted in the build."""
    from kg.validate.compiled import validate_store

    quads, expected = fault_quads(store)
    store.extend(quads)
    try:
        faulty = validate_store(store, attribute_graphs=False)
    finally:
        store.remove_graph(ox.NamedNode(FAULTS))
    reported = {v.source_shape.rsplit("#", 1)[-1] for v in faulty.errors}
    return {
        "faults_added": len(quads),
        "faults_expected": sorted(expected),
        "faults_found": sorted(s for s in expected if any(r.startswith(s) for r in reported)),
        "fault_results": len(faulty.errors),
    }


def validate_stage(store: ox.Store, sample: int | None) -> dict[str, Any]:
    """Validate `sample` documents (all when None) with the whole shared graphs; extrapolate from the
    wall time per document over the run of the shared graphs alone (which every build pays once)."""
    documents = documents_of(store)
    if sample is None or sample >= len(documents):
        chosen = documents
    else:
        chosen = documents[:: max(1, len(documents) // sample)][:sample]
    baseline, base_result = timed_validation(subset_nquads(store, []))
    seconds, result = timed_validation(subset_nquads(store, chosen))
    per_doc = max(0.0, seconds - baseline) / max(1, len(chosen))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "documents": len(documents),
        "validated": len(chosen),
        "workers": os.cpu_count() or 1,
        "wall_seconds": round(baseline + seconds, 2),
        "shared_run_seconds": round(baseline, 2),
        "seconds_per_document": round(per_doc, 3),
        "estimated_all_seconds": round(baseline + per_doc * len(documents), 1),
        "extrapolated": len(chosen) < len(documents),
        "violations": len(result.errors) + len(base_result.errors),
        "warnings": len(result.warnings),
        "worker_peak_mb": round(children),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national")
    parser.add_argument("--data", type=Path, required=True, help="stated graphs, N-Quads")
    parser.add_argument("--work", type=Path, required=True, help="where the dump and the on-disk store go")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument(
        "--validate-sample", type=int, default=16, help="documents pySHACL validates for reference (0: none)"
    )
    parser.add_argument("--validate-all", action="store_true", help="pySHACL on every document (hours)")
    parser.add_argument("--disk-store", action="store_true", help="also write an on-disk store for servers")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    store = ox.Store()

    def ingest() -> dict[str, Any]:
        store.bulk_load(path=str(args.data), format=ox.RdfFormat.N_QUADS)
        return {"quads": len(store)}

    def reason() -> dict[str, Any]:
        from kg.reason.rules import materialise_dataset

        stats = materialise_dataset(store, target=INFERRED, sdg_graph=SDG)
        return {"inferred": stats.useful, "rounds": stats.rounds, "per_rule": stats.per_rule}

    def validate() -> dict[str, Any]:
        return fast_validation_stage(store)

    def pyshacl() -> dict[str, Any]:
        if args.validate_sample == 0 and not args.validate_all:
            return {"skipped": True}
        return validate_stage(store, None if args.validate_all else args.validate_sample)

    def dump() -> dict[str, Any]:
        nq, trig = args.work / "dataset.nq", args.work / "dataset.trig"
        store.dump(str(nq), format=ox.RdfFormat.N_QUADS)
        store.dump(str(trig), format=ox.RdfFormat.TRIG)
        return {
            "quads": len(store),
            "nquads_mb": round(nq.stat().st_size / 2**20),
            "trig_mb": round(trig.stat().st_size / 2**20),
        }

    print(f"national build of {args.data.name}", flush=True)
    stage(report, "ingest", ingest)
    stage(report, "reason", reason)
    stage(report, "validate", validate)
    stage(report, "dump", dump)
    stage(report, "faults", lambda: fault_stage(store))
    # bench/run.py reads the fault figures beside the validation's
    report["validate"].update({k: v for k, v in report["faults"].items() if k.startswith("fault")})
    report["validate"]["fault_run_seconds"] = report["faults"]["seconds"]
    stage(report, "pyshacl", pyshacl)
    report["total_seconds"] = round(
        sum(report[s]["seconds"] for s in ("ingest", "reason", "validate", "dump")), 2
    )
    report["peak_mb"] = max(report[s]["peak_mb"] for s in ("ingest", "reason", "validate", "dump"))
    if args.disk_store:
        del store
        started = time.perf_counter()
        disk = ox.Store(str(args.work / "store"))
        disk.bulk_load(path=str(args.work / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        disk.optimize()
        disk.flush()
        del disk
        report["disk_store_seconds"] = round(time.perf_counter() - started, 2)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
