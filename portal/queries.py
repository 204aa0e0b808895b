"""SQL for the read side: lookups, filter clauses, map aggregates, single requests, exports.

SQLAlchemy Core with bound parameters only, portable between SQLite and PostgreSQL. Grouping on
a computed expression happens in an outer query over a labelled subquery, because PostgreSQL
treats the same bound expression in SELECT and GROUP BY as two different expressions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.engine import Connection

from core.tables import POINT_PRECISIONS, neighborhoods, service_requests, service_types
from portal.filters import Filters, Vocabulary
from portal.sqlstats import median_by
from portal.timefmt import local_date, local_day_bounds

SR = service_requests.c
PUBLIC_COLUMNS = [c.name for c in service_requests.columns]


def list_service_types(conn: Connection) -> list[dict]:
    """Every request type: code, name, agency, target_days, is_sensitive (by name)."""
    query = select(service_types).order_by(service_types.c.service_name)
    return [dict(r) for r in conn.execute(query).mappings()]


def service_targets(conn: Connection) -> dict[str, float]:
    """``{service_code: target_days}`` for the types that have a target."""
    t = service_types.c
    query = select(t.service_code, t.target_days).where(t.target_days.is_not(None))
    return {code: float(days) for code, days in conn.execute(query)}


def list_neighborhoods(conn: Connection, with_geometry: bool = False) -> list[dict]:
    """Neighborhoods by name; ``geometry`` (parsed GeoJSON) only when asked for."""
    n = neighborhoods.c
    cols = [n.neighborhood_code, n.name, n.centroid_lat, n.centroid_long]
    if with_geometry:
        cols.append(n.geometry_geojson)
    rows = [dict(r) for r in conn.execute(select(*cols).order_by(n.name)).mappings()]
    for row in rows:
        if with_geometry:
            row["geometry"] = json.loads(row.pop("geometry_geojson") or "null")
    return rows


def requested_span(conn: Connection) -> tuple[datetime | None, datetime | None]:
    """First and last ``requested_datetime`` in the release (naive UTC).

    Two scalar subqueries: SQLite answers a lone min() or max() from one end of the index, but
    scans the whole index for both in one SELECT."""
    first = select(func.min(SR.requested_datetime)).scalar_subquery()
    last = select(func.max(SR.requested_datetime)).scalar_subquery()
    first, last = conn.execute(select(first, last)).one()
    return first, last


def vocabulary(conn: Connection, tz_name: str) -> Vocabulary:
    """The values filters may take: known codes, neighborhoods and the local date span."""
    first, last = requested_span(conn)
    codes = conn.execute(select(service_types.c.service_code)).scalars().all()
    codes = set(codes) | set(conn.execute(select(SR.service_code).distinct()).scalars())
    return Vocabulary(
        service_codes=frozenset(codes),
        neighborhoods=frozenset(conn.execute(select(neighborhoods.c.neighborhood_code)).scalars()),
        first_day=local_date(first, tz_name) if first else None,
        last_day=local_date(last, tz_name) if last else None,
    )


def overdue_clause(as_of: datetime, targets: dict[str, float]):
    """Open, and past its expected date, or (for a type with a target) older than the target.

    Overdue = status 'open' and (expected_datetime < data_through, or requested_datetime +
    target_days < data_through). The per-type cutoffs are computed here and bound as
    parameters in one CASE, so no date arithmetic runs in SQL.
    """
    late = [and_(SR.expected_datetime.is_not(None), SR.expected_datetime < as_of)]
    if targets:
        cutoffs = {code: as_of - timedelta(days=days) for code, days in targets.items()}
        late.append(SR.requested_datetime < case(cutoffs, value=SR.service_code))
    return and_(SR.status == "open", or_(*late))


def filter_clauses(filters: Filters, as_of: datetime, tz_name: str, targets: dict[str, float]) -> list:
    """WHERE clauses for ``filters``; dates are the city's calendar days of requested_datetime."""
    clauses = []
    if filters.service_codes:
        clauses.append(SR.service_code.in_(filters.service_codes))
    if filters.status in ("open", "closed"):
        clauses.append(SR.status == filters.status)
    elif filters.status == "overdue":
        clauses.append(overdue_clause(as_of, targets))
    lower, upper = local_day_bounds(filters.start, filters.end, tz_name)
    if lower is not None:
        clauses.append(SR.requested_datetime >= lower)
    if upper is not None:
        clauses.append(SR.requested_datetime < upper)
    if filters.neighborhood:
        clauses.append(SR.neighborhood_code == filters.neighborhood)
    if filters.after is not None:
        clauses.append(SR.requested_datetime >= filters.after)
    if filters.before is not None:
        clauses.append(SR.requested_datetime <= filters.before)
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        clauses += [SR.long.between(west, east), SR.lat.between(south, north)]
    return clauses


