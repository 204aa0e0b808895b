"""The dashboard's settings: environment variables, each declared once here with its default and
help text (docs/deployment.md lists them; a test checks it). Read when used, never at import."""

from __future__ import annotations

import os

SETTINGS = {
    "PORTAL_DB_URL": (
        "sqlite:///datasets/portal.db",
        "SQLAlchemy URL of the database the dashboard reads "
        "(a relative SQLite path is relative to the working directory).",
    ),
    "PORTAL_BASEMAP": (
        "carto",
        "Street map under the portal's maps: `carto` (CARTO's light map, fetched by the visitor's browser; "
        "where it cannot be reached the map is drawn without streets) or `none` (never request tiles).",
    ),
    "PORTAL_API_URL": (
        "http://localhost:8000",
        "The public address of the open interfaces (`python -m portal.api`): the Map and Neighborhood pages "
        "link to its Atom feeds, the Data page to its query API and catalog.",
    ),
    "PORTAL_PUBLIC_URL": (
        "",
        "The portal's public address (e.g. `https://311.example.org`), printed on the brief's PDF and images "
        "and used in their links; empty: the address the visitor's browser used.",
    ),
}


def setting(name: str) -> str:
    default, _ = SETTINGS[name]
    return (os.environ.get(name) or "").strip() or default


def basemap_on() -> bool:
    return setting("PORTAL_BASEMAP").lower() != "none"
