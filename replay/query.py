"""The small query language the loopback sources understand, shared by every wire format.

Conditions are ``field op literal`` joined by ``AND``: SoQL's ``$where``
(``resolution_action_updated_date >= '2023-02-28T10:00:00.000'``, ``:updated_at > '...Z'``), the
``WHERE`` of CKAN's ``datastore_search_sql`` (``"CreatedDate" >= '2017-12-27T13:00:00'``) and ArcGIS's
``where`` (``UpdatedDate >= TIMESTAMP '2017-12-28 05:00:00'``, ``1=1``). Orders are ``field [ASC|DESC]``
lists. Anything else is refused with a message, as a real server refuses what it cannot parse.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import UTC, tzinfo

import numpy as np
import pandas as pd

FIELD = r"""(?:"(?P<quoted>[^"]+)"|(?P<field>[:@\w.]+))"""
CONDITION = re.compile(
    rf"""\s*{FIELD}\s*(?P<op>>=|<=|<>|!=|=|>|<)\s*"""
    r"""(?P<typed>TIMESTAMP\s+|DATE\s+)?(?P<literal>'(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*""",
    re.I,
)
ORDER = re.compile(rf"""\s*{FIELD}(?:\s+(?P<dir>ASC|DESC))?\s*""", re.I)


class QueryError(ValueError):
    """A query the loopback source cannot parse (answered 400, as real servers do)."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    literal: str  # unquoted
    utc: bool  # an ArcGIS TIMESTAMP/DATE literal: a time in UTC


def _split_and(text: str) -> list[str]:
    """Split on AND outside quotes."""
    parts, quoted, start = [], False, 0
    for m in re.finditer(r"'|\s+AND\s+", text, re.I):
        if m.group(0) == "'":
            quoted = not quoted
        elif not quoted:
            parts.append(text[start : m.start()])
            start = m.end()
    return [*parts, text[start:]]


def parse_where(text: str) -> list[Condition]:
    out = []
    for part in _split_and(text or ""):
        if not part.strip() or part.strip() == "1=1":
            continue
        m = CONDITION.fullmatch(part)
        if not m:
            raise QueryError(f"cannot parse the condition {part.strip()!r}")
        literal = m["literal"]
        literal = literal[1:-1].replace("''", "'") if literal.startswith("'") else literal
        out.append(Condition(m["quoted"] or m["field"], m["op"].replace("!=", "<>"), literal, bool(m["typed"])))
    return out


def parse_order(text: str) -> list[tuple[str, bool]]:
    """[(field, descending)]"""
    out = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        m = ORDER.fullmatch(part)
        if not m:
            raise QueryError(f"cannot parse the order {part.strip()!r}")
        out.append((m["quoted"] or m["field"], (m["dir"] or "ASC").upper() == "DESC"))
    return out


def literal_value(cond: Condition, values: pd.Series, zone: tzinfo):
    """The literal as a value comparable with a typed column."""
    if pd.api.types.is_datetime64_any_dtype(values):
        try:
            moment = pd.Timestamp(cond.literal.replace(" ", "T", 1))
        except ValueError:
            raise QueryError(f"{cond.literal!r} is not a date or time") from None
        return moment.tz_localize(UTC if cond.utc else zone) if moment.tzinfo is None else moment
    if pd.api.types.is_numeric_dtype(values):
        try:
            return float(cond.literal)
        except ValueError:
            raise QueryError(f"{cond.literal!r} is not a number") from None
    return cond.literal


OPERATORS = {
    "=": operator.eq,
    "<>": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def holds(values: pd.Series, op: str, literal) -> np.ndarray:
    """Where ``values op literal``, with SQL semantics: a null never matches."""
    result = OPERATORS[op](values, literal)
    return np.asarray(result.fillna(False), dtype=bool) & values.notna().to_numpy()


def select(ds, conditions: list[Condition], order: list[tuple[str, bool]], names: dict[str, str], zone) -> np.ndarray:
    """Positions of the rows of ``ds`` that meet every condition, in the order asked (file order breaks
    ties; missing values first). ``names`` maps the wire's field names to the dataset's columns or
    system fields."""

    def column(field: str) -> str:
        if field not in names:
            raise QueryError(f"no such column: {field}")
        return names[field]

    with ds.lock:
        key = (ds.version, tuple(conditions), tuple(order), tuple(sorted(names.items())))
        if key in ds.selections:
            return ds.selections[key]
        keep = np.ones(len(ds), dtype=bool)
        for cond in conditions:
            values = ds.typed(column(cond.field))
            keep &= holds(values, cond.op, literal_value(cond, values, zone))
        rows = np.flatnonzero(keep)
        if order:
            keys = pd.DataFrame(
                {str(i): ds.typed(column(f)).iloc[rows].reset_index(drop=True) for i, (f, _d) in enumerate(order)}
            )
            ranked = keys.sort_values(
                list(keys.columns), ascending=[not d for _f, d in order], kind="stable", na_position="first"
            )
            rows = rows[ranked.index.to_numpy()]
        if len(ds.selections) > 16:
            ds.selections.clear()
        ds.selections[key] = rows
        return rows
