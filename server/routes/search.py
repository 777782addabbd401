"""`/search`: Japanese full-text search over the plan texts, as a page and as JSON; `/def/thesaurus`.

The index of the build (dist/search/, kg.search) ranks, counts the facets and expands the words by the
policy thesaurus; the store supplies what a hit shows. Without an index the page runs the `search`
named query (substring) and says so. Handlers are plain `def`: they block on the store.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import URIRef

from kg.errors import QueryParamError
from kg.queries import NamedQuery
from kg.search.thesaurus import SCHEME
from server.deps import get_registry
from server.routes.resources import render_resource
from server.views import search as search_view
from server.views.context import PageContext, get_page_context

router = APIRouter(tags=["web"])

FACET_TITLES = {
    "municipality": ("自治体", "Municipality"),
    "plan": ("計画", "Plan"),
    "level": ("階層", "Level"),
    "sdg": ("SDG 目標", "SDG goal"),
    "theme": ("テーマ", "Theme"),
}
PAGE = 20


@router.get("/search", response_class=HTMLResponse, summary="計画の本文を検索 / Search plan texts")
def search_page(
    request: Request,
    q: str = "",
    municipality: str = "",
    plan: str = "",
    level: str = "",
    sdg: str = "",
    theme: str = "",
    offset: int = 0,
    format: str = "",
    web: PageContext = Depends(get_page_context),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> Response:
    """Words ANDed, "phrases", -exclusions; facets, snippets, thesaurus expansions (JSON: ?format=json)."""
    params = {"municipality": municipality, "plan": plan, "level": level, "sdg": sdg, "theme": theme}
    wants_json = format == "json" or "application/json" in request.headers.get("accept", "")
    index = search_view.open_search(web.settings.dist)
    offset = max(0, min(offset, 10_000))
    if index is None:
        return _substring_page(web, registry, q, wants_json)
    filters = {search_view.FACET_PARAMS[k]: v for k, v in params.items() if v}
    select = search_view.selector(web.executor, web.settings)
    result, rows = search_view.run(index, select, q, filters, PAGE, offset) if q.strip() else (None, [])
    used = result.expansions if result else []
    expansions = [{"word": e.word, "also": e.also, "message": e.message()} for e in used]
    facets: dict[str, Any] = {}
    if result is not None:
        labels = search_view.facet_labels(select, result, web.lang)
        for param, field in search_view.FACET_PARAMS.items():
            counts = result.facets.get(field, {})
            facets[param] = [
                {
                    "value": v,
                    "label": labels.get(v, _facet_label(param, v)),
                    "count": n,
                    "href": web.url("/search", **{**_kept(q, params), param: v}),
                }
                for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
    if wants_json:
        return JSONResponse(
            {
                "q": q,
                "terms": [t.__dict__ for t in (result.terms if result else [])],
                "filters": {k: v for k, v in params.items() if v},
                "expansions": expansions,
                "total": result.total if result else 0,
                "offset": offset,
                "hits": rows,
                "facets": facets,
                "engine": "index",
            }
        )
    return web.render(
        "search.html", q=q, rows=rows, error=None, expansions=expansions, facets=facets,
        facet_titles={k: v[1] if web.lang == "en" else v[0] for k, v in FACET_TITLES.items()},
        filters={k: v for k, v in params.items() if v}, total=result.total if result else 0,
        offset=offset, page=PAGE, substring=False,
        clear={k: web.url("/search", **{**_kept(q, params), k: ""}) for k in params},
        next_url=web.url("/search", **{**_kept(q, params), "offset": offset + PAGE}),
    )  # fmt: skip


def _kept(q: str, params: dict[str, str]) -> dict[str, str]:
    return {"q": q, **{k: v for k, v in params.items() if v}}


def _facet_label(param: str, value: str) -> str:
    if param == "sdg":
        return f"SDG {value}"
    return value


def _substring_page(web: PageContext, registry: dict[str, NamedQuery], q: str, wants_json: bool) -> Response:
    """No index in dist/: the `search` named query (CONTAINS), as before the index existed."""
    rows: list[dict[str, Any]] = []
    error = None
    if q.strip():
        query = registry.get("search")
        if query is None:
            return web.not_found()
        try:
            text, bindings = query.bind({"q": q})
        except QueryParamError as exc:
            error = str(exc)
        else:
            rows = [{k: str(v) for k, v in row.items()} for row in web.select(text, bindings)[:500]]
    if wants_json:
        return JSONResponse({"q": q, "expansions": [], "total": len(rows), "hits": rows, "facets": {},
                             "engine": "substring", "error": error})  # fmt: skip
    return web.render("search.html", q=q, rows=rows, error=error, expansions=[], facets={}, facet_titles={},
                      filters={}, total=len(rows), offset=0, page=len(rows) + 1, substring=True, clear={},
                      next_url="")  # fmt: skip


@router.get("/def/thesaurus", response_class=HTMLResponse, include_in_schema=False)
def thesaurus(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """The thesaurus scheme (graph/thesaurus), described from the store like any resource."""
    return render_resource(web, URIRef(SCHEME))
