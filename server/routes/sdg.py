"""`/sdg` and `/sdg/{code}`: the 17 goals, and the page of one goal or target (`/sdg/13`, `/sdg/13.2`)
with every plan element serving it (the views are in `server.views.sdg`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from server.views.context import PageContext, get_page_context
from server.views.sdg import goal_tiles, sdg_page

router = APIRouter(tags=["linked data"])


@router.get("/sdg", response_class=HTMLResponse, include_in_schema=False)
def sdg_index(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """The 17 goals (as on the home page), each linking to its page."""
    return web.render("sdg_index.html", goals=goal_tiles(web))


@router.get("/sdg/{code}", response_class=HTMLResponse, include_in_schema=False)
def sdg_goal_or_target(code: str, web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """Every policy and measure serving an SDG goal or target, grouped by municipality, with evidence."""
    context = sdg_page(web, code)
    if context is None:
        return web.not_found()
    return web.render("sdg.html", **context)
