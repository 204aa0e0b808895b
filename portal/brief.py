"""The neighborhood brief: the numbers behind the neighborhood page, its PDF, PNG and CSV.

The period ends at the release's last request (``metrics.latest_period``). Its medians and
shares are over the neighborhood's requests received in the period (the cohort); the backlog,
overdue and oldest open requests are at data_through. The rows behind a brief are the
neighborhood's requests received in the period or open at data_through; ``brief_rows`` returns
exactly them. The chart's bars cover exactly the period: together they count its new requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Connection

from core.tables import neighborhoods, service_requests
from portal.metrics import (
    NO_DATA,
    Measure,
    Period,
    days_to_close,
    latest_period,
    share_within_target,
)
from portal.queries import SR, overdue_clause, requested_span, service_targets
from portal.timefmt import days_between, local_date

TOP_TYPES = 10
OLDEST_OPEN = 10
MAX_WEEKS = 104
OPEN_POINTS = 2000  # open requests drawn on the brief's map (more: the oldest are drawn)
CAVEATS = ["closed", "median", "backlog", "n"]  # definitions (portal.definitions) shown under the brief
SLACK = 1e-5  # of a bucket: a whole release starts a second before its first request, still whole weeks


@dataclass(frozen=True)
class Bucket:
    """One bar of the brief's chart: the requests received in ``(start, end]`` (naive UTC),
    ``first_day`` and ``last_day`` its local calendar days."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date
    n: int

    @property
    def days(self) -> float:
        return days_between(self.start, self.end)


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
    weekly: list[Bucket]
    bucket_days: int = 7
    caveats: list[str] = field(default_factory=lambda: list(CAVEATS))
    as_of: datetime | None = None  # data_through
    open_points: list[dict] = field(default_factory=list)  # open requests with a point: lat, long, overdue

    @property
    def partial_first(self) -> Bucket | None:
        """The first bar when it covers less than ``bucket_days`` (the period is not whole weeks)."""
        first = self.weekly[0] if self.weekly else None
        return first if first is not None and first.days < self.bucket_days * (1 - SLACK) else None


def period_for(conn: Connection, as_of: datetime, days: int | None) -> Period:
    """The ``days`` days ending at the release's last request; ``None``: every request."""
    return latest_period(conn, as_of, days)


def trend_counts(conn: Connection, period: Period, tz: str, where=()) -> tuple[int, list[Bucket]]:
    """Requests per bucket over exactly the part of ``period`` in which the release has requests.

    Buckets are 7 days (wider, in whole weeks, when that would exceed MAX_WEEKS buckets) ending at
    the last request in the period; the oldest is cut at the period's start, so it may be shorter
    (``Brief.partial_first``) and the buckets together count exactly the period's requests.
    Returns ``(bucket days, buckets oldest first)``. Buckets are computed in SQL with one CASE over
    bound edges, then grouped in an outer query.
    """
    first, last = requested_span(conn)
    end = min(period.end, last) if last else period.end
    start = max(period.start, first - timedelta(seconds=1)) if first else period.start
    span = days_between(start, end)
    weeks = max(math.ceil(span / 7 - SLACK), 1)
    days = 7 * math.ceil(weeks / MAX_WEEKS)
    n = max(math.ceil(span / days - SLACK), 1)
    edges = [end - timedelta(days=days * (i + 1)) for i in range(n - 1)] + [start]  # the oldest starts the period
    bucket = case(*[(SR.requested_datetime > edge, i) for i, edge in enumerate(edges)])
    inner = (
        select(bucket.label("b")).where(SR.requested_datetime > start, SR.requested_datetime <= end, *where).subquery()
    )
    counts = {int(b): int(c) for b, c in conn.execute(select(inner.c.b, func.count()).group_by(inner.c.b))}
    uppers = [end, *edges[:-1]]
    buckets = [
        Bucket(
            edges[i],
            uppers[i],
            local_date(edges[i] + timedelta(seconds=1), tz),
            local_date(uppers[i], tz),
            counts.get(i, 0),
        )
        for i in reversed(range(n))
    ]
    return days, buckets


def _open_points(conn: Connection, here, overdue) -> list[dict]:
    query = (
        select(SR.lat, SR.long, case((overdue, True), else_=False).label("overdue"))
        .where(here, SR.status == "open", SR.lat.is_not(None), SR.long.is_not(None))
        .order_by(SR.requested_datetime)
        .limit(OPEN_POINTS)
    )
    return [
        {"lat": float(r["lat"]), "long": float(r["long"]), "overdue": bool(r["overdue"])}
        for r in conn.execute(query).mappings()
    ]


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


def _oldest_open(conn: Connection, as_of: datetime, here, overdue) -> list[dict]:
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
            "requested": r["requested_datetime"],
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
    bucket_days, trend = trend_counts(conn, period, tz, [here])
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
        oldest_open=_oldest_open(conn, as_of, here, overdue),
        median_local=days_to_close(conn, period, [here]).get((), NO_DATA),
        median_city=median_city or days_to_close(conn, period).get((), NO_DATA),
        within_local=share_within_target(conn, period, [here]).get((), NO_DATA),
        weekly=trend,
        bucket_days=bucket_days,
        as_of=as_of,
        open_points=_open_points(conn, here, overdue),
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
