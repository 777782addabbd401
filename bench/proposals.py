"""Rewrites of named queries that the benchmark measures beside the originals (as `{name}--proposed`).

Each one gives the same answers (the benchmark compares the row counts of every backend, and
tests/stores compares rows) and avoids a join order that pyoxigraph 0.5 evaluates badly at national size:

- a BIND (or a UNION whose branches BIND) between triple patterns splits the group into blocks that are
  joined after each block is evaluated on its own — a pattern after the BIND then scans the whole store
  (measures-by-sdg: 146 s → 0.2 s on 200 municipalities);
- mandatory triple patterns after OPTIONALs are joined the same way (cross-plan-links: 2.6 s → 0.015 s);
- `FILTER NOT EXISTS` to pick the latest observation runs a correlated sub-pattern per row; a grouped
  sub-query with MAX does it once (indicator-status: 4.3 s → 0.07 s).

The rule for queries/: mandatory triple patterns first, then OPTIONALs, then BIND and FILTER at the end of
each group; no BIND inside UNION branches that are joined with other patterns.

A transformation returns None when the query no longer has the shape it rewrites (it was changed): the
benchmark then says so instead of measuring a stale rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def sink_binds(text: str) -> str | None:
    """Move the single-line BIND and FILTER of the outermost WHERE group to its end (a BIND stays where
    it is when a later pattern uses its variable)."""
    lines = text.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("WHERE {"))
        end = max(i for i, line in enumerate(lines) if line.startswith("}"))
    except (StopIteration, ValueError):
        return None
    body = lines[start + 1 : end]
    kept, moved = [], []
    for i, line in enumerate(body):
        stripped = line.strip()
        top_level = line.startswith("  ") and not line.startswith("   ")
        single = stripped.count("(") == stripped.count(")") and "{" not in stripped
        if top_level and single and stripped.startswith(("BIND", "FILTER")):
            bound = re.search(r"AS (\?\w+)\)", stripped)
            later = "\n".join(x for x in body[i + 1 :] if not x.strip().startswith(("BIND", "FILTER")))
            if bound and re.search(re.escape(bound.group(1)) + r"\b", later):
                kept.append(line)
            else:
                moved.append(line)
        else:
            kept.append(line)
    if not moved:
        return None
    return "\n".join(lines[: start + 1] + kept + moved + lines[end:])


CROSS_PLAN_LINKS_WHERE = """WHERE {
  ?link a rdf:Statement ; rdf:subject ?element ; rdf:predicate ?predicate ; rdf:object ?target ;
        kk:basis ?basisNode .
  ?element rdfs:label ?label .
  ?target rdfs:label ?targetLabel .
  OPTIONAL { ?link kk:evidence ?evidence }
  OPTIONAL { ?link skos:editorialNote ?note }
  OPTIONAL { ?element kk:inPlan ?inPlan }
  OPTIONAL { ?element skos:notation ?notation }
  OPTIONAL { ?target skos:notation ?targetNotation }
  OPTIONAL { ?target kk:inPlan ?targetPlan . ?targetPlan rdfs:label ?targetPlanLabel }
  BIND (COALESCE(?inPlan, ?element) AS ?plan)
  ?plan kk:issuedBy ?municipality .
  FILTER (?predicate IN (kk:implements, kk:continues, kk:inheritsFrom, kk:relatedTo))
  BIND (STRAFTER(STR(?predicate), "#") AS ?relation)
  FILTER (COALESCE(?relation = ?kind, true))
  BIND (STRAFTER(STR(?basisNode), "#") AS ?basis)
}
"""


def cross_plan_links(text: str) -> str | None:
    """Mandatory patterns first, OPTIONALs, then the BINDs; `?plan` by COALESCE instead of a UNION
    with BIND (an element that is itself a plan has no kk:inPlan)."""
    if "{ ?element kk:inPlan ?plan . } UNION { ?element a kk:Plan . BIND (?element AS ?plan) }" not in text:
        return None
    new, count = re.subn(r"WHERE \{.*?\n\}\n", lambda _: CROSS_PLAN_LINKS_WHERE, text, count=1, flags=re.S)
    return new if count else None


LATEST_OLD = """    ?observation kk:observationOf ?indicator ; kk:value ?actual ; kk:fiscalYear ?actualYear .
    FILTER NOT EXISTS {
      ?later kk:observationOf ?indicator ; kk:fiscalYear ?laterYear .
      FILTER (STR(?laterYear) > STR(?actualYear))
    }"""
LATEST_NEW = """    { SELECT ?indicator (MAX(STR(?year)) AS ?latest)
      WHERE { ?any kk:observationOf ?indicator ; kk:fiscalYear ?year } GROUP BY ?indicator }
    ?observation kk:observationOf ?indicator ; kk:value ?actual ; kk:fiscalYear ?actualYear .
    FILTER (STR(?actualYear) = ?latest)"""


def indicator_status(text: str) -> str | None:
    """The latest observation by a grouped MAX instead of a correlated FILTER NOT EXISTS."""
    return text.replace(LATEST_OLD, LATEST_NEW) if LATEST_OLD in text else None


PROPOSED: dict[str, Callable[[str], str | None]] = {
    "measures-by-sdg": sink_binds,
    "cross-plan-links": cross_plan_links,
    "indicator-status": indicator_status,
}

#: loaded by `sitecustomize` in the API's processes (bench/run.py writes it): OxigraphStore binds
#: parameters with the VALUES blocks of kg.remote instead of pyoxigraph substitutions
VALUES_BINDING_PATCH = """
import os
if os.environ.get("KEIKAKU_BENCH_VALUES_BINDING"):
    import kg.remote
    import kg.store

    _original = kg.store.OxigraphStore._run

    def _run(self, sparql, bindings, default_graph_uris, named_graph_uris):
        if bindings:
            sparql, bindings = kg.remote.bind_with_values(sparql, bindings), None
        return _original(self, sparql, bindings, default_graph_uris, named_graph_uris)

    kg.store.OxigraphStore._run = _run
"""
