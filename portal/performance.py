"""Per-agency and per-type performance tables (metric definitions in ``portal.metrics``)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from core.tables import service_types
from portal.html import Column
from portal.i18n import N_, Translator
from portal.metrics import (
    SMALL_SAMPLE,
    Period,
    backlog_age,
    cohort_counts,
    median_and_p90_days,
    within_target,
)
from portal.queries import SR

GROUPINGS = {"agency": N_("Agency"), "service": N_("Request type")}
NO_AGENCY = N_("(no agency)")  # the group of requests without an agency (translated where shown)
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
        return {"g": func.coalesce(SR.agency_responsible, NO_AGENCY)}
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


def display(table: pd.DataFrame, tr: Translator, group_label: str) -> tuple[list, list[dict]]:
    """The table in the visitor's language: ``(html.Column list, rows of display strings)``;
    counts with thousands separators, days with one decimal, shares as percentages with one
    decimal, "—" where there is no value, and small samples said in words."""
    _ = tr._
    columns = [
        Column("group", group_label),
        Column("requests", _("Requests"), True),
        Column("closed_n", _("Closed (n)"), True),
        Column("still_open", _("Still open"), True),
        Column("median_days", _("Median days"), True),
        Column("p90_days", _("p90 days"), True),
        Column("within_target", _("Within target"), True),
        Column("open_backlog", _("Open backlog"), True),
        Column("backlog_median_age_days", _("Backlog median age (days)"), True),
        Column("note", _("Note")),
    ]
    rows = [
        {
            "group": tr._(NO_AGENCY) if r.group == NO_AGENCY else str(r.group),
            **{k: tr.number(getattr(r, k)) for k in ("requests", "closed_n", "still_open", "open_backlog")},
            **{k: tr.decimal(getattr(r, k)) for k in ("median_days", "p90_days", "backlog_median_age_days")},
            "within_target": tr.percent(r.within_target),
            "note": _("small sample") if r.small_sample else "",
        }
        for r in table.itertuples()
    ]
    return columns, rows
