"""The portal's headline metrics, defined once and computed in the database.

Definitions (shown on the pages too, see ``DEFINITIONS``):

* **Data current through** is ``releases.data_through``: the latest time in the data, never the
  wall clock. All ages and "overdue" are measured at that instant (``as_of``).
* **Latest period**: the 30 days ending at data_through, i.e. ``(as_of - 30 days, as_of]``.
* **New requests**: requests whose ``requested_datetime`` falls in the period.
* **Open backlog**: all requests with status 'open', whenever they were requested.
* **Median days to close**: median of ``days_to_close`` over requests whose
  ``closed_datetime`` falls in the period (rows without days_to_close are left out). With an even
  count it is the average of the two middle values. "Closed" only means *marked* closed.
* **Share within target**: among requests closed in the period whose type has ``target_days``,
  the share with ``days_to_close <= target_days``.
* **p90 days to close**: the nearest-rank 90th percentile, the value at rank ``ceil(0.9 n)``.
* **Overdue**: open and (``expected_datetime`` < data_through, or, when the type has a target,
  ``requested_datetime + target_days`` < data_through).
* **Backlog age**: median age at data_through of the open requests, in days.
* Every median and share comes with its sample size n; n < 20 is flagged as a small sample.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from portal.queries import SR, overdue_clause, service_targets
from portal.sqlstats import median_by, nearest_rank_by
from portal.tables import service_requests, service_types
from portal.timefmt import days_between

PERIOD_DAYS = 30
SMALL_SAMPLE = 20
P90 = 90

DEFINITIONS = {
    "new": "Requests received in the period.",
    "backlog": "All requests still open at the data's end, whenever they were received.",
    "median": "Median days from request to being marked closed, over requests marked closed in "
              "the period (average of the two middle values when n is even).",
    "target": "Share of requests marked closed in the period within their type's target days "
              "(types without a target are left out).",
    "p90": "90th percentile by nearest rank: the value at rank ceil(0.9 × n).",
    "overdue": "Open and past the city's expected date, or older than the type's target days.",
    "backlog_age": "Median age of the open requests at the data's end, in days.",
    "closed": "'Closed' only means the agency marked the request closed, not that the problem "
              "was fixed.",
}

WITH_TYPES = service_requests.outerjoin(
    service_types, service_types.c.service_code == SR.service_code)
TARGET = service_types.c.target_days


@dataclass(frozen=True)
class Measure:
    """A median or share with its sample size."""

    value: float | None
    n: int

    @property
    def small(self) -> bool:
        return self.n < SMALL_SAMPLE


@dataclass(frozen=True)
class Period:
    start: datetime  # exclusive, naive UTC
    end: datetime  # inclusive, naive UTC

    @classmethod
    def ending(cls, as_of: datetime, days: int | None = PERIOD_DAYS) -> "Period":
        """The ``days`` days ending at ``as_of``; ``None`` means everything up to ``as_of``."""
        return cls(as_of - timedelta(days=days) if days else datetime(1900, 1, 1), as_of)

    def contains(self, column):
        return and_(column > self.start, column <= self.end)


@dataclass(frozen=True)
class Headline:
    period: Period
    new_requests: int
    open_backlog: int
    overdue: int
    median_days: Measure
    within_target: Measure


def _one(result: dict, key=()) -> Measure:
    value, n = result.get(key, (None, 0))
    return Measure(value, n)


def median_days(conn: Connection, period: Period, where=(), groups=None) -> dict:
    """``{key: (median days_to_close, n)}`` over requests closed in ``period``."""
    return median_by(conn, SR.days_to_close, from_=WITH_TYPES, groups=groups,
                     where=[period.contains(SR.closed_datetime), *where])


def p90_days(conn: Connection, period: Period, where=(), groups=None) -> dict:
    return nearest_rank_by(conn, SR.days_to_close, P90, from_=WITH_TYPES, groups=groups,
                           where=[period.contains(SR.closed_datetime), *where])


def within_target(conn: Connection, period: Period, where=(), groups=None) -> dict:
    """``{key: (share within target, n)}`` over requests closed in ``period`` with a target."""
    groups = groups or {}
    hit = case((SR.days_to_close <= TARGET, 1), else_=0)
    inner = select(*[e.label(k) for k, e in groups.items()], hit.label("hit")).select_from(
        WITH_TYPES).where(period.contains(SR.closed_datetime), TARGET.is_not(None),
                          SR.days_to_close.is_not(None), *where).subquery("closed")
    keys = [inner.c[k] for k in groups]
    query = select(*keys, func.count(), func.sum(inner.c.hit))
    if keys:  # grouped in an outer query: PostgreSQL and bound parameters in GROUP BY
        query = query.group_by(*keys)
    out = {}
    for row in conn.execute(query):
        key, n, hits = tuple(row[: len(keys)]), int(row[-2]), row[-1]
        if n:
            out[key] = (int(hits) / n, n)
    return out


def backlog_age(conn: Connection, as_of: datetime, where=(), groups=None) -> dict:
    """``{key: (median age in days of open requests at as_of, n)}``."""
    return median_by(conn, SR.requested_datetime, from_=WITH_TYPES, groups=groups,
                     where=[SR.status == "open", *where],
                     transform=lambda requested: days_between(requested, as_of))


def _count(conn: Connection, *where) -> int:
    query = select(func.count()).select_from(service_requests).where(*where)
    return int(conn.execute(query).scalar())


def headline(conn: Connection, as_of: datetime, where=()) -> Headline:
    """The headline numbers for the latest period (optionally restricted by ``where``)."""
    period = Period.ending(as_of)
    overdue = overdue_clause(as_of, service_targets(conn))
    return Headline(
        period=period,
        new_requests=_count(conn, period.contains(SR.requested_datetime), *where),
        open_backlog=_count(conn, SR.status == "open", *where),
        overdue=_count(conn, overdue, *where),
        median_days=_one(median_days(conn, period, where)),
        within_target=_one(within_target(conn, period, where)),
    )


def typical_days(conn: Connection, service_code: str, neighborhood_code: str | None) -> tuple[Measure, str]:
    """Median days to close of this type in this neighborhood over the whole release.

    Falls back to the type citywide when the neighborhood has no closed request of the type.
    Returns the measure and where it was measured ("neighborhood" or "citywide").
    """
    everything = Period(datetime(1900, 1, 1), datetime(9999, 1, 1))
    same_type = [SR.service_code == service_code]
    if neighborhood_code:
        local = _one(median_days(conn, everything, [*same_type, SR.neighborhood_code == neighborhood_code]))
        if local.n:
            return local, "neighborhood"
    return _one(median_days(conn, everything, same_type)), "citywide"
