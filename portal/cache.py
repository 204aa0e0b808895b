"""Streamlit caching over the library (one of the two portal modules that import streamlit).

The engine is a resource (one pool per URL). Every data cache takes the database URL and the
release *version* as its first arguments, so publishing a new release can never serve stale
numbers: the current version is read (one tiny query) on every run, and everything else is
looked up under it. Frames and lists are ``st.cache_data`` (copied per caller), never resources.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from portal import brief as brief_mod
from portal import db, geometry, metrics, package, queries, summaries
from portal import export as export_mod
from portal.filters import Filters
from portal.track import id_candidates

ENTRIES = 64


@dataclass(frozen=True)
class Ctx:
    """What a page needs to ask for data: the DB URL and the release it serves."""

    url: str
    release: db.Release

    @property
    def version(self) -> str:
        return self.release.version


def db_url() -> str:
    return db.resolve_url(os.environ.get("PORTAL_DB_URL"))


@st.cache_resource(show_spinner=False)
def engine(url: str):
    return db.make_engine(url)


@contextmanager
def connect(url: str):
    with engine(url).connect() as conn:
        yield conn


def current() -> Ctx | None:
    """The current release of the configured database, or None when there is none."""
    url = db_url()
    version = db.current_version(engine(url))
    if version is None:
        return None
    found = release(url, version)
    return Ctx(url, found) if found else None


@st.cache_data(show_spinner=False, max_entries=8)
def release(url: str, version: str) -> db.Release | None:
    return db.read_release(engine(url), version)


@st.cache_data(show_spinner=False, max_entries=8)
def release_list(url: str, version: str) -> list[dict]:
    return db.list_releases(engine(url))


def _targets(conn) -> dict[str, float]:
    return queries.service_targets(conn)


@st.cache_data(show_spinner=False, max_entries=8)
def vocabulary(url: str, version: str):
    with connect(url) as conn:
        return queries.vocabulary(conn, release(url, version).timezone)


@st.cache_data(show_spinner=False, max_entries=8)
def service_types(url: str, version: str) -> list[dict]:
    with connect(url) as conn:
        return queries.list_service_types(conn)


@st.cache_data(show_spinner=False, max_entries=32)
def neighborhoods(
    url: str, version: str, with_geometry: bool = False, tolerance: float = geometry.DISPLAY_TOLERANCE
) -> list[dict]:
    """Neighborhoods by name; ``geometry`` is for drawing (simplified to ``tolerance`` degrees:
    ``geometry.display_geometry``; a map passes ``geometry.display_tolerance(view)``), with the
    point for its name (``label_point``) and its ``area`` (which name wins a crowded map)."""
    with connect(url) as conn:
        rows = queries.list_neighborhoods(conn, with_geometry)
    for row in rows if with_geometry else []:
        row["label_point"], row["area"] = geometry.label_point(row["geometry"]), geometry.area(row["geometry"])
        row["geometry"] = geometry.display_geometry(row["geometry"], tolerance)
    return rows


def framed_neighborhoods(url: str, version: str, focus: list, width_px: int, height_px: int):
    """``(view, neighborhoods)``: a view that fits ``focus`` (geometries or points) in a map of
    that size, and the neighborhoods simplified for drawing at it (``geometry.display_tolerance``)."""
    view = geometry.view_for(focus, width_px, height_px)
    return view, neighborhoods(url, version, with_geometry=True, tolerance=geometry.display_tolerance(view))


@st.cache_data(show_spinner=False, max_entries=8)
def headline(url: str, version: str) -> metrics.Headline:
    with connect(url) as conn:
        return summaries.headline(conn, version, release(url, version).as_of)


def _clauses(conn, url: str, version: str, filters: Filters) -> list:
    rel = release(url, version)
    return queries.filter_clauses(filters, rel.as_of, rel.timezone, _targets(conn))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def neighborhood_values(url: str, version: str, filters: Filters, measure: str) -> dict:
    with connect(url) as conn:
        return summaries.neighborhood_values(conn, version, _clauses(conn, url, version, filters), measure)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def heat_cells(url: str, version: str, filters: Filters) -> list[dict]:
    with connect(url) as conn:
        return queries.heat_cells(conn, _clauses(conn, url, version, filters))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def map_points(url: str, version: str, filters: Filters, limit: int) -> list[dict] | None:
    with connect(url) as conn:
        overdue = queries.overdue_clause(release(url, version).as_of, _targets(conn))
        return queries.map_points(conn, _clauses(conn, url, version, filters), overdue, limit)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def count(url: str, version: str, filters: Filters) -> int:
    with connect(url) as conn:
        return summaries.count_where(conn, version, _clauses(conn, url, version, filters))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def request(url: str, version: str, request_id: str) -> dict | None:
    """One request, typed as a person would (``track.id_candidates``: any case, punctuation
    around it), with ``overdue`` and the typical time for its type here."""
    rel = release(url, version)
    with connect(url) as conn:
        row = queries.find_request(conn, id_candidates(request_id))
        if row is None:
            return None
        found = row["service_request_id"]
        overdue = queries.overdue_clause(rel.as_of, _targets(conn))
        row["overdue"] = queries.count_where(conn, [queries.SR.service_request_id == found, overdue]) == 1
        row["typical"], row["typical_scope"] = metrics.typical_days(conn, row["service_code"], row["neighborhood_code"])
        return row


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def blocks(url: str, version: str, query: str) -> list[dict]:
    """Published blocks whose address contains ``query`` (``queries.find_blocks``)."""
    with connect(url) as conn:
        return queries.find_blocks(conn, query)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def performance_table(url: str, version: str, by: str, days: int | None):
    with connect(url) as conn:
        return summaries.performance_table(conn, version, release(url, version).as_of, by, days)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def brief(url: str, version: str, code: str, days: int | None, label: str):
    rel = release(url, version)
    with connect(url) as conn:
        city = summaries.citywide_days_to_close(conn, version, rel.as_of, days)
        return brief_mod.build_brief(conn, rel.as_of, rel.timezone, code, days, label, city)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def brief_rows(url: str, version: str, code: str, days: int | None) -> list[dict]:
    rel = release(url, version)
    with connect(url) as conn:
        return brief_mod.brief_rows(conn, brief_mod.period_for(conn, rel.as_of, days), code)


def export_file(url: str, rel: db.Release, filters: Filters, fmt: str, limit: int) -> bytes:
    """The export of the rows matching ``filters`` (at most ``limit``) in ``fmt``, built when a
    visitor asks for it (``st.download_button(data=callable)``), never on page load.

    It runs outside the page's script run, so it touches no Streamlit cache: its own engine,
    and a check that the database still serves release ``rel`` (the file is named after it).
    """
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            if db.current_version(engine) != rel.version:
                raise RuntimeError(f"release {rel.version} is no longer served; reload the page")
            targets = queries.service_targets(conn)
            clauses = queries.filter_clauses(filters, rel.as_of, rel.timezone, targets)
            rows = queries.export_rows(conn, clauses, limit)
    finally:
        engine.dispose()
    return export_mod.export(rows, rel.timezone, fmt)


@st.cache_data(show_spinner=False, max_entries=8)
def resource_status(url: str, version: str) -> list[tuple[package.Resource, str]]:
    """Each resource with its checksum check (hashing the files once per release)."""
    return [(res, package.verify(res)) for res in package.resources(release(url, version))]
