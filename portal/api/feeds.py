"""Route of the Atom feed ``/feeds/requests.atom``: one entry per event in an area, newest first."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from portal import events, feeds, links, queries
from portal.api import openapi
from portal.api.http import ApiError, answer, base_url, current, query_params
from portal.catalog import publisher

router = APIRouter(tags=["Feeds"])
ATOM = "application/atom+xml; charset=utf-8"


def _context(request: Request, cur, query: feeds.FeedQuery) -> feeds.FeedContext:
    app, rel = request.app.state, cur.release
    base = base_url(request, app.settings.public_url)
    self_url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    dashboard = app.settings.dashboard_url.rstrip("/")
    return feeds.FeedContext(
        package=rel.package_name,
        title=rel.title,
        version=rel.version,
        created=datetime.fromisoformat(rel.created.replace("Z", "+00:00")),
        publisher=publisher(rel)["name"],
        license_name=rel.license_name,
        self_url=self_url,
        alternate_url=links.view_permalink("map", query.filters, dashboard),
        dashboard_url=dashboard,
    )


@router.get(
    "/feeds/requests.atom",
    summary="Atom feed of request events (opened, marked closed, updated) for an area",
    operation_id="feed_requests_atom",
    response_class=Response,
    responses=openapi.responses("application/atom+xml", openapi.xml_schema(), (400, 503), "xml"),
    openapi_extra={"parameters": openapi.parameters(feeds.FEED_PARAMS)},
)
async def requests_feed(request: Request) -> Response:
    app = request.app.state
    cur = current(request)
    query, errors = feeds.parse_feed(query_params(request), cur.vocab)
    if errors:
        raise ApiError(400, errors)
    rel = cur.release
    ctx = _context(request, cur, query)

    def build() -> bytes:
        clauses = queries.filter_clauses(query.filters, rel.as_of, rel.timezone, cur.targets)
        with app.service.connect() as conn:
            found = events.request_events(conn, clauses, query.events, app.settings.feed_entries)
        return feeds.atom_feed(found, query, ctx, rel.timezone)

    vary = f"{ctx.self_url} {ctx.dashboard_url}"
    return await answer(request, app.service, cur, build, ATOM, max_age=app.settings.max_age, vary=vary)
