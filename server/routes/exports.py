"""`/export/{query}`: a named query's whole answer as a file a staff member opens (issue 13).

`?format=excel` (default: CSV for Excel), `xlsx` or `json`; `?header=en` for English column headers;
every other parameter is the named query's own (`sdg=13&municipality=kamakura`), checked and bound
exactly as on `/api/queries/{query}` — so a page's filters (city, level, basis) reach the file by the
same names. The table is built by `server.views.exports` (labels, Japanese headers, the IRI last).
"""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kg.errors import QueryParamError
from kg.queries import NamedQuery
from server.deps import get_executor, get_registry, get_settings
from server.execution import Executor, run_query
from server.routes.queries import requested
from server.settings import Settings
from server.views.exports import content_disposition, file_stem, staff_table, to_excel_csv, to_json, to_xlsx

router = APIRouter(tags=["exports"])

#: `?format=` → (extension, media type)
EXPORTS = {
    "excel": ("csv", "text/csv; charset=utf-8; header=present"),
    "csv": ("csv", "text/csv; charset=utf-8; header=present"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("json", "application/json"),
}


@router.get(
    "/export/{name}",
    summary="名前付きクエリの結果をファイルで（Excel 用 CSV・XLSX・JSON）/ A named query's answer as a file",
    response_class=Response,
    responses={
        200: {"content": {media: {} for _, media in EXPORTS.values()}},
        400: {"description": "bad parameter"},
        404: {"description": "no such named query"},
    },
)
def export(
    name: str,
    request: Request,
    executor: Executor = Depends(get_executor),  # noqa: B008
    settings: Settings = Depends(get_settings),  # noqa: B008
    registry: dict[str, NamedQuery] = Depends(get_registry),  # noqa: B008
) -> Response:
    """Japanese headers and labels (`header=en` for English), the row's IRI in the last column; CSV
    with a BOM and CRLF, XLSX with filters and widths, or JSON; the file named by query and parameters."""
    query, raw = requested(registry, name, request)
    fmt = (raw.pop("format", ["excel"]) or ["excel"])[0].lower()
    header = (raw.pop("header", ["ja"]) or ["ja"])[0].lower()
    raw.pop("lang", None)
    if fmt not in EXPORTS:
        raise QueryParamError(f"parameter 'format' is one of {', '.join(EXPORTS)}")
    if header not in ("ja", "en"):
        raise QueryParamError("parameter 'header' is ja or en")
    params = {k: v[0] if len(v) == 1 else v for k, v in raw.items()}
    text, bindings = query.bind(params)
    outcome = run_query(executor, settings, text, bindings, "json", max_rows=settings.max_rows)
    data = json.loads(outcome.body)
    variables = data.get("head", {}).get("vars", [])
    rows = data.get("results", {}).get("bindings", [])
    table = staff_table(variables, rows, header)
    labels: dict[str, str] = {}
    for row in rows:  # a municipality parameter is named by the municipality's label in the file name
        iri = row.get("municipality", {}).get("value", "")
        label = row.get("municipalityLabel", {}).get("value")
        if iri and label:
            labels.setdefault(iri.rsplit("/", 1)[-1], label)
    flat = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
    ext, media = EXPORTS[fmt]
    filename = f"{file_stem(name, flat, labels, date.today())}.{ext}"
    body = to_excel_csv(table) if ext == "csv" else to_xlsx(table, name) if ext == "xlsx" else to_json(table)
    headers = {"Content-Disposition": content_disposition(filename), "X-Result-Rows": str(len(rows))}
    return Response(body, media_type=media, headers=headers)
