"""`/compare…`: the pages that set the four cities side by side, and their charts as SVG and PNG
(the views are in `server.views.compare`, the drawing in `server.views.charts`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server.views import charts
from server.views import compare as views
from server.views.context import HTML_HEADERS, PageContext, get_page_context

router = APIRouter(tags=["compare"])
MEDIA = {"svg": "image/svg+xml", "png": "image/png"}
DASHBOARD_CITY = "osaka-tsurumi"  # the only plan with indicators, targets and actuals in the graph


def _image(body: bytes, fmt: str, name: str) -> Response:
    headers = dict(HTML_HEADERS)
    headers["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    return Response(body, media_type=MEDIA[fmt], headers=headers)


@router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
def compare_index(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """The heatmap of municipality × SDG goal, and the entry to every compare page."""
    return web.render("compare.html", **views.coverage(web))


@router.get("/compare/chart/sdg-coverage.{fmt}", include_in_schema=False)
async def coverage_chart(fmt: str, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    if fmt not in MEDIA:
        return web.not_found()
    cov = views.coverage(web)
    body = await run_in_threadpool(
        charts.heatmap,
        "自治体 × SDG 目標：資する目標・施策・取組の数",
        [m["label"] for m in cov["rows"]],
        [str(g) for g in cov["goals"]],
        [[c["n"] for c in m["row"]] for m in cov["rows"]],
        fmt,
    )
    return _image(body, fmt, "sdg-coverage")


@router.get("/compare/indicators", response_class=HTMLResponse, include_in_schema=False)
def dashboard(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """Every indicator of Tsurumi: target against actual, with the indicator-status query's status."""
    rows = views.indicators(web, DASHBOARD_CITY)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status_ja"]] = counts.get(r["status_ja"], 0) + 1
    return web.render("compare_indicators.html", rows=rows, counts=counts)


@router.get("/compare/chart/indicators.{fmt}", include_in_schema=False)
async def indicator_chart(fmt: str, web: PageContext = Depends(get_page_context)) -> Response:  # noqa: B008
    if fmt not in MEDIA:
        return web.not_found()
    rows = views.indicators(web, DASHBOARD_CITY)
    body = await run_in_threadpool(
        charts.indicator_bars, "大阪市鶴見区の成果指標：目標値に対する実績", views.bars(rows), fmt
    )
    return _image(body, fmt, "tsurumi-indicators")


@router.get("/compare/themes", response_class=HTMLResponse, include_in_schema=False)
def theme_index(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    items = views.themes(web)
    order = views.city_order(web)
    munis = sorted({m for t in items for m in t["counts"]}, key=lambda m: views.by_city(order, m))
    return web.render("compare_themes.html", themes=items, municipalities=munis)


@router.get("/compare/theme/{slug}", response_class=HTMLResponse, include_in_schema=False)
def theme_page(slug: str, web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    context = views.theme_page(web, slug)
    if context is None:
        return web.not_found()
    return web.render("compare_theme.html", **context)


@router.get("/compare/partners", response_class=HTMLResponse, include_in_schema=False)
def partner_matrix(
    type: str | None = None,
    web: PageContext = Depends(get_page_context),  # noqa: B008
) -> HTMLResponse:
    """The 施策 × partner-type grid (■ involved, □ not marked); `?type=businesses` keeps the ■ rows of one."""
    context = views.partners(web, type)
    if context is None:
        return web.not_found()
    return web.render("compare_partners.html", **context)


@router.get("/compare/diff", response_class=HTMLResponse, include_in_schema=False)
def two_city_diff(
    a: str = "kamakura",
    b: str = "setagaya",
    web: PageContext = Depends(get_page_context),  # noqa: B008
) -> HTMLResponse:
    context = views.diff(web, a, b)
    known = {slug for slug, _ in context["municipalities"]}
    if a not in known or b not in known:
        return web.not_found()
    return web.render("compare_diff.html", **context)
