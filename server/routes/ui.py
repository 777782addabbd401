"""The web UI: the home page, the SPARQL editor and the static assets (search: server/routes/search.py).

Handlers are plain `def`: they block on the store. The page toolkit is `server.views.context`.
"""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from kg.namespaces import PREFIXES
from kg.queries import NamedQuery
from server.deps import get_registry
from server.routes.discovery import dataset_record
from server.routes.queries import example_text
from server.views.context import STATIC_DIR, PageContext, get_page_context
from server.views.municipality import municipalities
from server.views.sdg import goal_tiles

router = APIRouter(tags=["web"])

YASGUI_JS = STATIC_DIR / "yasgui" / "yasgui.min.js"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(web: PageContext = Depends(get_page_context)) -> HTMLResponse:  # noqa: B008
    """Municipalities and their plans, and the 17 SDG goals — one click to "which measures serve SDG 13?"."""
    return web.render(
        "home.html",
        municipalities=municipalities(web),
        goals=goal_tiles(web),
        dataset=dataset_record(web),  # schema.org Dataset, for dataset search engines (issue 13)
    )


# The search page (/search) is server/routes/search.py.


# --------------------------------------------------------------------------------------------------
# SPARQL editor
# --------------------------------------------------------------------------------------------------


def editor_examples(registry: dict[str, NamedQuery]) -> list[dict[str, str]]:
    """The named queries as ready-to-run examples (their example parameter values written in)."""
    examples = []
    for name, query in registry.items():
        examples.append({"name": name, "summary": query.summary, "query": example_text(query)})
    return examples


@router.get("/sparql/ui", response_class=HTMLResponse, include_in_schema=False)
def sparql_editor(
    web: PageContext = Depends(get_page_context),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> HTMLResponse:
    """YASGUI (self-hosted, built by scripts/build_ui.sh) or, when it is not built, our small editor."""
    return web.render(
        "editor.html",
        examples=editor_examples(registry),
        prefixes=PREFIXES,
        yasgui=YASGUI_JS.exists(),
        endpoint=web.url("/sparql"),
    )


@router.get("/yasgui", include_in_schema=False)
def yasgui_alias(request: Request) -> RedirectResponse:
    root = request.scope.get("root_path", "") or ""
    query = ("?" + request.url.query) if request.url.query else ""
    return RedirectResponse(root + "/sparql/ui" + query, status_code=308)


# --------------------------------------------------------------------------------------------------
# Static assets (our CSS/JS and the built YASGUI files), served without a Mount so that every router
# of the service stays an ordinary APIRouter
# --------------------------------------------------------------------------------------------------

_MEDIA = {".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml"}


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """A file below server/static/, never outside it."""
    if not path or not path.isprintable() or "\\" in path:  # NUL, control bytes: 404, never 500
        return Response("not found", status_code=404, media_type="text/plain")
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        return Response("not found", status_code=404, media_type="text/plain")
    media = _MEDIA.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if media.startswith("text/") or media in ("application/json",):
        media += "; charset=utf-8"
    return FileResponse(
        target,
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
