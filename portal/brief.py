"""The neighborhood brief: the numbers behind the neighborhood page, its PDF, PNG and CSV.

The period ends at the release's last request (``metrics.latest_period``). Its medians and
shares are over the neighborhood's requests received in the period (the cohort); the backlog,
overdue and oldest open requests are at data_through. The rows behind a brief are the
neighborhood's requests received in the period or open at data_through; ``brief_rows`` returns
exactly them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from core.tables import neighborhoods, service_requests
from portal.metrics import (
    DEFINITIONS,
    NO_DATA,
    Measure,
    Period,
    days_to_close,
    latest_period,
    share_within_target,
)
from portal.queries import SR, overdue_clause, requested_span, service_targets
from portal.timefmt import days_between, format_local, local_date

TOP_TYPES = 10
OLDEST_OPEN = 10
MAX_WEEKS = 104


@dataclass(frozen=True)
class Brief:
    code: str
    name: str
    period_label: str
    period: Period
    timezone: str
    new_requests: int
    open_backlog: int
    overdue: int
    top_types: list[tuple[str, int]]
    oldest_open: list[dict]
    median_local: Measure
    median_city: Measure
    within_local: Measure
    weekly: list[tuple[date, int]]
    bucket_days: int = 7
    caveats: list[str] = field(default_factory=list)


def period_for(conn: Connection, as_of: datetime, days: int | None) -> Period:
    """The ``days`` days ending at the release's last request; ``None``: every request."""
    return latest_period(conn, as_of, days)


def trend_counts(conn: Connection, period: Period, where=()) -> tuple[int, list[tuple[datetime, int]]]:
    """Requests per bucket over the part of ``period`` in which the release has requests.

    Buckets are 7 days (wider, in whole weeks, when that would exceed MAX_WEEKS buckets) and end
    at the last request in the period, so every bucket is full (the oldest may reach back
    before the period start). Returns ``(bucket days, [(bucket start, n)])``. Buckets are
    computed in SQL with one CASE over bound edges, then grouped in an outer query.
    """
    first, last = requested_span(conn)
    end = min(period.end, last) if last else period.end
    start = max(period.start, first - timedelta(seconds=1)) if first else period.start
    weeks = max(math.ceil(days_between(start, end) / 7), 1)
    days = 7 * math.ceil(weeks / MAX_WEEKS)
    n = max(math.ceil(days_between(start, end) / days), 1)
    edges = [end - timedelta(days=days * (i + 1)) for i in range(n)]
    bucket = case(*[(SR.requested_datetime > edge, i) for i, edge in enumerate(edges)])
    inner = (
        select(bucket.label("b"))
        .where(SR.requested_datetime > edges[-1], SR.requested_datetime <= end, *where)
        .subquery()
    )
    counts = {int(b): int(c) for b, c in conn.execute(select(inner.c.b, func.count()).group_by(inner.c.b))}
    return days, [(edges[i], counts.get(i, 0)) for i in reversed(range(n))]


def _name(conn: Connection, code: str) -> str | None:
    query = select(neighborhoods.c.name).where(neighborhoods.c.neighborhood_code == code)
    return conn.execute(query).scalar()


def _top_types(conn: Connection, where) -> list[tuple[str, int]]:
    n = func.count().label("n")
    query = (
        select(SR.service_name, n)
        .where(*where)
        .group_by(SR.service_name)
        .order_by(n.desc(), SR.service_name)
        .limit(TOP_TYPES)
    )
    return [(name, int(count)) for name, count in conn.execute(query)]


def _oldest_open(conn: Connection, as_of: datetime, tz: str, here, overdue) -> list[dict]:
    query = (
        select(
            SR.service_request_id,
            SR.service_name,
            SR.status_description,
            SR.requested_datetime,
            case((overdue, True), else_=False).label("overdue"),
        )
        .where(here, SR.status == "open")
        .order_by(SR.requested_datetime, SR.service_request_id)
        .limit(OLDEST_OPEN)
    )
    return [
        {
            "id": r["service_request_id"],
            "type": r["service_name"],
            "status": r["status_description"] or "open",
            "requested": format_local(r["requested_datetime"], tz, with_time=False),
            "age_days": round(days_between(r["requested_datetime"], as_of), 1),
            "overdue": bool(r["overdue"]),
        }
        for r in conn.execute(query).mappings()
    ]


def build_brief(
    conn: Connection,
    as_of: datetime,
    tz: str,
    code: str,
    days: int | None,
    period_label: str,
    median_city: Measure | None = None,
) -> Brief | None:
    """Everything the brief shows for neighborhood ``code``; None for an unknown code.
    ``median_city``: the citywide median of the period when the caller has it precomputed."""
    name = _name(conn, code)
    if name is None:
        return None
    period = period_for(conn, as_of, days)
    here = SR.neighborhood_code == code
    overdue = overdue_clause(as_of, service_targets(conn))
    count = lambda *w: int(conn.execute(select(func.count()).select_from(service_requests).where(*w)).scalar())  # noqa: E731
    bucket_days, trend = trend_counts(conn, period, [here])
    return Brief(
        code=code,
        name=name,
        period_label=period_label,
        period=period,
        timezone=tz,
        new_requests=count(here, period.contains(SR.requested_datetime)),
        open_backlog=count(here, SR.status == "open"),
        overdue=count(here, overdue),
        top_types=_top_types(conn, [here, period.contains(SR.requested_datetime)]),
        oldest_open=_oldest_open(conn, as_of, tz, here, overdue),
        median_local=days_to_close(conn, period, [here]).get((), NO_DATA),
        median_city=median_city or days_to_close(conn, period).get((), NO_DATA),
        within_local=share_within_target(conn, period, [here]).get((), NO_DATA),
        weekly=[(local_date(start, tz), n) for start, n in trend],
        bucket_days=bucket_days,
        caveats=[
            DEFINITIONS["closed"],
            DEFINITIONS["median"],
            DEFINITIONS["backlog"],
            "n is the number of requests a median or share is computed from: those "
            "received in the period and marked closed. The period's requests still open "
            "are counted beside it and left out. n < 20 is a small sample.",
        ],
    )


def brief_rows(conn: Connection, period: Period, code: str) -> list[dict]:
    """The rows behind the brief (all published columns), oldest request first: the
    neighborhood's requests received in ``period`` or open at data_through."""
    query = (
        select(service_requests)
        .where(
            SR.neighborhood_code == code,
            or_(period.contains(SR.requested_datetime), SR.status == "open"),
        )
        .order_by(SR.requested_datetime, SR.service_request_id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
