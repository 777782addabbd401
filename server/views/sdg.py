"""The SDG pages: the 17 goal tiles (home page and /sdg), and the page of one goal or target with every
plan element serving it, grouped by municipality, with the evidence of each alignment."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from kg.namespaces import SDG, SDGO
from kg.queries.types import sdg_code, sdg_code_of
from server.internal import sparql
from server.views.context import PageContext, best_literal, sdg_label
from server.views.page import ELEMENT_CLASSES, fmt_number, natural_key


def goal_tiles(web: PageContext) -> list[dict[str, Any]]:
    """The 17 goals with their label in the page language and the number of elements serving each."""
    goals: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("goal-counts")):
        code = sdg_code_of(str(row["goal"]))
        if code is None:
            continue
        tile = goals.setdefault(
            code, {"code": code, "labels": [], "count": 0, "href": web.url(f"/sdg/{code}")}
        )
        if "label" in row:
            tile["labels"].append(row["label"])
        tile["count"] = max(tile["count"], int(row["n"].toPython()))  # type: ignore[union-attr]
    out = []
    for code in sorted(goals, key=int):
        tile = goals[code]
        tile["label"] = sdg_label(tile.pop("labels"), web.lang)
        out.append(tile)
    return out


def sdg_page(web: PageContext, code: str) -> dict[str, Any] | None:
    """What the page of a goal or target shows (the template's context); None when `code` names none."""
    try:
        code = sdg_code(code, canonical=True)  # as in a URL: '13', '13.2', '13.a'
    except ValueError:
        return None
    sdg = URIRef(str(SDG) + code)
    info: dict[str, list[Node]] = {}
    for row in web.select(sparql("sdg-info"), {"sdg": sdg}):
        info.setdefault(str(row["p"]), []).append(row["o"])
    types = {str(t) for t in info.get(str(RDF.type), [])}
    if not types & {str(SDGO.Goal), str(SDGO.Target)}:
        return None
    is_goal = str(SDGO.Goal) in types
    labels = info.get(str(SKOS.altLabel), []) + info.get(str(SKOS.prefLabel), [])
    un_title = best_literal(
        [x for x in info.get(str(SKOS.prefLabel), []) if getattr(x, "language", None) == "en"], "en"
    )
    goal_code = None
    if not is_goal:
        goal = next((b for b in info.get(str(SKOS.broader), []) if sdg_code_of(str(b))), None)
        goal_code = sdg_code_of(str(goal)) if goal is not None else None
    targets = []
    if is_goal:
        for row in web.select(sparql("sdg-targets"), {"sdg": sdg}):
            tcode = sdg_code_of(str(row["t"]))
            if tcode:
                targets.append(
                    {
                        "code": tcode,
                        "href": web.url(f"/sdg/{tcode}"),
                        "label": str(row.get("label", "")),
                        "count": int(row["n"].toPython()),  # type: ignore[union-attr]
                    }
                )
        targets.sort(key=lambda x: natural_key(x["code"]))
    groups = sdg_groups(web, sdg)
    total = sum(len(g["elements"]) for g in groups)
    return dict(
        code=code,
        is_goal=is_goal,
        title=sdg_label(labels, web.lang),
        un_title=un_title,
        goal_code=goal_code,
        goal_title=None,
        targets=targets,
        groups=groups,
        total=total,
        csv_href=web.url("/api/queries/measures-by-sdg", sdg=code, format="csv"),
        json_href=web.url("/api/queries/measures-by-sdg", sdg=code),
    )


def sdg_groups(web: PageContext, sdg: URIRef) -> list[dict[str, Any]]:
    """Rows of SDG_ELEMENTS folded into municipality → elements, each with its alignments."""
    lang = web.lang
    elements: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("sdg-elements"), {"sdg": sdg, "inferred": URIRef(web.inferred_graph)}):
        key = str(row["element"])
        e = elements.setdefault(
            key,
            {
                "href": web.href(row["element"]),
                "iri": key,
                "kind_key": ELEMENT_CLASSES.get(row["class"]),  # type: ignore[arg-type]
                "labels": [],
                "notation": None,
                "plan": None,
                "plan_labels": [],
                "muni": None,
                "muni_labels": [],
                "parent": None,
                "alignments": {},
            },
        )
        if "label" in row:
            e["labels"].append(row["label"])
        if "notation" in row:
            e["notation"] = str(row["notation"])
        if "plan" in row:
            e["plan"] = str(row["plan"])
            if "planLabel" in row:
                e["plan_labels"].append(row["planLabel"])
        if "muni" in row:
            e["muni"] = str(row["muni"])
            if "muniLabel" in row:
                e["muni_labels"].append(row["muniLabel"])
        if "parent" in row:
            e["parent"] = {
                "href": web.href(row["parent"]),
                "label": str(row.get("parentLabel", "")),
                "notation": str(row["parentNotation"]) if "parentNotation" in row else None,
            }
        a = e["alignments"].setdefault(
            str(row["aligned"]),
            {
                "code": sdg_code_of(str(row["aligned"])),
                "href": web.href(row["aligned"]),
                "basis": [],
                "confidence": None,
                "evidence": set(),
                "rationale": set(),
            },
        )
        if "basisLabel" in row:
            a["basis"].append(row["basisLabel"])
        if "confidence" in row:
            a["confidence"] = fmt_number(row["confidence"].toPython())  # type: ignore[union-attr]
        if "evidence" in row:
            a["evidence"].add(str(row["evidence"]))
        if "rationale" in row:
            a["rationale"].add(str(row["rationale"]))
    groups: dict[str, dict[str, Any]] = {}
    for e in elements.values():
        muni = e["muni"] or ""
        group = groups.setdefault(
            muni,
            {"href": web.href(muni) if muni else None, "labels": [], "plans": set(), "elements": []},
        )
        group["labels"] += e.pop("muni_labels")
        e["label"] = best_literal(e.pop("labels"), lang) or e["iri"]
        e["plan_label"] = best_literal(e.pop("plan_labels"), lang)
        kind_key = e.pop("kind_key")
        e["kind"] = web.t(kind_key) if kind_key else None
        e["kind_measure"] = kind_key == "kind_measure"
        e["alignments"] = [
            a
            | {
                "basis": best_literal(a["basis"], lang),
                "evidence": sorted(a["evidence"]),
                "rationale": sorted(a["rationale"]),
            }
            for a in sorted(e["alignments"].values(), key=lambda a: natural_key(a["code"] or ""))
        ]
        group["elements"].append(e)
    out = []
    for muni, group in groups.items():
        group["label"] = best_literal(group.pop("labels"), lang) or (muni.rsplit("/", 1)[-1] if muni else "—")
        group["elements"].sort(key=lambda e: natural_key(e["iri"]))
        group.pop("plans")
        out.append(group)
    return sorted(out, key=lambda g: g["label"])
