"""The ASGI application: routes, middleware (gzip, CORS for GET) and one error format for everything.

``create_app`` is what uvicorn's workers call (``portal.api.app:create_app``, factory mode); it
reads its settings from the environment that ``python -m portal.api`` prepared.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from portal.api import catalog, feeds, open311, query
from portal.api import settings as settings_mod
from portal.api.http import ApiError, HeadAndNosniff, current, error_response, release_headers
from portal.api.state import NoRelease, Service, is_timeout

log = logging.getLogger("portal.api")
DESCRIPTION = """Read-only access to the 311 service requests the city publishes, exactly as in the
published release (same columns, same precision): Open311 GeoReport v2, Atom feeds per area, a
DCAT-US catalog, and a query API with the dashboard's filters. Every answer names its release
(`X-Release-Version`) and carries `ETag` / `Last-Modified` from it. Errors:
`[{"code": 400, "description": "..."}]` (XML for `.xml` and `.atom` addresses)."""
EXPOSED = ["ETag", "Last-Modified", "X-Release-Version", "X-Total-Count", "Link"]


def _handlers(app: FastAPI) -> None:
    settings = app.state.settings

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.descriptions)

    @app.exception_handler(NoRelease)
    async def no_release(request: Request, exc: NoRelease) -> Response:
        text = "No release is published in this database yet; publish one with python -m etl publish."
        return error_response(request, 503, [text], {"Retry-After": "60"})

    @app.exception_handler(OperationalError)
    async def database(request: Request, exc: OperationalError) -> Response:
        if is_timeout(exc):
            text = f"The query took longer than {settings.query_timeout:g} s; narrow it (dates, a type, an area)."
        else:
            log.error("database error: %s", exc)
            text = "The database is not reachable just now; try again shortly."
        return error_response(request, 503, [text], {"Retry-After": "30"})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        text = "No such address; see /openapi.json." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, [text], getattr(exc, "headers", None))


def _meta_routes(app: FastAPI) -> None:
    @app.get("/", summary="What this server offers, and the release it serves", operation_id="index")
    async def index(request: Request) -> Response:
        cur = current(request)
        paths = {
            "open311_discovery": "/open311/v2/discovery.json",
            "feed": "/feeds/requests.atom",
            "catalog": "/catalog/data.json",
            "query_api": "/api/requests.json",
            "openapi": "/openapi.json",
        }
        body = {"release": cur.version, "title": cur.release.title, "endpoints": paths}
        return JSONResponse(body, headers=release_headers(cur, app.state.settings.max_age))

    @app.get("/health", summary="200 while a release is served (for load balancers)", operation_id="health")
    async def health(request: Request) -> Response:
        cur = current(request)
        return JSONResponse({"status": "ok", "release": cur.version}, headers={"Cache-Control": "no-store"})


def create_app(settings=None) -> FastAPI:
    """The application over the database of ``settings`` (default: from the environment)."""
    settings = settings or settings_mod.from_env()
    service = Service(settings.db, settings.query_timeout, settings.cache_mb * 2**20)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        service.dispose()

    app = FastAPI(
        title="311 open data API",
        description=DESCRIPTION,
        version="1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        redirect_slashes=False,  # an address is right or a 404, never a redirect
    )
    app.state.settings = settings
    app.state.service = service
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "If-Modified-Since"],
        expose_headers=EXPOSED,
    )
    app.add_middleware(HeadAndNosniff)
    _handlers(app)
    _meta_routes(app)
    for module in (open311, feeds, catalog, query):
        app.include_router(module.router)
    return app
