"""What the wire formats share: an answer, and how times and values are written on the wire.

The column helpers take a page's typed values (a pandas Series) and give one Python value per row,
``None`` where the value is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)


def json_answer(value, status: int = 200) -> Answer:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Answer(status, "application/json; charset=utf-8", body)


def _texts(values: pd.Series, texts: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in texts.where(values.notna()).tolist()]


def floating(values: pd.Series) -> list:
    """Socrata's floating timestamps: local time, milliseconds, no offset."""
    return _texts(values, values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23))


def fixed(values: pd.Series) -> list:
    """Socrata's fixed timestamps (system fields): UTC, milliseconds, Z."""
    utc = values.dt.tz_convert("UTC")
    return _texts(values, utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.slice(0, 23) + "Z")


def naive(values: pd.Series) -> list:
    """CKAN's timestamps: local time, no offset."""
    return _texts(values, values.dt.strftime("%Y-%m-%dT%H:%M:%S"))


def with_offset(values: pd.Series) -> list:
    """W3C times with the city's offset (``2024-03-01T17:51:51-06:00``), as Open311 writes them."""
    return [None if pd.isna(v) else v.isoformat() for v in values.tolist()]


def epoch_ms(values: pd.Series) -> list:
    """ArcGIS dates: milliseconds since 1970, UTC."""
    ms = (values - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return [None if pd.isna(v) else int(v) for v in ms.tolist()]


def numbers(values: pd.Series, texts: pd.Series) -> list:
    """JSON numbers: an int where the text is a whole number, else a float; None when missing."""
    out = []
    for v, t in zip(values.tolist(), texts.tolist(), strict=True):
        out.append(None if pd.isna(v) else int(v) if t.lstrip("-").isdigit() else v)
    return out


def point_of(text: str) -> tuple[str, str] | None:
    """``(lat, long)`` text -> its two numbers as written, or None."""
    inner = text.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        return None
    parts = [p.strip() for p in inner[1:-1].split(",")]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None
