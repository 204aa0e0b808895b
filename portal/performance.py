"""Per-agency and per-type performance tables (metric definitions in ``portal.metrics``)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from core.tables import service_types
from portal.metrics import (
    SMALL_SAMPLE,
    Period,
    backlog_age,
    cohort_counts,
    median_and_p90_days,
    within_target,
)
from portal.queries import SR

GROUPINGS = {"agency": "Agency", "service": "Request type"}
COLUMNS = [
    "group",
    "requests",
    "closed_n",
    "still_open",
    "median_days",
    "p90_days",
    "within_target",
    "target_n",
    "open_backlog",
    "backlog_median_age_days",
    "small_sample",
]


def _grouping(by: str) -> dict:
    if by == "agency":
        return {"g": func.coalesce(SR.agency_responsible, "(no agency)")}
    if by == "service":
        return {"g": func.coalesce(service_types.c.service_name, SR.service_name)}
    raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPINGS)}")


def _type_names(conn: Connection) -> dict[str, str] | None:
    """``{service_code: service_name}`` of ``service_types`` when no two codes share a name; else
    None (grouping by name must then merge codes)."""
    types = {
        code: name for code, name in conn.execute(select(service_types.c.service_code, service_types.c.service_name))
    }
    return types if len(set(types.values())) == len(types) else None


def _parts(conn: Connection, as_of: datetime, period: Period, groups: dict) -> dict[str, dict]:
    """Each column's figures by group key. The period's request counts come with what its median
    leaves out, and the open backlog with its median age (every request has a request time)."""
    median, p90 = median_and_p90_days(conn, period, groups=groups)
    cohort = cohort_counts(conn, period, groups=groups)
    age = backlog_age(conn, as_of, groups=groups)
    return {
        "requests": {key: n for key, (n, _, _) in cohort.items()},
        "left_out": {key: (still, undated) for key, (_, still, undated) in cohort.items()},
        "open_backlog": {key: n for key, (_, n) in age.items()},
        "median": median,
        "p90": p90,
        "target": within_target(conn, period, groups=groups),
        "age": age,
    }


def performance_table(conn: Connection, as_of: datetime, period: Period, by: str) -> pd.DataFrame:
    """One row per agency or request type: the requests received in the period, how many of
    them are marked closed (closed_n, with a days_to_close) and still open at ``as_of``; median
    and p90 days to close and share within target over those marked closed; the open backlog and
    its median age at ``as_of``. ``small_sample`` marks closed_n < 20."""
    groups, parts = _grouping(by), None
    if by == "service" and (names := _type_names(conn)) is not None:
        # Grouped by the indexed code (no join of every row to service_types), then named: the
        # same table whenever every code in it has a service_types row, as no two share a name.
        by_code = _parts(conn, as_of, period, {"g": SR.service_code})
        if all(key[0] in names for values in by_code.values() for key in values):
            parts = {part: {(names[key[0]],): v for key, v in values.items()} for part, values in by_code.items()}
    if parts is None:
        parts = _parts(conn, as_of, period, groups)
    keys = sorted(set().union(*parts.values()), key=lambda k: str(k[0]))
    rows = []
    for key in keys:
        med, closed_n = parts["median"].get(key, (None, 0))
        share, target_n = parts["target"].get(key, (None, 0))
        rows.append(
            {
                "group": key[0],
                "requests": parts["requests"].get(key, 0),
                "closed_n": closed_n,
                "still_open": parts["left_out"].get(key, (0, 0))[0],
                "median_days": med,
                "p90_days": parts["p90"].get(key, (None, 0))[0],
                "within_target": share,
                "target_n": target_n,
                "open_backlog": parts["open_backlog"].get(key, 0),
                "backlog_median_age_days": parts["age"].get(key, (None, 0))[0],
                "small_sample": closed_n < SMALL_SAMPLE,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("median_days", "p90_days", "within_target", "backlog_median_age_days"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")  # missing is NaN (shown blank), never "None"
    return frame.sort_values(["requests", "group"], ascending=[False, True], ignore_index=True)