def count_where(conn: Connection, clauses) -> int:
    return int(conn.execute(select(func.count()).select_from(service_requests).where(*clauses)).scalar())


def counts_by_neighborhood(conn: Connection, clauses) -> dict[str, int]:
    """``{neighborhood_code: rows}`` for the rows matching ``clauses``."""
    query = (
        select(SR.neighborhood_code, func.count())
        .where(SR.neighborhood_code.is_not(None), *clauses)
        .group_by(SR.neighborhood_code)
    )
    return {code: int(n) for code, n in conn.execute(query)}


def heat_cells(conn: Connection, clauses, cells_per_degree: int = 500) -> list[dict]:
    """Counts on a lat/long grid (about 220 m at 500 cells per degree), aggregated in SQL.

    Rows whose location is only the neighborhood (sensitive types) or missing are left out.
    """
    inner = (
        select(
            func.round(SR.lat * cells_per_degree).label("gy"),
            func.round(SR.long * cells_per_degree).label("gx"),
        )
        .where(SR.lat.is_not(None), SR.long.is_not(None), SR.location_precision.in_(POINT_PRECISIONS), *clauses)
        .subquery("cells")
    )
    query = select(inner.c.gy, inner.c.gx, func.count().label("n")).group_by(inner.c.gy, inner.c.gx)
    return [
        {"lat": float(gy) / cells_per_degree, "long": float(gx) / cells_per_degree, "n": int(n)}
        for gy, gx, n in conn.execute(query)
    ]


