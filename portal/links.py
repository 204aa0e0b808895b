"""Addresses of the open interfaces and of the dashboard, built from ``Filters``.

The pages show them ("subscribe to this area", "the API URL of this selection") and the API puts
them in its answers (a feed entry's permalink, the next page, a catalog's download URL). Every
function takes the base address it builds on: the API's public address (``PORTAL_API_URL``
for the dashboard, ``--public-url`` for the API itself) or the dashboard's (``PORTAL_DASHBOARD_URL``).
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

from portal.filters import Filters

DEFAULT_API_URL = "http://localhost:8000"
DEFAULT_DASHBOARD_URL = "http://localhost:8501"


def api_base(environ=os.environ) -> str:
    """The API's public address as the dashboard knows it (``PORTAL_API_URL``, declared in
    ``portal.settings``)."""
    return ((environ.get("PORTAL_API_URL") or "").strip() or DEFAULT_API_URL).rstrip("/")


def dashboard_base(environ=os.environ) -> str:
    """The dashboard's public address (``PORTAL_DASHBOARD_URL``)."""
    return (environ.get("PORTAL_DASHBOARD_URL") or DEFAULT_DASHBOARD_URL).rstrip("/")


def address(base: str, path: str, params: dict) -> str:
    """``base`` + ``path`` + the encoded query string of ``params`` (lists repeat the parameter)."""
    query = urlencode(params, doseq=True, quote_via=quote)
    return f"{base.rstrip('/')}{path}" + (f"?{query}" if query else "")


def api_url(
    filters: Filters, base: str, fmt: str = "csv", page: int | None = None, page_size: int | None = None
) -> str:
    """The query API's URL for the Data page's selection: the same parameters, so the same rows."""
    params: dict = filters.to_params()
    if page is not None and page > 1:
        params["page"] = str(page)
    if page_size is not None:
        params["page_size"] = str(page_size)
    return address(base, f"/api/requests.{fmt}", params)


def feed_params(filters: Filters, event: str | None = None) -> dict[str, str]:
    """The Atom feed's parameters for a dashboard view. Dates are left out (a feed follows what
    happens next), and "overdue" becomes "open" (the feed knows statuses, not targets)."""
    params = {}
    if filters.neighborhood:
        params["neighborhood"] = filters.neighborhood
    if filters.service_codes:
        params["service_code"] = ",".join(filters.service_codes)
    if filters.status in ("open", "closed", "overdue"):
        params["status"] = "open" if filters.status == "overdue" else filters.status
    if filters.bbox:
        params["bbox"] = ",".join(repr(v) for v in filters.bbox)
    if event:
        params["event"] = event
    return params


def feed_url(filters: Filters, base: str, event: str | None = None) -> str:
    """The Atom feed of the events in a dashboard view (for the Map and Neighborhood pages)."""
    return address(base, "/feeds/requests.atom", feed_params(filters, event))


def request_permalink(request_id: str, dashboard: str) -> str:
    """The dashboard's "track my request" page for one request."""
    return address(dashboard, "/track", {"id": request_id})


def view_permalink(page: str, filters: Filters, dashboard: str) -> str:
    """A dashboard page (``map``, ``data``, ...) showing ``filters``."""
    return address(dashboard, f"/{page}", filters.to_params())
