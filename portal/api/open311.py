"""Routes of Open311 GeoReport v2 under ``/open311/v2/``: discovery, services, requests, one request.

Each exists as ``.json`` and ``.xml``. Thin: parse (``portal.georeport``), read (``portal.queries``),
render (``georeport.render``); caching headers and errors come from ``portal.api.http``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from portal import georeport, queries
from portal.api import openapi
from portal.api.http import ApiError, answer, base_url, current, query_params
from portal.catalog import publisher
from portal.filters import clean_request_id, unknown_params
from portal.text import quoted

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
FORMATS = ("json", "xml")
BASIC = {k: georeport.REQUEST_PARAMS[k] for k in ("jurisdiction_id", "api_key")}


def _context(request: Request, allowed: dict[str, str] | None = BASIC):
    """(app state, current release, parameters), after the checks every Open311 call shares:
    a configured jurisdiction_id, and (unless the route parses its own) no unknown parameter."""
    app = request.app.state
    cur = current(request)
    params = query_params(request)
    wanted, given = app.settings.jurisdiction_id, [v.strip() for v in params.get("jurisdiction_id", []) if v.strip()]
    if wanted and given and given[-1] != wanted:
        raise ApiError(404, [f"jurisdiction_id {quoted(given[-1])} not found; this endpoint serves {quoted(wanted)}."])
    errors = unknown_params(params, allowed) if allowed else []
    if errors:
        raise ApiError(400, errors)
    return app, cur, params


def discovery(fmt: str):
    async def endpoint(request: Request) -> Response:
        app, cur, params = _context(request)
        base = base_url(request, app.settings.public_url)
        pub = publisher(cur.release)
        contact = app.settings.contact or " ".join(x for x in (pub["name"], pub["email"]) if x)
        doc = georeport.discovery(cur.release.created, contact, f"{base}/open311/v2", not cur.release.is_demo)
        build = lambda: georeport.render("discovery", doc, fmt)  # noqa: E731
        media = georeport.MEDIA_TYPES[fmt]
        return await answer(
            request, app.service, cur, build, media, max_age=app.settings.max_age, vary=base, inline=True
        )

    return endpoint


def services(fmt: str):
    async def endpoint(request: Request) -> Response:
        app, cur, params = _context(request)
        records = [georeport.service_record(t) for t in cur.service_types]
        build = lambda: georeport.render("services", records, fmt)  # noqa: E731
        media = georeport.MEDIA_TYPES[fmt]
        return await answer(request, app.service, cur, build, media, max_age=app.settings.max_age, inline=True)

    return endpoint


def requests_list(fmt: str):
    async def endpoint(request: Request) -> Response:
        app, cur, params = _context(request, None)  # parse_requests reports unknown parameters
        rel = cur.release
        query, errors = georeport.parse_requests(params, cur.vocab, rel.as_of, app.settings.max_page_size)
        if errors:
            raise ApiError(400, errors)

        def build() -> bytes:
            with app.service.connect() as conn:
                if query.ids:
                    rows = queries.rows_by_ids(conn, query.ids)
                else:
                    clauses = queries.filter_clauses(query.filters, rel.as_of, rel.timezone, cur.targets)
                    offset = (query.page - 1) * query.page_size
                    rows = queries.page_rows(conn, clauses, query.page_size, offset, newest_first=True)
            return georeport.render("service_requests", georeport.request_records(rows, rel.timezone), fmt)

        return await answer(request, app.service, cur, build, georeport.MEDIA_TYPES[fmt], max_age=app.settings.max_age)

    return endpoint


def request_one(fmt: str):
    async def endpoint(request: Request, service_request_id: str) -> Response:
        app, cur, params = _context(request)
        request_id, problem = clean_request_id(service_request_id)
        if problem or request_id is None or "\ufffd" in service_request_id:
            raise ApiError(400, [problem or f"{quoted(service_request_id)} is not a request id."])

        def build() -> bytes:
            with app.service.connect() as conn:
                rows = queries.rows_by_ids(conn, [request_id])
            if not rows:
                raise ApiError(404, [f"No service request {quoted(request_id, 64)} in release {cur.version}."])
            return georeport.render("service_requests", [georeport.request_record(rows[0], cur.release.timezone)], fmt)

        media = georeport.MEDIA_TYPES[fmt]
        return await answer(request, app.service, cur, build, media, max_age=app.settings.max_age, inline=True)

    return endpoint


def _schema(fmt: str, item: dict) -> dict:
    return {"type": "array", "items": item} if fmt == "json" else openapi.xml_schema()


SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": {"type": "string"},
        "metadata": {"type": "boolean", "const": False},
        "type": {"type": "string", "const": "realtime"},
        "keywords": {"type": "string"},
        "group": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {"type": "array", "items": {"type": "object"}},
    },
}
ROUTES = [  # path, endpoint factory, summary, parameters, item schema (json), errors
    (
        "/discovery",
        discovery,
        "Service Discovery: this endpoint, its formats and changeset",
        BASIC,
        None,
        (400, 404, 503),
    ),
    ("/services", services, "The release's request types", BASIC, SERVICE, (400, 404, 503)),
    (
        "/requests",
        requests_list,
        "Service requests, newest first (default: the last 90 days, 1,000 at most)",
        georeport.REQUEST_PARAMS,
        "request",
        (400, 404, 503),
    ),
    ("/requests/{service_request_id}", request_one, "One service request", BASIC, "request", (400, 404, 503)),
]

for path, factory, summary, declared, item, errors in ROUTES:
    for fmt in FORMATS:
        media = georeport.MEDIA_TYPES[fmt].split(";")[0]
        if item is None:
            schema = DISCOVERY if fmt == "json" else openapi.xml_schema()
        else:
            schema = _schema(fmt, openapi.request_schema() if item == "request" else item)
        router.add_api_route(
            f"{path}.{fmt}",
            factory(fmt),
            methods=["GET"],
            summary=f"{summary} ({fmt.upper()})",
            operation_id=f"open311{path.replace('/', '_').replace('{', '').replace('}', '')}_{fmt}",
            response_class=Response,
            responses=openapi.responses(media, schema, errors, fmt),
            openapi_extra={"parameters": openapi.parameters(declared)},
        )
