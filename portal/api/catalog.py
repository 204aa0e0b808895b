"""Routes of the catalog: DCAT-US ``/catalog/data.json``, the Table Schemas it points to, the
published files themselves (``/catalog/files/<version>/<path>``, only the current release's), and
``/catalog/index.html``, a web page with the schema.org Dataset JSON-LD."""

from __future__ import annotations

import dataclasses
import json

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from portal import catalog, package
from portal.api import openapi
from portal.api.http import ApiError, answer, base_url, current, query_params, release_headers
from portal.filters import unknown_params
from portal.text import quoted

router = APIRouter(prefix="/catalog", tags=["Catalog"])
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
NO_PARAMS: dict[str, str] = {}


def _current(request: Request):
    app = request.app.state
    cur = current(request)
    errors = unknown_params(query_params(request), NO_PARAMS)
    if errors:
        raise ApiError(400, errors)
    return app, cur


def context(request: Request, cur) -> catalog.CatalogContext:
    settings = request.app.state.settings
    return dataclasses.replace(
        cur.extent,
        api=base_url(request, settings.public_url),
        dashboard=settings.dashboard_url.rstrip("/"),
        contact_email=settings.contact_email or None,
        periodicity=settings.accrual_periodicity,
    )


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


@router.get(
    "/data.json",
    summary="DCAT-US 1.1 catalog: one dataset per published file of the current release",
    operation_id="catalog_data_json",
    response_class=Response,
    responses=openapi.responses("application/json", {"type": "object", "required": ["conformsTo", "dataset"]}),
)
async def data_json(request: Request) -> Response:
    app, cur = _current(request)
    ctx = context(request, cur)
    build = lambda: _json(catalog.data_json(cur.release, cur.resources, ctx))  # noqa: E731
    return await answer(
        request, app.service, cur, build, JSON, max_age=app.settings.max_age, vary=f"{ctx.api} {ctx.dashboard}"
    )


@router.get(
    "/index.html",
    summary="The catalog as a web page, with the schema.org Dataset JSON-LD that search engines index",
    operation_id="catalog_page",
    response_class=Response,
    responses=openapi.responses("text/html", {"type": "string"}),
)
async def catalog_page(request: Request) -> Response:
    app, cur = _current(request)
    ctx = context(request, cur)
    build = lambda: catalog.dataset_page(cur.release, cur.resources, ctx).encode("utf-8")  # noqa: E731
    vary = f"{ctx.api} {ctx.dashboard}"
    return await answer(request, app.service, cur, build, HTML, max_age=app.settings.max_age, vary=vary, inline=True)


@router.get(
    "/schemas/{resource}.json",
    summary="The Frictionless Table Schema of a published table (a dataset's describedBy)",
    operation_id="catalog_schema",
    response_class=Response,
    responses=openapi.responses("application/json", {"type": "object"}, (400, 404, 503)),
)
async def table_schema(request: Request, resource: str) -> Response:
    app, cur = _current(request)
    schema = package.table_schema(cur.release, resource)
    if schema is None:
        raise ApiError(404, [f"No table {quoted(resource)} with a Table Schema in release {cur.version}."])
    build = lambda: _json(schema)  # noqa: E731
    return await answer(request, app.service, cur, build, JSON, max_age=app.settings.max_age, inline=True)


def _published(cur, path: str):
    """(file on disk, media type) of a published file of the current release, by its path."""
    if path == catalog.DESCRIPTOR:
        return package.descriptor_file(cur.release), "application/json"
    for res in cur.resources:
        if res.path == path:
            return res.file, res.mediatype
    return None, None


@router.get(
    "/files/{version}/{path:path}",
    summary="A published file of the current release, byte for byte (its SHA-256 is in datapackage.json)",
    operation_id="catalog_file",
    response_class=Response,
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string"}}}},
        304: {"description": openapi.ERROR_TEXT[304]},
        **{
            c: {"description": openapi.ERROR_TEXT[c], "content": {"application/json": {"schema": openapi.ERRORS}}}
            for c in (400, 404, 503)
        },
    },
)
async def published_file(request: Request, version: str, path: str) -> Response:
    app, cur = _current(request)
    if version != cur.version:
        raise ApiError(
            404, [f"Release {quoted(version)} is not the current one ({cur.version}); see /catalog/data.json."]
        )
    file, media_type = _published(cur, path)
    if file is None:
        raise ApiError(404, [f"{quoted(path, 120)} is not a published file of release {cur.version} on this server."])
    headers = {**release_headers(cur, app.settings.max_age), "Cache-Control": "public, max-age=31536000, immutable"}
    return FileResponse(
        file, media_type=media_type, headers=headers, filename=file.name, content_disposition_type="inline"
    )
