"""The one table from engine errors to HTTP responses.

Client mistakes get 4xx with a clear, bilingual message; timeouts 503; anything unexpected 500 with a
generic body (the details go to the log, never to the client).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kg import errors as e

log = logging.getLogger("keikaku.server")

STATUS: dict[type[e.KgError], int] = {
    e.QuerySyntaxError: 400,
    e.QueryParamError: 400,
    e.QueryRefused: 400,
    e.QueryNotFound: 404,
    e.ResultTooLarge: 400,
    e.QueryTimeout: 503,
    e.SourceError: 400,
    e.StoreError: 502,
}


class HttpProblem(Exception):
    """An HTTP-level refusal raised by the web layer itself (405, 406, 413, 415 …)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


#: The standard methods (RFC 9110 and PATCH), for the 405 routes of `refuse_other_methods`.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT")


def refuse_other_methods(router: APIRouter, path: str, allowed: Sequence[str]) -> None:
    """Answer every other standard method on `path` with 405 and `Allow: <allowed>`.

    For a path served by one route per method, so that each method is its own OpenAPI operation
    (one route with several methods gives them all one operationId, which OpenAPI forbids):
    Starlette's own 405 would come from the first of those routes and name only its method."""
    allow = ", ".join(allowed)

    async def method_not_allowed(_: Request) -> Response:
        raise HttpProblem(405, f"allowed: {allow} / 許可されたメソッド: {allow}", {"Allow": allow})

    others = [m for m in HTTP_METHODS if m not in allowed]
    router.add_route(path, method_not_allowed, methods=others, include_in_schema=False)


class BodyTooLarge(HttpProblem):
    """The request body exceeds `Settings.max_body_bytes`."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"request body larger than {limit} bytes / リクエスト本文が上限 {limit} バイトを超えています",
        )


def status_for(exc: e.KgError) -> int:
    """The HTTP status of an engine error (500 for anything not in the table)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 500


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A small RFC 9457-style JSON body."""
    return JSONResponse(
        {"status": status, "title": _TITLES.get(status, "Error"), "detail": message},
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(e.KgError)
    async def _kg_error(_: Request, exc: e.KgError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500 and not isinstance(exc, e.QueryTimeout | e.StoreError):
            log.exception("internal error", exc_info=exc)
            return problem(500, "internal error / 内部エラー")
        return problem(status, str(exc))

    @app.exception_handler(HttpProblem)
    async def _http_problem(_: Request, exc: HttpProblem) -> JSONResponse:
        return problem(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _starlette_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # routing's own 404/405 (with its Allow header) in the same problem format as ours
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        return problem(exc.status_code, detail, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "internal error / 内部エラー")
