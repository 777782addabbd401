"""The compare pages: municipality × SDG heatmap, theme index and theme page (four cities side by side),
partner matrix, indicator dashboard and two-city diff. Counts and statuses come from the catalogue's
queries (`sdg-coverage`, `indicator-status`) or the internal ones in server/sparql/compare-*.rq; no rule
is re-derived here."""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef

from kg.queries.types import sdg_code_of
from server.internal import sparql
from server.views.context import PageContext
from server.views.page import natural_key


def _catalogue(web: PageContext, name: str) -> str:
    return web.request.app.state.registry[name].sparql


def _slug(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _int(node: object) -> int:
    return int(node.toPython()) if isinstance(node, Literal) else 0  # type: ignore[arg-type]


def city_order(web: PageContext) -> dict[str, str]:
    """Municipality label (ja) and slug → its 全国地方公共団体コード: the order every compare page uses
    (the codes' order, as the 総務省 list has it, rather than the labels' code points)."""
    out: dict[str, str] = {}
    for row in web.select(sparql("compare-municipalities")):
        out[str(row["label"])] = out[_slug(row["municipality"])] = str(row["code"])
    return out


def by_city(order: dict[str, str], key: str) -> str:
    return order.get(key, "9" * 6 + key)


def coverage(web: PageContext) -> dict[str, Any]:
    """The sdg-coverage rows pivoted: one row per municipality, one cell per goal (its goals, policies
    and measures added up, as the query counts them)."""
    munis: dict[str, dict[str, Any]] = {}
    for row in web.select(_catalogue(web, "sdg-coverage")):
        slug = _slug(row["municipality"])
        m = munis.setdefault(slug, {"slug": slug, "label": str(row["municipalityLabel"]), "cells": {}})
        goal = int(str(row["goalNumber"]))
        n = _int(row.get("goals")) + _int(row.get("policies")) + _int(row.get("measures"))
        m["cells"][goal] = {
            "n": n,
            "href": web.url(f"/sdg/{goal}#m-{slug}"),
            "csv": web.url("/api/queries/measures-by-sdg", sdg=str(goal), municipality=slug, format="csv"),
        }
    order = city_order(web)
    rows = sorted(munis.values(), key=lambda m: by_city(order, m["slug"]))
    goals = list(range(1, 18))
    for m in rows:
        m["row"] = [m["cells"].get(g, {"n": 0, "href": web.url(f"/sdg/{g}"), "csv": ""}) for g in goals]
        m["total"] = sum(c["n"] for c in m["row"])
    return {"goals": goals, "rows": rows}


def indicators(web: PageContext, municipality: str) -> list[dict[str, Any]]:
    """The indicator-status rows of one municipality, with the ratio a bar shows (status from the query)."""
    muni = URIRef(web.id_base + municipality)
    out = []
    for row in web.select(_catalogue(web, "indicator-status"), {"municipality": muni}):
        target = row.get("targetValue")
        actual = row.get("actual")
        ratio = None
        if isinstance(target, Literal) and isinstance(actual, Literal):
            t, a = float(target.toPython()), float(actual.toPython())
            ratio = round(a / t * 100, 1) if t else None
        unit = str(row.get("unit", ""))
        out.append(
            {
                "href": web.href(row["indicator"]),
                "element_href": web.href(row["element"]),
                "notation": str(row.get("elementNotation", "")),
                "label": str(row["label"]),
                "comparator": str(row.get("comparator", "")),
                "target": str(target) if target is not None else None,
                "target_year": str(row.get("targetYear", "")),
                "actual": str(actual) if actual is not None else None,
                "actual_year": str(row.get("actualYear", "")),
                "unit": unit,
                "status": str(row.get("status", "")),
                "status_ja": str(row.get("statusJa", "")),
                "ratio": ratio,
                "track_ja": str(row.get("trackJa", "")),
                "reason_ja": str(row.get("reasonJa", "")),
                "sheet_rating": str(row.get("sheetRating", "")),
                "sheet_rating_label": str(row.get("sheetRatingLabel", "")),
                "agreement_ja": str(row.get("agreementJa", "")),
            }
        )
    out.sort(key=lambda r: (natural_key(r["element_href"]), r["label"]))
    return out


def bars(rows: list[dict[str, Any]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for r in rows:
        text = f"{r['status_ja']}"
        if r["actual"] is not None:
            text += f" {r['actual']}{r['unit']}"
        if r["target"] is not None:
            text += f" / 目標 {r['comparator']}{r['target']}{r['unit']}"
        label = r["label"] if len(r["label"]) <= 26 else r["label"][:25] + "…"
        out.append({"label": label, "ratio": r["ratio"], "status": r["status"], "text": text})
    return out


def themes(web: PageContext) -> list[dict[str, Any]]:
    by: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("compare-themes")):
        slug = _slug(row["theme"])
        th = by.setdefault(
            slug,
            {
                "slug": slug,
                "label": str(row["themeLabel"]),
                "counts": {},
                "total": 0,
                "href": web.url(f"/compare/theme/{slug}"),
            },
        )
        if "municipalityLabel" in row:
            th["counts"][str(row["municipalityLabel"])] = _int(row["n"])
            th["total"] += _int(row["n"])
    return sorted(by.values(), key=lambda t: (-t["total"], t["label"]))


def theme_page(web: PageContext, slug: str) -> dict[str, Any] | None:
    known = {t["slug"]: t for t in themes(web)}
    if slug not in known:
        return None
    theme = URIRef(web.id_base + "theme/" + slug)
    elements: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("compare-theme-elements"), {"theme": theme}):
        e = elements.setdefault(
            str(row["element"]),
            {
                "href": web.href(row["element"]),
                "label": str(row["label"]),
                "notation": str(row.get("notation", "")),
                "kind": _slug(row["class"]).split("#")[-1],
                "muni": str(row["municipalityLabel"]),
                "plan": str(row["planLabel"]),
                "plan_href": web.href(row["plan"]),
                "sdgs": set(),
                "partners": set(),
            },
        )
        if "sdg" in row and sdg_code_of(str(row["sdg"])):
            e["sdgs"].add(sdg_code_of(str(row["sdg"])))
        if "partnerLabel" in row:
            e["partners"].add(str(row["partnerLabel"]))
    order = city_order(web)
    cols: dict[str, list[dict[str, Any]]] = {}
    for e in elements.values():
        e["sdgs"] = sorted(e["sdgs"], key=natural_key)
        e["partners"] = sorted(e["partners"])
        cols.setdefault(e["muni"], []).append(e)
    columns = [
        {"label": m, "elements": sorted(es, key=lambda e: natural_key(e["notation"]))}
        for m, es in sorted(cols.items(), key=lambda kv: by_city(order, kv[0]))
    ]
    return {"theme": known[slug], "columns": columns, "total": len(elements)}


def partners(web: PageContext, only: str | None = None) -> dict[str, Any] | None:
    """The ■/□ grid of every element with partner-type boxes; `only` (a partner-type slug) keeps the rows
    marked ■ for that type. None when `only` names no partner type."""
    types: dict[str, str] = {}
    grid: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("compare-partners")):
        tslug = _slug(row["type"])
        types[tslug] = str(row["typeLabel"])
        e = grid.setdefault(
            str(row["element"]),
            {
                "href": web.href(row["element"]),
                "label": str(row["label"]),
                "notation": str(row.get("notation", "")),
                "muni": str(row["municipalityLabel"]),
                "marks": {},
            },
        )
        e["marks"][tslug] = row["involved"].toPython()  # type: ignore[union-attr]
    type_list = sorted(types.items(), key=lambda kv: kv[1])
    if only is not None and only not in types:
        return None
    order = city_order(web)
    rows = sorted(grid.values(), key=lambda e: (by_city(order, e["muni"]), natural_key(e["notation"])))
    if only is not None:
        rows = [e for e in rows if e["marks"].get(only) is True]
    for e in rows:
        e["cells"] = [e["marks"].get(slug) for slug, _ in type_list]
    totals = [sum(1 for e in rows if e["marks"].get(slug) is True) for slug, _ in type_list]
    named: dict[str, dict[str, Any]] = {}
    for row in web.select(sparql("compare-named-partners")):
        p = named.setdefault(
            str(row["partner"]),
            {"label": str(row["partnerLabel"]), "href": web.href(row["partner"]), "elements": []},
        )
        p["elements"].append(
            {
                "href": web.href(row["element"]),
                "label": str(row["label"]),
                "notation": str(row.get("notation", "")),
                "muni": str(row["municipalityLabel"]),
            }
        )
    return {
        "types": [
            {"slug": slug, "label": label, "href": web.url("/compare/partners", type=slug)}
            for slug, label in type_list
        ],
        "only": types.get(only) if only else None,
        "all_href": web.url("/compare/partners"),
        "csv_href": web.url("/api/queries/elements-by-partner", partner=types[only], format="csv")
        if only
        else None,
        "rows": rows,
        "totals": totals,
        "named": sorted(named.values(), key=lambda p: p["label"]),
    }


def targets_by_municipality(web: PageContext) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in web.select(sparql("compare-targets")):
        code = sdg_code_of(str(row["target"]))
        if code:
            out.setdefault(_slug(row["municipality"]), {})[code] = _int(row["n"])
    return out


def diff(web: PageContext, a: str, b: str) -> dict[str, Any]:
    cov = coverage(web)
    labels = {m["slug"]: m["label"] for m in cov["rows"]}
    served = targets_by_municipality(web)
    ta, tb = served.get(a, {}), served.get(b, {})
    only_a = sorted(set(ta) - set(tb), key=natural_key)
    only_b = sorted(set(tb) - set(ta), key=natural_key)
    both = sorted(set(ta) & set(tb), key=natural_key)

    def items(codes: list[str], counts: dict[str, int]) -> list[dict[str, Any]]:
        return [{"code": c, "href": web.url(f"/sdg/{c}"), "n": counts[c]} for c in codes]

    return {
        "municipalities": list(labels.items()),  # in coverage's order (by code)
        "a": a,
        "b": b,
        "a_label": labels.get(a, a),
        "b_label": labels.get(b, b),
        "only_a": items(only_a, ta),
        "only_b": items(only_b, tb),
        "both": both,
    }
