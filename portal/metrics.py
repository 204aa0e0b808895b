"""The portal's headline metrics, defined once and computed in the database.

Definitions (shown on the pages too, see ``DEFINITIONS``):

* **Data current through** is ``releases.data_through``: the latest update or close time in the
  data, never the wall clock. The backlog, its age and "overdue" are measured at that instant
  (``as_of``).
* **Latest period** ("the latest 30 days of requests"): the 30 days ending at the latest
  ``requested_datetime`` in the release, i.e. ``(last request - 30 days, last request]``. A
  release's data often runs on after its last request (late updates and closures); ending the
  period at the last request keeps it full of requests on any extract. The longer periods of the
  Neighborhood and Performance pages end there too; "Whole release" is every request.
* **New requests**: requests whose ``requested_datetime`` falls in the period (the period's
  *cohort*).
* **Open backlog**: all requests with status 'open' at data_through, whenever they were requested.
* **Median days to close**: median of ``days_to_close`` over the cohort's requests that are
  marked closed (status 'closed' with a ``days_to_close``). With an even count it is the average
  of the two middle values. "Closed" only means *marked* closed. The cohort's requests still
  open at data_through, and those marked closed without a usable close date, are not counted;
  every median is shown with its n and with how many were left out ("n = 4,417 closed; 580
  still open, not counted"). While many are still open, the median understates the time to
  close.
* **Share within target**: among the cohort's requests marked closed whose type has
  ``target_days``, the share with ``days_to_close <= target_days`` (n and the left-out counts
  are over types with a target).
* **p90 days to close**: over the same requests as the median, the nearest-rank 90th percentile,
  the value at rank ``ceil(0.9 n)``.
* **Overdue**: open and (``expected_datetime`` < data_through, or, when the type has a target,
  ``requested_datetime + target_days`` < data_through).
* **Backlog age**: median age at data_through of the open requests, in days.
* Every median and share comes with its sample size n; n < 20 is flagged as a small sample.

The same definitions in the words the pages show under the numbers: ``portal.definitions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from core.tables import service_requests, service_types
from portal.queries import SR, overdue_clause, requested_span, service_targets
from portal.sqlstats import median_and_rank_by, median_by, median_of_ordered_by, nearest_rank_by
from portal.timefmt import days_between

PERIOD_DAYS = 30
SMALL_SAMPLE = 20
P90 = 90

WITH_TYPES = service_requests.outerjoin(service_types, service_types.c.service_code == SR.service_code)
TARGET = service_types.c.target_days


@dataclass(frozen=True)
class Measure:
    """A median or share with its sample size n and the requests it leaves out: those of the
    period still open at data_through, and those marked closed without a usable close date."""

    value: float | None
    n: int
    still_open: int = 0
    undated: int = 0

    @property
    def small(self) -> bool:
        return self.n < SMALL_SAMPLE


NO_DATA = Measure(None, 0)


@dataclass(frozen=True)
class Period:
    start: datetime  # exclusive, naive UTC
    end: datetime  # inclusive, naive UTC

    @classmethod
    def ending(cls, end: datetime, days: int | None = PERIOD_DAYS) -> Period:
        """The ``days`` days ending at ``end``; ``None`` means everything up to ``end``."""
        return cls(end - timedelta(days=days) if days else datetime(1900, 1, 1), end)

    def contains(self, column):
        return and_(column > self.start, column <= self.end)


def latest_period(conn: Connection, as_of: datetime, days: int | None = PERIOD_DAYS) -> Period:
    """The ``days`` days ending at the release's last ``requested_datetime``; ``None``: every
    request of the release. ``as_of`` (data_through) is only the end of an empty release."""
    first, last = requested_span(conn)
    end = last or as_of
    if days:
        return Period.ending(end, days)
    return Period((first or end) - timedelta(seconds=1), end)


@dataclass(frozen=True)
class Headline:
    period: Period
    new_requests: int
    open_backlog: int
    overdue: int
    median_days: Measure
    within_target: Measure


def _cohort(period: Period, where, *more) -> list:
    """Requests received in ``period`` (and matching ``where`` and ``more``)."""
    return [period.contains(SR.requested_datetime), *more, *where]


def median_days(conn: Connection, period: Period, where=(), groups=None) -> dict:
    """``{key: (median days_to_close, n)}`` over requests received in ``period`` and marked closed."""
    return median_by(
        conn, SR.days_to_close, from_=WITH_TYPES, groups=groups, where=_cohort(period, where, SR.status == "closed")
    )


def p90_days(conn: Connection, period: Period, where=(), groups=None) -> dict:
    return nearest_rank_by(
        conn,
        SR.days_to_close,
        P90,
        from_=WITH_TYPES,
        groups=groups,
        where=_cohort(period, where, SR.status == "closed"),
    )


def median_and_p90_days(conn: Connection, period: Period, where=(), groups=None) -> tuple[dict, dict]:
    """``(median_days(...), p90_days(...))`` from one query."""
    return median_and_rank_by(
        conn,
        SR.days_to_close,
        P90,
        from_=WITH_TYPES,
        groups=groups,
        where=_cohort(period, where, SR.status == "closed"),
    )


def within_target(conn: Connection, period: Period, where=(), groups=None) -> dict:
    """``{key: (share within target, n)}`` over requests received in ``period``, marked closed,
    whose type has a target."""
    groups = groups or {}
    hit = case((SR.days_to_close <= TARGET, 1), else_=0)
    inner = (
        select(*[e.label(k) for k, e in groups.items()], hit.label("hit"))
        .select_from(WITH_TYPES)
        .where(*_cohort(period, where, SR.status == "closed", TARGET.is_not(None), SR.days_to_close.is_not(None)))
        .subquery("closed")
    )
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


def left_out(conn: Connection, period: Period, where=(), groups=None, targeted: bool = False) -> dict:
    """``{key: (still open, closed without days_to_close)}`` among the requests received in
    ``period`` (only types with a target when ``targeted``): what a median or share leaves out."""
    return {
        key: (still, undated)
        for key, (_, still, undated) in cohort_counts(conn, period, where, groups, targeted).items()
    }


def cohort_counts(conn: Connection, period: Period, where=(), groups=None, targeted: bool = False) -> dict:
    """``{key: (requests, still open, closed without days_to_close)}`` over the requests received
    in ``period`` (only types with a target when ``targeted``); groups without any are left out."""
    groups = groups or {}
    still = case((SR.status == "open", 1), else_=0)
    undated = case((and_(SR.status == "closed", SR.days_to_close.is_(None)), 1), else_=0)
    more = [TARGET.is_not(None)] if targeted else []
    inner = (
        select(*[e.label(k) for k, e in groups.items()], still.label("still"), undated.label("undated"))
        .select_from(WITH_TYPES)
        .where(*_cohort(period, where, *more))
        .subquery("cohort")
    )
    keys = [inner.c[k] for k in groups]
    query = select(*keys, func.count(), func.sum(inner.c.still), func.sum(inner.c.undated))
    if keys:
        query = query.group_by(*keys)
    return {
        tuple(row[: len(keys)]): (int(row[-3]), int(row[-2]), int(row[-1])) for row in conn.execute(query) if row[-3]
    }


def _measures(found: dict, skipped: dict) -> dict:
    return {key: Measure(*found.get(key, (None, 0)), *skipped.get(key, (0, 0))) for key in {*found, *skipped}}


def days_to_close(conn: Connection, period: Period, where=(), groups=None) -> dict[tuple, Measure]:
    """``{key: Measure}``: the median days to close with n and what it leaves out."""
    return _measures(median_days(conn, period, where, groups), left_out(conn, period, where, groups))


def share_within_target(conn: Connection, period: Period, where=(), groups=None) -> dict[tuple, Measure]:
    """``{key: Measure}``: the share within target with n and what it leaves out."""
    return _measures(within_target(conn, period, where, groups), left_out(conn, period, where, groups, targeted=True))


def backlog_age(conn: Connection, as_of: datetime, where=(), groups=None) -> dict:
    """``{key: (median age in days of open requests at as_of, n)}``."""
    # the open requests come in request-time order from their index (ix_sr_open)
    return median_of_ordered_by(
        conn,
        SR.requested_datetime,
        from_=WITH_TYPES,
        groups=groups,
        where=[SR.status == "open", *where],
        transform=lambda requested: days_between(requested, as_of),
    )


def _count(conn: Connection, *where) -> int:
    query = select(func.count()).select_from(service_requests).where(*where)
    return int(conn.execute(query).scalar())


def headline(conn: Connection, as_of: datetime, where=()) -> Headline:
    """The headline numbers: the latest period's cohort, and the backlog at ``as_of``
    (data_through); optionally restricted by ``where``."""
    period = latest_period(conn, as_of)
    overdue = overdue_clause(as_of, service_targets(conn))
    return Headline(
        period=period,
        new_requests=_count(conn, *_cohort(period, where)),
        open_backlog=_count(conn, SR.status == "open", *where),
        overdue=_count(conn, overdue, *where),
        median_days=days_to_close(conn, period, where).get((), NO_DATA),
        within_target=share_within_target(conn, period, where).get((), NO_DATA),
    )


def typical_days(conn: Connection, service_code: str, neighborhood_code: str | None) -> tuple[Measure, str]:
    """Median days to close of this type in this neighborhood over the whole release.

    Falls back to the type citywide when the neighborhood has no closed request of the type.
    Returns the measure and where it was measured ("neighborhood" or "citywide").
    """
    everything = Period(datetime(1900, 1, 1), datetime(9999, 1, 1))
    same_type = [SR.service_code == service_code]
    if neighborhood_code:
        local = days_to_close(conn, everything, [*same_type, SR.neighborhood_code == neighborhood_code])
        if local.get((), NO_DATA).n:
            return local[()], "neighborhood"
    return days_to_close(conn, everything, same_type).get((), NO_DATA), "citywide"
