"""Per-agency and per-type performance tables (metric definitions in ``portal.metrics``)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from portal.metrics import (
    SMALL_SAMPLE, WITH_TYPES, Period, backlog_age, left_out, median_and_p90_days, within_target,
)
from portal.queries import SR
from portal.tables import service_types

GROUPINGS = {"agency": "Agency", "service": "Request type"}
COLUMNS = [
    "group", "requests", "closed_n", "still_open", "median_days", "p90_days", "within_target",
    "target_n", "open_backlog", "backlog_median_age_days", "small_sample",
]


def _grouping(by: str) -> dict:
    if by == "agency":
        return {"g": func.coalesce(SR.agency_responsible, "(no agency)")}
    if by == "service":
        return {"g": func.coalesce(service_types.c.service_name, SR.service_name)}
    raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPINGS)}")


def _type_names(conn: Connection) -> dict[str, str] | None:
    """``{service_code: service_name}`` when grouping by type name is the same as grouping by
    code (every code of the requests has a service_types row, and no two codes share a name);
    else None. Grouping by the indexed code avoids joining every row to service_types."""
    types = {code: name for code, name in conn.execute(select(service_types.c.service_code, service_types.c.service_name))}
    if len(set(types.values())) != len(types):
        return None
    codes = conn.execute(select(SR.service_code).distinct()).scalars().all()
    return types if all(code in types for code in codes) else None


def _counts(conn: Connection, groups: dict, *where) -> dict:
    # group in an outer query: the coalesce above carries a bound parameter
    inner = select(*[e.label(k) for k, e in groups.items()]).select_from(WITH_TYPES).where(*where).subquery()
    query = select(inner.c.g, func.count()).group_by(inner.c.g)
    return {(g,): int(n) for g, n in conn.execute(query)}


def performance_table(conn: Connection, as_of: datetime, period: Period, by: str) -> pd.DataFrame:
    """One row per agency or request type: the requests received in the period, how many of
    them are marked closed (closed_n, with a days_to_close) and still open at ``as_of``; median
    and p90 days to close and share within target over those marked closed; the open backlog and
    its median age at ``as_of``. ``small_sample`` marks closed_n < 20."""
    groups, names = _grouping(by), None
    if by == "service":
        names = _type_names(conn)
        if names is not None:
            groups = {"g": SR.service_code}
    median, p90 = median_and_p90_days(conn, period, groups=groups)
    parts = {
        "requests": _counts(conn, groups, period.contains(SR.requested_datetime)),
        "left_out": left_out(conn, period, groups=groups),
        "open_backlog": _counts(conn, groups, SR.status == "open"),
        "median": median,
        "p90": p90,
        "target": within_target(conn, period, groups=groups),
        "age": backlog_age(conn, as_of, groups=groups),
    }
    if names is not None:  # code -> its name (one code per name, so no two groups merge)
        parts = {part: {(names[key[0]],): v for key, v in values.items()} for part, values in parts.items()}
    keys = sorted(set().union(*parts.values()), key=lambda k: str(k[0]))
    rows = []
    for key in keys:
        med, closed_n = parts["median"].get(key, (None, 0))
        share, target_n = parts["target"].get(key, (None, 0))
        rows.append({
            "group": key[0], "requests": parts["requests"].get(key, 0), "closed_n": closed_n,
            "still_open": parts["left_out"].get(key, (0, 0))[0],
            "median_days": med, "p90_days": parts["p90"].get(key, (None, 0))[0],
            "within_target": share, "target_n": target_n,
            "open_backlog": parts["open_backlog"].get(key, 0),
            "backlog_median_age_days": parts["age"].get(key, (None, 0))[0],
            "small_sample": closed_n < SMALL_SAMPLE,
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("median_days", "p90_days", "within_target", "backlog_median_age_days"):
        frame[col] = pd.to_numeric(frame[col]).astype("float64")  # missing is NaN (shown blank), never "None"
    return frame.sort_values(["requests", "group"], ascending=[False, True], ignore_index=True)
