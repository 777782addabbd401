"""Cache validators for every GET/HEAD answer: `ETag` and `Last-Modified`, and 304 when they match.

The data changes only when a new build is loaded, so one ASGI middleware covers pages, data (`/id/`,
VoID, `/def`, the named-query API) and dumps alike:

- an answer that already has an `ETag` (the dumps: Starlette's `FileResponse` writes one from the file's
  size and time) is compared with `If-None-Match` before its body is read, so a 4 MB dump is not sent
  again;
- any other 200 answer is buffered (they are small: pages, descriptions, query results below the row
  cap) and gets a weak `ETag` from a hash of its body, which differs for each language and format;
- `Last-Modified` is the build time of the dataset (`dist/build.json`), when the answer has none;
  `If-Modified-Since` at or after it gives 304 when no `If-None-Match` was sent (RFC 9110 §13.2.2).

SPARQL queries sent by POST are never cached; error answers, streamed answers (no Content-Length) and
HEAD answers without a file ETag pass through with `Last-Modified` only.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.dist import build_info

#: headers a 304 keeps from the 200 it stands for (RFC 9110 §15.4.5)
_KEEP = {"etag", "last-modified", "vary", "cache-control", "content-location", "expires"}


def build_time(dist: Path) -> datetime | None:
    """The build time of the dataset in `dist`, to the second (HTTP dates have no fraction); build.json
    is read again only when it changes (one stat per request)."""
    try:
        stamp = (dist / "build.json").stat().st_mtime_ns
    except OSError:
        return None
    return _build_time(dist, stamp)


@lru_cache(maxsize=8)
def _build_time(dist: Path, stamp: int) -> datetime | None:
    raw = build_info(dist).get("built_at")
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches anything."""
    if if_none_match.strip() == "*":
        return True
    strip = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == strip for tag in if_none_match.split(","))


def not_modified(request: Headers, etag: str | None, last_modified: str | None) -> bool:
    """Whether the client's copy is current."""
    inm = request.get("if-none-match")
    if inm is not None:
        return etag is not None and etag_matches(inm, etag)
    ims = request.get("if-modified-since")
    if ims and last_modified:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class Validators:
    """The middleware (see the module docstring). `dist` is where the build time is read from."""

    def __init__(self, app: ASGIApp, dist: Path) -> None:
        self.app = app
        self.dist = dist

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        built = build_time(self.dist)
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def send_304(headers: MutableHeaders) -> None:
            kept = [(k, v) for k, v in headers.raw if k.decode("latin-1").lower() in _KEEP]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def wrapped(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    passthrough = True
                    await send(message)
                    return
                headers = MutableHeaders(scope=message)
                if "last-modified" not in headers and built is not None:
                    headers["Last-Modified"] = format_datetime(built, usegmt=True)
                if "etag" in headers:  # a file: decide now, without reading the body
                    passthrough = True
                    if not_modified(request, headers["etag"], headers.get("last-modified")):
                        start = message
                        await send_304(headers)
                        start = None
                        passthrough = False
                        return
                    await send(message)
                    return
                if "content-length" not in headers or scope["method"] == "HEAD":
                    # streamed (no length: e.g. large query results) or bodiless: never buffered
                    passthrough = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            if passthrough:
                await send(message)
                return
            if start is None:  # a 304 was already sent for a file: drop its body
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            headers["ETag"] = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if not_modified(request, headers["etag"], headers.get("last-modified")):
                await send_304(headers)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, wrapped)
