"""Figures that are fixed for a release, computed once when it is loaded (table ``summaries``).

The home page's headline, the Performance page's default tables and the unfiltered counts (the
Map and Data pages' default view) depend on nothing but the release, yet each reads most of the
table. ``compute`` runs the live functions
(``metrics.headline``, ``performance.performance_table``, ``queries.count_where``) at load time,
in the load's transaction, and stores their results as JSON (floats round-trip exactly); the
readers here return the stored figures for the release they are asked about, and fall back to
the live computation when there are none (a database loaded before this table existed, or a
period that is not precomputed). Every number is therefore exactly the live one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager as ContextManager
from datetime import datetime
from functools import partial

import pandas as pd
from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.engine import Connection

from core.tables import summaries
from portal import metrics, performance, queries
from portal.db import data_through, parse_utc_naive
from portal.metrics import Headline, Measure, Period

PERFORMANCE_PERIODS = (30,)  # the Performance page's default period; longer ones stay live
INT_COLUMNS = ["requests", "closed_n", "still_open", "target_n", "open_backlog"]
FLOAT_COLUMNS = ["median_days", "p90_days", "within_target", "backlog_median_age_days"]


def _performance_name(by: str, days: int | None) -> str:
    return f"performance:{by}:{days or 'all'}"


def _encode_headline(head: Headline) -> str:
    measure = lambda m: [m.value, m.n, m.still_open, m.undated]  # noqa: E731
    return json.dumps(
        {
            "period": [head.period.start.isoformat(), head.period.end.isoformat()],
            "counts": [head.new_requests, head.open_backlog, head.overdue],
            "median_days": measure(head.median_days),
            "within_target": measure(head.within_target),
        }
    )


def _decode_headline(payload: str) -> Headline:
    data = json.loads(payload)
    start, end = (datetime.fromisoformat(t) for t in data["period"])
    new, backlog, overdue = data["counts"]
    return Headline(
        Period(start, end), new, backlog, overdue, Measure(*data["median_days"]), Measure(*data["within_target"])
    )


def _encode_frame(frame: pd.DataFrame) -> str:
    rows = [
        [None if isinstance(v, float) and v != v else v for v in row]
        for row in frame.astype(object).itertuples(index=False, name=None)
    ]
    return json.dumps({"columns": list(frame.columns), "rows": rows}, default=lambda v: v.item())


def _decode_frame(payload: str) -> pd.DataFrame:
    data = json.loads(payload)
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    for col in INT_COLUMNS:
        frame[col] = frame[col].astype("int64")
    for col in FLOAT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col]).astype("float64")
    frame["small_sample"] = frame["small_sample"].astype(bool)
    return frame


def _counts(conn: Connection) -> str:
    # the unfiltered map and row count (the Map and Data pages' default view)
    return json.dumps(
        {"all": queries.count_where(conn, []), "by_neighborhood": queries.counts_by_neighborhood(conn, [])}
    )


def _performance(conn: Connection, as_of: datetime, by: str, days: int) -> str:
    period = metrics.latest_period(conn, as_of, days)
    return _encode_frame(performance.performance_table(conn, as_of, period, by))


def _jobs(as_of: datetime) -> list[tuple[str, Callable[[Connection], str]]]:
    """``(name, function of a connection giving its payload)`` for every precomputed figure."""
    jobs = [("headline", lambda conn: _encode_headline(metrics.headline(conn, as_of))), ("counts", _counts)]
    for by in performance.GROUPINGS:
        for days in PERFORMANCE_PERIODS:
            jobs.append((_performance_name(by, days), partial(_performance, as_of=as_of, by=by, days=days)))
    return jobs


def compute(conn: Connection, as_of: datetime) -> dict[str, str]:
    """``{name: payload}``: every precomputed figure of the release in ``conn``."""
    return {name: job(conn) for name, job in _jobs(as_of)}


def compute_in_threads(
    connect: Callable[[], ContextManager[Connection]], as_of: datetime, threads: int = 2
) -> dict[str, str]:
    """``compute``, its figures shared among ``threads`` threads, each on its own connection
    (``connect()``), for a committed database that nothing writes to meanwhile. The databases
    run the queries in parallel (the SQLite driver lets go of the GIL while a query runs)."""
    jobs = _jobs(as_of)
    pending = list(reversed(jobs))
    out: dict[str, str] = {}
    lock = threading.Lock()

    def work() -> None:
        with connect() as conn:
            while True:
                with lock:
                    if not pending:
                        return
                    name, job = pending.pop()
                payload = job(conn)
                with lock:
                    out[name] = payload

    with ThreadPoolExecutor(threads) as pool:
        for done in [pool.submit(work) for _ in range(threads)]:
            done.result()
    return {name: out[name] for name, _ in jobs}


def store(conn: Connection, version: str, as_of: datetime, payloads: dict[str, str] | None = None) -> None:
    """Replace the stored figures with those of release ``version`` (the rows in ``conn``), or with
    ``payloads`` computed from them already."""
    payloads = compute(conn, as_of) if payloads is None else payloads
    rows = [{"version": version, "name": name, "payload_json": payload} for name, payload in payloads.items()]
    conn.execute(delete(summaries))
    conn.execute(insert(summaries), rows)


def store_release(conn: Connection, version: str, through: str | None, connect=None) -> None:
    """Compute and store the figures of release ``version``, whose rows and lookups are in
    ``conn``'s transaction, so that they commit (or roll back) with them; ``through`` is its
    ``data_through``. The ETL calls this when it loads a release (registered in pyproject.toml,
    see core/figures.py). With ``connect``, for a committed database that nothing else writes to,
    two threads compute them, each on its own connection (``connect()``), and ``conn`` stores them."""
    as_of = parse_utc_naive(data_through(conn, through))
    store(conn, version, as_of, compute_in_threads(connect, as_of) if connect else None)


def stored(conn: Connection, version: str, name: str) -> str | None:
    """The stored payload ``name`` of release ``version``, or None."""
    if not inspect(conn).has_table(summaries.name):
        return None
    c = summaries.c
    return conn.execute(select(c.payload_json).where(c.version == version, c.name == name)).scalar()


def headline(conn: Connection, version: str, as_of: datetime) -> Headline:
    """``metrics.headline(conn, as_of)``, read from the summary when the release has one."""
    payload = stored(conn, version, "headline")
    return _decode_headline(payload) if payload else metrics.headline(conn, as_of)


def performance_table(conn: Connection, version: str, as_of: datetime, by: str, days: int | None) -> pd.DataFrame:
    """``performance.performance_table`` for the period of ``days`` ending at the last request
    (None: the whole release), read from the summary when it holds that table."""
    performance._grouping(by)  # an unknown grouping raises, stored or not
    payload = stored(conn, version, _performance_name(by, days))
    if payload:
        return _decode_frame(payload)
    return performance.performance_table(conn, as_of, metrics.latest_period(conn, as_of, days), by)


def citywide_days_to_close(conn: Connection, version: str, as_of: datetime, days: int | None) -> Measure | None:
    """The citywide median days to close of the latest ``days`` days when it is stored (the
    headline's, for its period); None otherwise (the caller computes it live)."""
    if days != metrics.PERIOD_DAYS:
        return None
    payload = stored(conn, version, "headline")
    return _decode_headline(payload).median_days if payload else None


def count_where(conn: Connection, version: str, clauses: list) -> int:
    """``queries.count_where``; with no clauses (every row) read from the summary when stored."""
    payload = None if clauses else stored(conn, version, "counts")
    return json.loads(payload)["all"] if payload else queries.count_where(conn, clauses)


def neighborhood_values(
    conn: Connection, version: str, clauses: list, measure: str
) -> dict[str, tuple[float | None, int]]:
    """``queries.neighborhood_values``; the count of every row per neighborhood read from the
    summary when stored."""
    payload = stored(conn, version, "counts") if measure == "count" and not clauses else None
    if payload:
        return {code: (float(n), n) for code, n in json.loads(payload)["by_neighborhood"].items()}
    return queries.neighborhood_values(conn, clauses, measure)