def map_points(conn: Connection, clauses, overdue, limit: int) -> list[dict] | None:
    """Located requests matching ``clauses`` with an ``overdue`` flag; None if more than ``limit``."""
    located = [SR.lat.is_not(None), SR.long.is_not(None), *clauses]
    # Stop counting at limit + 1: deciding "too many to draw" needs no full count of a big city.
    probe = select(SR.service_request_id).where(*located).limit(limit + 1).subquery()
    if conn.execute(select(func.count()).select_from(probe)).scalar_one() > limit:
        return None
    query = (
        select(
            SR.service_request_id,
            SR.lat,
            SR.long,
            SR.service_name,
            SR.status,
            SR.status_description,
            SR.requested_datetime,
            SR.neighborhood,
            SR.location_precision,
            SR.address,
            case((overdue, True), else_=False).label("overdue"),
        )
        .where(*located)
        .order_by(SR.requested_datetime)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def _request_query(where):
    return (
        select(service_requests, service_types.c.target_days, service_types.c.is_sensitive)
        .select_from(service_requests.outerjoin(service_types, service_types.c.service_code == SR.service_code))
        .where(where)
    )


def get_request(conn: Connection, request_id: str) -> dict | None:
    """One request by id (bound parameter), with its type's target and agency."""
    row = conn.execute(_request_query(SR.service_request_id == request_id)).mappings().first()
    return dict(row) if row else None


def find_request(conn: Connection, candidates: list[str]) -> dict | None:
    """The first of ``candidates`` (``portal.track.id_candidates``) that is a request of the
    release, as ``get_request`` gives it: one query on the primary key's index."""
    found = {
        r["service_request_id"]: dict(r)
        for r in conn.execute(_request_query(SR.service_request_id.in_(candidates))).mappings()
    }
    return next((found[c] for c in candidates if c in found), None)


def _like_pattern(text: str) -> str:
    r"""``%text%`` for LIKE with ``\`` as the escape character, lower-cased."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_blocks(conn: Connection, text: str, limit: int = 8) -> list[dict]:
    """Published block-level addresses containing ``text`` (any case), most requests first:
    ``address``, the neighborhood most of its requests are in, the mean point, and ``n``.
    Only rows placed at a (rounded) point: a sensitive type's address is never published."""
    inner = (
        select(SR.address, SR.neighborhood_code, SR.lat, SR.long)
        .where(
            SR.location_precision.in_(POINT_PRECISIONS),
            SR.address.is_not(None),
            SR.lat.is_not(None),
            func.lower(SR.address).like(_like_pattern(text), escape="\\"),
        )
        .subquery("found")
    )
    n = func.count().label("n")
    query = (
        select(inner.c.address, inner.c.neighborhood_code, func.avg(inner.c.lat), func.avg(inner.c.long), n)
        .group_by(inner.c.address, inner.c.neighborhood_code)
        .order_by(n.desc(), inner.c.address)
        .limit(limit * 4)
    )
    blocks: dict[str, dict] = {}
    for address, code, lat, long, count in conn.execute(query):
        block = blocks.setdefault(
            address, {"address": address, "neighborhood_code": code, "point": [long, lat], "n": 0}
        )
        block["n"] += int(count)
    return sorted(blocks.values(), key=lambda b: (-b["n"], b["address"]))[:limit]


def page_rows(conn: Connection, clauses, limit: int, offset: int = 0, newest_first: bool = False) -> list:
    """The matching rows as tuples of PUBLIC_COLUMNS (the cheapest form to fetch), oldest request
    first (the Data page's export and the query API) or newest first (Open311), at most ``limit``
    after skipping ``offset``. Ties are broken by request id, so pages never overlap."""
    order = (SR.requested_datetime, SR.service_request_id)
    if newest_first:
        order = tuple(c.desc() for c in order)
    query = select(service_requests).where(*clauses).order_by(*order).limit(limit).offset(offset)
    return [tuple(r) for r in conn.execute(query)]


def export_rows(conn: Connection, clauses, limit: int, offset: int = 0) -> list[dict]:
    """Published columns of the matching rows, oldest first, at most ``limit`` rows after skipping
    ``offset`` (the Data page's export is the first page; the query API pages through the rest)."""
    return [dict(zip(PUBLIC_COLUMNS, r)) for r in page_rows(conn, clauses, limit, offset)]


def rows_by_ids(conn: Connection, ids: Sequence[str]) -> list[dict]:
    """Published columns of the requests ``ids`` (bound parameters), in the order asked; unknown
    ids are left out."""
    if not ids:
        return []
    match = SR.service_request_id == ids[0] if len(ids) == 1 else SR.service_request_id.in_(ids)
    found = {r["service_request_id"]: dict(r) for r in conn.execute(select(service_requests).where(match)).mappings()}
    return [found[i] for i in ids if i in found]


def nothing():
    """A clause that matches no row (e.g. for an unknown neighborhood)."""
    return false()


def neighborhood_values(conn: Connection, clauses, measure: str) -> dict[str, tuple[float | None, int]]:
    """``{neighborhood_code: (value, n)}`` for the map's choropleth measure over ``clauses``.

    count: matching requests; backlog: matching requests that are open; median_days: median
    days_to_close of the matching requests that have one (n = how many).
    """
    if measure == "median_days":
        groups = {"nb": SR.neighborhood_code}
        found = median_by(
            conn,
            SR.days_to_close,
            from_=service_requests,
            groups=groups,
            where=[SR.neighborhood_code.is_not(None), *clauses],
        )
        return {key[0]: value for key, value in found.items()}
    if measure == "backlog":
        clauses = [*clauses, SR.status == "open"]
    elif measure != "count":
        raise ValueError(f"unknown measure {measure!r}")
    return {code: (float(n), n) for code, n in counts_by_neighborhood(conn, clauses).items()}
