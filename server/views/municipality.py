"""The page of a municipality (its wards, plans and identifiers), and the list of municipalities and
their plans on the home page."""

from __future__ import annotations

from typing import Any

from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.namespaces import KK
from server.internal import sparql
from server.views.context import PageContext, best_literal
from server.views.page import View


def municipality_page(v: View) -> dict[str, Any]:
    g, r = v.g, v.iri
    plans = sorted(g.subjects(KK.issuedBy, r), key=lambda p: (v.value(p, KK.periodStart) or "", str(p)))
    same = sorted({str(o) for p in (OWL.sameAs, SKOS.exactMatch) for o in g.objects(r, p)})
    return {
        "label": v.label(r),
        "labels": sorted({str(x) for x in g.objects(r, RDFS.label)}),
        "code": v.value(r, KK.localGovernmentCode),
        "part_of": [v.link(p) for p in g.objects(r, KK.partOf)],
        "wards": [v.link(w) for w in sorted(g.subjects(KK.partOf, r), key=str)],
        "same_as": same,
        "plans": [
            v.link(p)
            | {
                "start": v.value(p, KK.periodStart),
                "end": v.value(p, KK.periodEnd),
                # asked of the store: the page graph holds the municipality's neighbourhood, not the
                # plans' elements, so looking there called every plan a stub (issue 13)
                "stub": not v.web.ask(sparql("plan-has-elements"), {"p": p}),
            }
            for p in plans
            if (p, RDF.type, KK.Plan) in g
        ],
        "properties": v.properties(r),
    }


def municipalities(web: PageContext) -> list[dict[str, Any]]:
    """Municipalities with the plans they issued (plans with at least one element)."""
    munis: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("home-plans")):
        iri = str(row["muni"])
        m = munis.setdefault(
            iri, {"iri": iri, "href": web.href(iri), "labels": [], "parent": [], "plans": {}}
        )
        if "muniLabel" in row:
            m["labels"].append(row["muniLabel"])
        if "parentLabel" in row:
            m["parent"].append(row["parentLabel"])
        if "plan" in row:
            p = m["plans"].setdefault(
                str(row["plan"]),
                {
                    "href": web.href(row["plan"]),
                    "labels": [],
                    "types": [],
                    "start": None,
                    "end": None,
                    "n": 0,
                    "stub": False,
                },
            )
            if "planLabel" in row:
                p["labels"].append(row["planLabel"])
            if "typeLabel" in row:
                p["types"].append(row["typeLabel"])
            p["start"] = str(row["start"]) if "start" in row else p["start"]
            p["end"] = str(row["end"]) if "end" in row else p["end"]
            # plans a document only refers to are stubs, stated by the editors (kk:Curated), not the plan
            p["stub"] = p["stub"] or str(row.get("basis", "")).endswith("#Curated")
            if "elements" in row:
                p["n"] = int(row["elements"].toPython())  # type: ignore[union-attr]
    out = []
    for m in munis.values():
        m["label"] = best_literal(m.pop("labels"), web.lang) or m["iri"].rsplit("/", 1)[-1]
        m["parent"] = best_literal(m["parent"], web.lang)
        plans = []
        for p in m["plans"].values():
            p["label"] = best_literal(p.pop("labels"), web.lang) or ""
            p["type"] = best_literal(p.pop("types"), web.lang)
            plans.append(p)
        m["plans"] = sorted(plans, key=lambda p: (p["start"] or "", p["label"]))
        out.append(m)
    return sorted(out, key=lambda m: (not m["plans"], m["iri"]))
