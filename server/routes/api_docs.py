"""`/docs`: readable, self-hosted API documentation (issue 13).

Two parts on one page, so it is useful with and without JavaScript:

- a catalogue of every named query, Japanese first, with an example link that runs as it stands (the
  front matter's example values) in JSON and CSV;
- Swagger UI over `/openapi.json` (swagger-ui-dist from npm, copied by scripts/build_ui.sh into
  server/static/swagger-ui/, never from a CDN), started by server/static/js/api-docs.js, because the
  page's Content-Security-Policy allows no inline script. When the bundle is not built the catalogue
  still stands and the page says how to build it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from kg.queries import NamedQuery
from server.deps import get_registry
from server.routes.queries import split_summary
from server.views.context import STATIC_DIR, PageContext, get_page_context

router = APIRouter(tags=["web"])

SWAGGER_JS = STATIC_DIR / "swagger-ui" / "swagger-ui-bundle.js"


def example_params(query: NamedQuery) -> dict[str, str] | None:
    """The parameter values of the query's runnable example: every required parameter's example (and
    the optional ones that have one). None when a required parameter has no example to run with."""
    values: dict[str, str] = {}
    for name, p in query.params.items():
        if p.example is not None:
            values[name] = str(p.example)
        elif p.required:
            return None
    return values


def docs_entries(web: PageContext, registry: dict[str, NamedQuery]) -> list[dict[str, Any]]:
    """One record per named query for the catalogue table."""
    out = []
    for name, query in sorted(registry.items()):
        ja, en = split_summary(query.summary)
        params = example_params(query)
        href = web.url(f"/api/queries/{name}")
        example = None
        if params is not None:
            qs = urlencode(params)
            example = {
                "json": href + ("?" + qs if qs else ""),
                "csv": href + "?" + urlencode({**params, "format": "csv"}),
                "params": params,
            }
        out.append(
            {
                "name": name,
                "ja": ja,
                "en": en,
                "params": [
                    {"name": n, "type": p.type, "required": p.required, "example": p.example}
                    for n, p in query.params.items()
                ],
                "example": example,
            }
        )
    return out


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(
    web: PageContext = Depends(get_page_context),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> HTMLResponse:
    """The API documentation page (Japanese first; Swagger UI self-hosted)."""
    return web.render(
        "api_docs.html",
        entries=docs_entries(web, registry),
        swagger=SWAGGER_JS.exists(),
        openapi=web.url("/openapi.json"),
    )
