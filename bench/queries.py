"""Server-side data queries of each dashboard page, timed by calling the portal library directly.

Each page's group is the library calls its ``portal.cache`` functions make for the page's default
view (mirrored here without Streamlit, so nothing is served from a cache): the figure per page is
the median over runs of the group's total time, after one untimed warm-up pass. The target is
judged on ``view_only_ms``: the total less the lookups portal.cache keeps once per release
(``PER_RELEASE``), i.e. what a new view costs on a running server; both are reported. ``lookup`` is
``portal.queries.get_request`` for ids spread over the table (target: at most 5 ms).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

from sqlalchemy import select, text

from .measure import summary

PAGE_TARGET_MS = 150
LOOKUP_TARGET_MS = 5
EXPORT_LIMIT = 200_000  # pages/data.py EXPORT_LIMIT: the export is built only when downloaded (data:export)
PER_RELEASE = {
    "read_release",
    "vocabulary",
    "neighborhoods",
    "neighborhoods+geometry",
    "service_types",
    "list_releases",
}
# ^ lookups portal.cache keeps once per release version (the rest depends on the view, or is the version check)


def page_calls(url: str) -> dict[str, list[tuple[str, object]]]:
    """``{page: [(call, fn(conn))]}``: the calls each page makes for its default view."""
    from portal import brief, db, metrics, queries, summaries
    from portal.filters import Filters
    from portal.maps import POINT_LIMIT

    engine = db.make_engine(url)
    version = db.current_version(engine)
    rel = db.read_release(engine, version)
    as_of, tz, none = rel.as_of, rel.timezone, Filters()
    tracked = middle_id(engine)

    def clauses(conn, filters=none):
        return queries.filter_clauses(filters, as_of, tz, queries.service_targets(conn))

    def first_neighborhood(conn):
        found = queries.list_neighborhoods(conn)
        return found[0]["neighborhood_code"] if found else None

    def perf(by, days=30):
        return lambda c: summaries.performance_table(c, version, as_of, by, days)

    frame = [
        ("current_version", lambda c: db.current_version(engine)),
        ("read_release", lambda c: db.read_release(engine, version)),
    ]
    return {
        "home": [*frame, ("headline", lambda c: summaries.headline(c, version, as_of))],
        "map": [
            *frame,
            ("vocabulary", lambda c: queries.vocabulary(c, tz)),
            ("neighborhoods+geometry", lambda c: queries.list_neighborhoods(c, True)),
            ("service_types", queries.list_service_types),
            ("neighborhood_values:count", lambda c: summaries.neighborhood_values(c, version, clauses(c), "count")),
            (
                "map_points",
                lambda c: queries.map_points(
                    c, clauses(c), queries.overdue_clause(as_of, queries.service_targets(c)), POINT_LIMIT
                ),
            ),
            ("count", lambda c: summaries.count_where(c, version, clauses(c))),
        ],
        "map:heatmap": [("heat_cells", lambda c: queries.heat_cells(c, clauses(c)))],
        "map:median_days": [
            ("neighborhood_values:median_days", lambda c: queries.neighborhood_values(c, clauses(c), "median_days"))
        ],
        "map:backlog": [
            ("neighborhood_values:backlog", lambda c: queries.neighborhood_values(c, clauses(c), "backlog"))
        ],
        "track": [*frame, ("request", lambda c: _request(c, queries, metrics, as_of, tracked))],
        "neighborhood": [
            *frame,
            ("neighborhoods+geometry", lambda c: queries.list_neighborhoods(c, True)),
            (
                "brief",
                lambda c: brief.build_brief(
                    c,
                    as_of,
                    tz,
                    first_neighborhood(c),
                    30,
                    "Last 30 days",
                    summaries.citywide_days_to_close(c, version, as_of, 30),
                ),
            ),
            ("brief_rows", lambda c: brief.brief_rows(c, brief.period_for(c, as_of, 30), first_neighborhood(c))),
        ],
        "performance": [
            *frame,
            ("performance_table:agency", perf("agency")),
            ("performance_table:service", perf("service")),  # the chart of median against target by type
            ("service_types", queries.list_service_types),
        ],
        "performance:service": [("performance_table:service", perf("service"))],
        "performance:agency:90": [("performance_table:agency:90", perf("agency", 90))],
        "data": [
            *frame,
            ("list_releases", lambda c: db.list_releases(engine)),
            ("vocabulary", lambda c: queries.vocabulary(c, tz)),
            ("service_types", queries.list_service_types),
            ("neighborhoods", queries.list_neighborhoods),
            ("count", lambda c: summaries.count_where(c, version, clauses(c))),
        ],
        "data:export": [(f"export_rows:{EXPORT_LIMIT}", lambda c: queries.export_rows(c, clauses(c), EXPORT_LIMIT))],
    }


def middle_id(engine) -> str:
    """A request id from the middle of the table by id (the same one every run)."""
    with engine.connect() as conn:
        n = conn.execute(text("select count(*) from service_requests")).scalar()
        return conn.execute(
            text("select service_request_id from service_requests order by service_request_id limit 1 offset :o"),
            {"o": n // 2},
        ).scalar()


def _request(conn, queries, metrics, as_of, request_id):
    """What portal.cache.request does: the row (its id typed in lower case, so every candidate of
    portal.track.id_candidates is tried), whether it is overdue, the typical time for its type."""
    from portal.track import id_candidates

    row = queries.find_request(conn, id_candidates(request_id.lower()))
    overdue = queries.overdue_clause(as_of, queries.service_targets(conn))
    row["overdue"] = queries.count_where(conn, [queries.SR.service_request_id == request_id, overdue]) == 1
    row["typical"], row["typical_scope"] = metrics.typical_days(conn, row["service_code"], row["neighborhood_code"])
    return row


def time_pages(url: str, runs: int) -> dict:
    """``{page: {"total_ms": summary, "calls_ms": {call: summary}, "first_pass_ms": ...}}``."""
    from portal import db

    engine = db.make_engine(url)
    groups = page_calls(url)
    out = {}
    for page, calls in groups.items():
        per_call, totals, first = defaultdict(list), [], None
        for i in range(runs + 1):  # pass 0 warms the database's caches and is reported apart
            total = 0.0
            for name, fn in calls:
                with engine.connect() as conn:
                    t0 = time.perf_counter()
                    fn(conn)
                    ms = (time.perf_counter() - t0) * 1000
                total += ms
                if i:
                    per_call[name].append(ms)
            if i:
                totals.append(total)
            else:
                first = round(total, 2)
        view = [sum(per_call[k][i] for k in per_call if k not in PER_RELEASE) for i in range(runs)]
        out[page] = {
            "total_ms": summary(totals),
            "view_ms": summary(view),
            "first_pass_ms": first,
            "calls_ms": {k: summary(v) for k, v in per_call.items()},
        }
    engine.dispose()
    return out


def time_lookups(url: str, runs: int, ids: int = 50, seed: int = 5) -> dict:
    """get_request on ``ids`` ids spread over the table, and on an unknown id; medians per id over runs."""
    from core.tables import service_requests
    from portal import db, queries

    engine = db.make_engine(url)
    with engine.connect() as conn:
        every = conn.execute(select(service_requests.c.service_request_id)).scalars().all()
        chosen = random.Random(seed).sample(every, min(ids, len(every))) + ["no-such-id-0"]
        del every
        times = defaultdict(list)
        for _ in range(runs + 1):
            for request_id in chosen:
                t0 = time.perf_counter()
                queries.get_request(conn, request_id)
                times[request_id].append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    medians = [summary(v[1:])["median"] for v in times.values()]
    return {
        "ids": len(chosen),
        "median_ms": summary(medians)["median"],
        "max_of_medians_ms": max(medians),
        "per_id_median_ms": summary(medians),
    }


def rows_for(result: dict, lookups: dict | None, db_label: str) -> list[dict]:
    rows = []
    for page, r in result.items():
        target = PAGE_TARGET_MS if ":" not in page else None
        slowest = max(r["calls_ms"].items(), key=lambda kv: kv[1]["median"])
        rows.append(
            {
                "db": db_label,
                "page": page,
                "median_ms": r["total_ms"]["median"],
                "view_only_ms": r["view_ms"]["median"],
                "target_ms": target,
                "ok": None if target is None else r["view_ms"]["median"] <= target,
                "first_pass_ms": r["first_pass_ms"],
                "slowest_call": f"{slowest[0]} {slowest[1]['median']:.1f} ms",
            }
        )
    if lookups:
        rows.append(
            {
                "db": db_label,
                "page": "lookup by id",
                "median_ms": lookups["median_ms"],
                "view_only_ms": None,
                "target_ms": LOOKUP_TARGET_MS,
                "ok": lookups["median_ms"] <= LOOKUP_TARGET_MS,
                "first_pass_ms": None,
                "slowest_call": f"max of per-id medians {lookups['max_of_medians_ms']:.2f} ms",
            }
        )
    return rows
