"""Datetimes read from text in the city's zone, as tables of raw -> exact output (etl/datetimes.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import datetimes
from etl.datetimes import _strict_layout, parse_datetimes, strptime

NYC_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "ISO8601"]


def _iso(values: pd.Series) -> list:
    return [None if pd.isna(v) else v.isoformat() for v in values]


@pytest.mark.parametrize(
    "raw, expected",
    [
        # 12-hour clock, naive local time -> the city's offset
        ("02/28/2023 11:45:00 PM", "2023-02-28T23:45:00-05:00"),
        ("02/28/2023 12:00:00 AM", "2023-02-28T00:00:00-05:00"),  # midnight
        ("02/28/2023 12:00:00 PM", "2023-02-28T12:00:00-05:00"),  # noon
        ("3/1/2024 9:00:00 AM", "2024-03-01T09:00:00-05:00"),  # no zero padding
        ("07/04/2023 09:30:00 AM", "2023-07-04T09:30:00-04:00"),  # summer time
        # ISO 8601, naive: local time; with an offset or Z: converted
        ("2021-01-01T00:00:09.000", "2021-01-01T00:00:09-05:00"),
        ("2023-02-28 23:45:00", "2023-02-28T23:45:00-05:00"),
        ("2023-02-28", "2023-02-28T00:00:00-05:00"),
        ("2023-02-28T23:45:00Z", "2023-02-28T18:45:00-05:00"),
        ("2023-02-28T23:45:00+01:00", "2023-02-28T17:45:00-05:00"),
        ("2024-03-01T09:00:00+0530", "2024-02-29T22:30:00-05:00"),
        # DST: the repeated autumn hour is read as the first (daylight) one; the skipped spring hour moves to 03:00
        ("11/05/2023 01:30:00 AM", "2023-11-05T01:30:00-04:00"),
        ("2023-11-05T01:00:00", "2023-11-05T01:00:00-04:00"),
        ("2023-11-05T02:00:00", "2023-11-05T02:00:00-05:00"),
        ("03/12/2023 02:30:00 AM", "2023-03-12T03:00:00-04:00"),
        ("2023-03-12T02:00:00", "2023-03-12T03:00:00-04:00"),
        ("2023-03-12T01:59:59", "2023-03-12T01:59:59-05:00"),
        ("2023-03-12T07:30:00Z", "2023-03-12T03:30:00-04:00"),  # an offset is never ambiguous
        # not a date in any listed format -> missing
        ("", None),
        ("not a date", None),
        ("13/45/2023 11:00:00 PM", None),
        ("02/28/2023 23:45:00 PM", None),
        ("2023-02-30T10:00:00", None),
        ("03/01/2024 09:00 AM", None),
    ],
)
def test_parse_datetimes(raw, expected):
    assert _iso(parse_datetimes(pd.Series([raw]), NYC_FORMATS, "America/New_York")) == [expected]


def test_parse_datetimes_formats_tried_in_order_per_value():
    values = pd.Series(["2024-01-02 03:04:05", "01/02/2024 03:04:05 AM", "2024-01-02T03:04:05"])
    assert _iso(parse_datetimes(values, ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"], "Europe/London")) == [
        "2024-01-02T03:04:05+00:00",
        "2024-01-02T03:04:05+00:00",
        None,
    ]


def test_parse_datetimes_keeps_the_index_and_zone():
    values = pd.Series(["2024-07-01T12:00:00", ""], index=[10, 20])
    parsed = parse_datetimes(values, ["ISO8601"], "America/Los_Angeles")
    assert list(parsed.index) == [10, 20]
    assert str(parsed.dtype) == "datetime64[us, America/Los_Angeles]"
    assert _iso(parsed) == ["2024-07-01T12:00:00-07:00", None]
    assert len(parse_datetimes(pd.Series([], dtype=str), ["ISO8601"], "UTC")) == 0


# --- strptime: the fast path gives pandas' own result for every value -------------------------

STRPTIME_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%Y%m%d"]


def _fuzzed(fmt: str, n: int, seed: int) -> list[str]:
    """Texts in ``fmt``'s shape with fields in and out of range, unpadded, in lower case, padded with
    spaces, around leap days and the 1900 cut-off, plus blanks and junk."""
    rng = np.random.default_rng(seed)
    pick = lambda *options: options[rng.integers(len(options))]  # noqa: E731
    out = []
    for _ in range(n):
        year = pick(1899, 1900, 1999, 2000, 2023, 2024, 2100, 2400, int(rng.integers(1000, 3000)))
        month, day = int(rng.integers(0, 14)), pick(int(rng.integers(0, 33)), 28, 29, 30, 31)
        hour, minute, second = (
            int(rng.integers(0, 25)),
            pick(int(rng.integers(0, 60)), 59, 60),
            pick(int(rng.integers(0, 60)), 60),
        )
        pad = rng.random() < 0.85
        two = (lambda v: f"{v:02d}") if pad else str
        text = (
            fmt.replace("%Y", f"{year:04d}" if rng.random() < 0.97 else str(year)[2:])
            .replace("%m", two(month))
            .replace("%d", two(day))
            .replace("%H", two(hour))
            .replace("%I", two(hour % 13))
            .replace("%M", two(minute))
            .replace("%S", two(second))
            .replace("%p", pick("AM", "PM", "am", "pm", "Pm"))
        )
        out.append(pick(text, text, text, text, text, " " + text, text + " ", "", "not a date", text[:-1]))
    return out


@pytest.mark.parametrize("fmt", STRPTIME_FORMATS)
def test_strptime_agrees_with_pandas_on_every_value(fmt):
    values = pd.Series(_fuzzed(fmt, 20_000, seed=len(fmt)), index=np.arange(20_000) * 3, dtype="str")
    got = strptime(values, fmt)
    expected = pd.to_datetime(values, format=fmt, errors="coerce").astype("datetime64[us]")
    assert got.dtype == "datetime64[us]"
    assert got.index.equals(values.index)
    assert got.equals(expected)
    # the sample exercises both paths: valid and invalid dates, canonical and other spellings
    assert 0.15 < got.notna().mean() < 0.9


def test_strptime_reads_canonical_text_without_pandas(monkeypatch):
    values = pd.Series(
        ["02/29/2024 12:00:00 AM", "12/31/2023 11:59:59 PM", "02/29/2023 01:00:00 AM", "2/1/2024 1:00:00 pm", ""],
        dtype="str",
    )
    seen = []
    real = pd.to_datetime
    monkeypatch.setattr(datetimes.pd, "to_datetime", lambda v, **k: seen.append(list(v)) or real(v, **k))
    got = datetimes.strptime(values, "%m/%d/%Y %I:%M:%S %p")
    assert got.tolist()[:2] == [pd.Timestamp("2024-02-29 00:00:00"), pd.Timestamp("2023-12-31 23:59:59")]
    assert got.tolist()[2] is pd.NaT and got.tolist()[4] is pd.NaT
    assert got.tolist()[3] == pd.Timestamp("2024-02-01 13:00:00")
    # only the text that is not a real date in canonical form reaches pandas
    assert seen == [["02/29/2023 01:00:00 AM", "2/1/2024 1:00:00 pm", ""]]


def test_strptime_falls_back_to_pandas_for_other_directives():
    assert _strict_layout("%d %b %Y") is None and _strict_layout("%Y-%m-%dT%H:%M:%S.%f") is None
    assert _strict_layout("%H:%M") is None  # no date
    assert _strict_layout("%m/%d/%Y %I:%M") is None  # %I without %p
    values = pd.Series(["05 Mar 2024", "31 Feb 2024"], dtype="str")
    assert strptime(values, "%d %b %Y").tolist()[0] == pd.Timestamp("2024-03-05") and strptime(
        values, "%d %b %Y"
    ).isna().tolist() == [False, True]


def test_strptime_reads_a_series_on_several_arrow_chunks():
    # pd.concat keeps each part's Arrow chunk (the duplicate scan's frames look like this)
    values = pd.concat(
        [pd.Series(["01/02/2024 03:04:05 PM", "bad"], dtype="str"), pd.Series(["02/29/2024 12:00:00 AM"], dtype="str")],
        ignore_index=True,
    )
    assert strptime(values, "%m/%d/%Y %I:%M:%S %p").tolist()[::2] == [
        pd.Timestamp("2024-01-02 15:04:05"),
        pd.Timestamp("2024-02-29 00:00:00"),
    ]
