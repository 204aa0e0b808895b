"""HTTP mechanics shared by every route: strict query strings, errors, and cacheable answers.

* Query strings are decoded as UTF-8 strictly: bytes that are not UTF-8 are a 400 naming the
  parameter, never replaced by U+FFFD and looked up.
* Errors have Open311's shape everywhere (``[{"code": 400, "description": "..."}]``, or the
  ``<errors>`` document for ``.xml`` and ``.atom`` addresses), with the matching HTTP status.
* An answer about a release is the same for as long as that release is current, so it carries a
  weak ``ETag`` (release version + address) and ``Last-Modified`` (the release's creation time),
  is answered 304 to a client that has it, and is kept in the worker's ``AnswerCache``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal.api.state import Current, Service
from portal.georeport import MEDIA_TYPES, errors_doc, render
from portal.text import quoted


class ApiError(Exception):
    """An answer that is an error: HTTP ``status`` and one description per problem."""

    def __init__(self, status: int, descriptions: list[str]):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")


def query_params(request: Request) -> dict[str, list[str]]:
    """The query string as ``{name: [values]}``, every name and value strictly UTF-8."""
    params: dict[str, list[str]] = {}
    for pair in request.scope.get("query_string", b"").split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        try:
            name = _decode(key)
            params.setdefault(name, []).append(_decode(value))
        except UnicodeDecodeError:
            shown = unquote_to_bytes(key).decode("utf-8", "replace")
            raise ApiError(400, [f"Parameter {quoted(shown)} is not UTF-8 text; percent-encode UTF-8 bytes."]) from None
    return params


def current(request: Request) -> Current:
    """The release the worker serves now (raises ``state.NoRelease``); remembered on the request so
    that an error about it names it too."""
    cur = request.app.state.service.current()
    request.state.release = cur.version
    return cur


def error_format(path: str) -> str:
    return "xml" if path.endswith((".xml", ".atom")) else "json"


def error_response(request: Request, status: int, descriptions: list[str], headers: dict | None = None) -> Response:
    fmt = error_format(request.url.path)
    body = render("errors", errors_doc(status, descriptions), fmt)
    head = {"Cache-Control": "no-store", **(headers or {})}
    version = getattr(request.state, "release", None)
    if version:
        head["X-Release-Version"] = version
    return Response(body, status, media_type=MEDIA_TYPES[fmt], headers=head)


def base_url(request: Request, public_url: str) -> str:
    """The address links in an answer start with: the configured public one, else this request's."""
    return (public_url or str(request.base_url)).rstrip("/")


def _created(cur: Current) -> datetime:
    return datetime.fromisoformat(cur.release.created.replace("Z", "+00:00"))


def release_headers(cur: Current, max_age: int) -> dict[str, str]:
    return {
        "Last-Modified": format_datetime(_created(cur), usegmt=True),
        "Cache-Control": f"public, max-age={max_age}",
        "X-Release-Version": cur.version,
    }


def _not_modified(request: Request, etag: str, created: datetime) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        opaque = etag.removeprefix("W/")
        return any(t.strip() in ("*", etag, opaque) or t.strip().removeprefix("W/") == opaque for t in tags.split(","))
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return created.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


async def answer(
    request: Request,
    service: Service,
    cur: Current,
    build: Callable[[], bytes | tuple[bytes, dict]],
    media_type: str,
    *,
    max_age: int,
    vary: str = "",
    headers: dict | None = None,
    inline: bool = False,
) -> Response:
    """A cacheable answer about release ``cur``: 304 when the client holds it, else ``build()``'s
    bytes (and headers of its own, e.g. the next page's link), from the worker's cache when built
    before. ``vary``: what else the bytes depend on (the base address of their links).

    ``build`` runs in a thread, so a long query never holds up the worker's other answers; a
    ``build`` that is one indexed lookup runs ``inline`` (a thread costs more than the lookup)."""
    key = (cur.version, request.url.path, request.url.query, vary)
    digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:24]
    etag = f'W/"{cur.version}-{digest}"'
    head = {"ETag": etag, **release_headers(cur, max_age), **(headers or {})}
    if _not_modified(request, etag, _created(cur)):
        return Response(status_code=304, headers=head)
    built = service.answers.get(key)
    if built is None:
        built = build() if inline else await run_in_threadpool(build)
        built = (built, {}) if isinstance(built, bytes) else built
        service.answers.put(key, built)
    body, own = built
    return Response(body, media_type=media_type, headers={**head, **own})


class HeadAndNosniff:
    """ASGI middleware: HEAD is answered as GET without the body (link checkers and catalog
    harvesters probe download URLs with HEAD), and every answer says ``X-Content-Type-Options:
    nosniff`` (a browser never runs data text in a JSON or XML answer as a page)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        head = scope["method"] == "HEAD"

        async def send_on(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]}
            elif message["type"] == "http.response.body" and head:
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, send_on)
