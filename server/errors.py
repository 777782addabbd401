"""The one place where errors become HTTP responses: routes raise, the handlers here answer.

Client mistakes get 4xx with a clear, bilingual message; timeouts 503. A store that is down is 503 and
a remote endpoint that answered wrongly is 502, both with a generic body: neither the store's URL nor
the remote endpoint's body ever reaches a client (they go to the log). Anything unexpected is 500
with a generic body, logged with its traceback.

>>> status_for(e.UpstreamError("http://internal/query answered 500")), status_for(e.QueryNotFound("x"))
(502, 404)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

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
    e.StoreUnavailable: 503,
    e.UpstreamError: 502,
    e.StoreError: 500,  # neither of the two: a failure of our own (logged, generic body)
}

#: The bodies of the store errors: generic, whatever the exception says (its text goes to the log).
STORE_UNAVAILABLE = (
    "the store is unavailable; try again later / ストアを利用できません。後でもう一度お試しください"
)
UPSTREAM_FAILED = "the backing SPARQL endpoint failed / 背後の SPARQL エンドポイントが失敗しました"
INTERNAL = "internal error / 内部エラー"


class HttpProblem(Exception):
    """An HTTP-level refusal raised by the web layer itself (405, 406, 413, 415 …)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class NotFound(HttpProblem):
    """404 for a machine-readable request (HTML requests get the 404 page instead)."""

    def __init__(self, message: str = "not found", headers: dict[str, str] | None = None) -> None:
        super().__init__(404, message, headers)


class NotAcceptable(HttpProblem):
    """406: none of the media types the client accepts can be produced; says which ones can."""

    def __init__(self, offered: Sequence[str], headers: dict[str, str] | None = None) -> None:
        super().__init__(
            406,
            "none of the requested media types can be produced; available: "
            + ", ".join(dict.fromkeys(offered))
            + " / 指定された形式では返せません",
            headers,
        )


class UnknownFormat(HttpProblem):
    """400: `?format=` names a format this resource is not served in (the names that are, in order)."""

    def __init__(self, value: str, names: Sequence[str], headers: dict[str, str] | None = None) -> None:
        super().__init__(
            400,
            f"unknown format {value[:40]!r}: parameter 'format' is one of {', '.join(dict.fromkeys(names))}"
            " / 形式が不明です",
            headers,
        )


#: The standard methods (RFC 9110 and PATCH), for the 405 routes of `refuse_other_methods`.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT")


def refuse_other_methods(router: APIRouter, path: str, allowed: Sequence[str]) -> None:
    """Answer every other standard method on `path` with 405 and `Allow: <allowed>`.

    For a path served by one route per method, so that each method is its own OpenAPI operation
    (one route with several methods gives them all one operationId, which OpenAPI forbids):
    Starlette's own 405 would come from the first of those routes and name only its method."""
    allow = ", ".join(allowed)

    class MethodNotAllowed:
        """An ASGI endpoint: Starlette gives a route of a class no method list, so it matches every
        method, standard or not (PROPFIND …); the routes of the allowed methods come first."""

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            message = f"allowed: {allow} / 許可されたメソッド: {allow}"
            await problem(405, message, {"Allow": allow})(scope, receive, send)

    router.add_route(path, MethodNotAllowed(), include_in_schema=False)


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
        if isinstance(exc, e.UpstreamError):
            log.error("the remote SPARQL endpoint failed: %s", exc.detail)
            return problem(status, UPSTREAM_FAILED)
        if isinstance(exc, e.StoreUnavailable):
            log.error("the store is unavailable: %s", exc)
            return problem(status, STORE_UNAVAILABLE)
        if status >= 500 and not isinstance(exc, e.QueryTimeout):
            log.error("internal error: %s", exc, exc_info=exc)
            return problem(500, INTERNAL)
        # a busy refusal (full queue, the client's share taken) says when to come back (RFC 9110 §10.2.3)
        retry = getattr(exc, "retry_after_s", None)
        return problem(status, str(exc), {"Retry-After": str(retry)} if retry else None)

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
        log.error("unexpected error: %s", exc, exc_info=exc)
        return problem(500, INTERNAL)
