"""Routes of the query API for journalists: ``/api/requests.csv`` and ``/api/requests.json``.

The parameters are the Data page's (``type``, ``status``, ``from``, ``to``, ``nbhd``), parsed by
the same function (``filters.parse_filters``), plus ``page`` and ``page_size``; rows come oldest
first, as in the Data page's export, so a dashboard permalink and an API URL with the same
parameters select the same rows. Where the page drops a bad value and says so, the API answers
400 with the same message: it never answers for a selection other than the one asked for.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from portal import export, links, queries, summaries
from portal.api import openapi
from portal.api.http import ApiError, answer, base_url, current, query_params
from portal.filters import API_PAGING, DASHBOARD_PARAMS, parse_filters, parse_paging, unknown_params

router = APIRouter(prefix="/api", tags=["Query API"])
PARAMS = {**DASHBOARD_PARAMS, **API_PAGING}
DEFAULT_PAGE_SIZE = 1000
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
CAVEATS = [
    "status 'closed' means the city marked the request closed; it does not prove the problem was fixed.",
    "from/to are calendar days of requested_datetime in the city's time zone.",
]


def release_block(rel) -> dict:
    return {
        "version": rel.version,
        "package": rel.package_name,
        "title": rel.title,
        "created": rel.created,
        "data_through": rel.data_through,
        "timezone": rel.timezone,
        "license": rel.license_name,
        "demo": rel.is_demo,
    }


def _parse(request: Request, cur, max_page_size: int):
    params = query_params(request)
    errors = unknown_params(params, PARAMS)
    parsed = parse_filters(params, cur.vocab)
    errors += [f"{key}: {message}" for key, message in zip(parsed.rejected, parsed.messages)]
    page, size, paging = parse_paging(params, min(DEFAULT_PAGE_SIZE, max_page_size), max_page_size)
    if errors + paging:
        raise ApiError(400, errors + paging)
    return parsed.filters, page, size


def _page_links(base: str, filters, fmt: str, page: int, size: int, total: int) -> dict[str, str | None]:
    def at(n: int) -> str:
        return links.api_url(filters, base, fmt, n, None if size == DEFAULT_PAGE_SIZE else size)

    return {"next": at(page + 1) if page * size < total else None, "previous": at(page - 1) if page > 1 else None}


def _document(rel, filters, page, size, total, pages, rows) -> bytes:
    doc = {
        "release": release_block(rel),
        "parameters": filters.to_params(),
        "page": page,
        "page_size": size,
        "total": total,
        **pages,
        "caveats": CAVEATS + list((rel.datapackage.get("x_portal") or {}).get("caveats") or []),
        "rows": export.records(rows, rel.timezone),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def requests_query(fmt: str):
    async def endpoint(request: Request) -> Response:
        app = request.app.state
        cur = current(request)
        rel = cur.release
        filters, page, size = _parse(request, cur, app.settings.max_page_size)
        base = base_url(request, app.settings.public_url)

        def build() -> tuple[bytes, dict]:
            clauses = queries.filter_clauses(filters, rel.as_of, rel.timezone, cur.targets)
            with app.service.connect() as conn:
                total = summaries.count_where(conn, rel.version, clauses)
                rows = queries.page_rows(conn, clauses, size, (page - 1) * size)
            pages = _page_links(base, filters, fmt, page, size, total)
            headers = {"X-Total-Count": str(total)}
            if any(pages.values()):
                headers["Link"] = ", ".join(f'<{url}>; rel="{name}"' for name, url in pages.items() if url)
            if fmt == "json":
                return _document(rel, filters, page, size, total, pages, rows), headers
            name = f"service_requests-{rel.version}-page{page}.csv"
            headers["Content-Disposition"] = f'inline; filename="{name}"'
            return export.rows_csv(rows, rel.timezone), headers

        return await answer(request, app.service, cur, build, MEDIA[fmt], max_age=app.settings.max_age, vary=base)

    return endpoint


def page_schema() -> dict:
    return {
        "type": "object",
        "required": ["release", "parameters", "page", "page_size", "total", "next", "previous", "caveats", "rows"],
        "properties": {
            "release": {"type": "object", "required": ["version"]},
            "parameters": {"type": "object"},
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            "caveats": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": openapi.request_schema()},
        },
        "additionalProperties": False,
    }


for fmt in MEDIA:
    media = MEDIA[fmt].split(";")[0]
    router.add_api_route(
        f"/requests.{fmt}",
        requests_query(fmt),
        methods=["GET"],
        summary=f"The Data page's selection as {fmt.upper()}, oldest first, paged (release version in every answer)",
        operation_id=f"api_requests_{fmt}",
        response_class=Response,
        responses=openapi.responses(media, page_schema() if fmt == "json" else {"type": "string"}),
        openapi_extra={"parameters": openapi.parameters(PARAMS)},
    )
