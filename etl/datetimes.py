"""A city's datetimes read from text, in its time zone.

``parse_datetimes`` tries the profile's formats in order, per value: naive text is the city's
local time (the repeated autumn hour read as the first, daylight one; a skipped spring hour moved
forward, docs/data-rules.md), text with an offset is converted. ``strptime`` gives
``pd.to_datetime(..., format=fmt, errors="coerce")``'s result for every value; text in the
format's canonical fixed-width form is read from its bytes with numpy instead, which is what
makes it fast.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def parse_datetimes(values: pd.Series, formats: list[str], tz: str) -> pd.Series:
    """Text -> tz-aware datetimes in ``tz``. Naive text is local time; text with an offset is converted."""
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[us, {tz}]")
    todo = values != ""
    for fmt in formats:
        if not todo.any():
            break
        part = values[todo]
        if fmt == "ISO8601":
            parsed = pd.to_datetime(part, format="ISO8601", errors="coerce", utc=True)
            has_offset = part.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
            naive = pd.to_datetime(part[~has_offset], format="ISO8601", errors="coerce")
            local = _localize(naive, tz)
            aware = parsed[has_offset].dt.tz_convert(tz)
            parsed = pd.concat([local, aware]).reindex(part.index)
        else:
            parsed = _localize(strptime(part, fmt), tz)
        ok = parsed.notna()
        result[ok[ok].index] = parsed[ok].dt.as_unit("us")
        todo[ok[ok].index] = False
    return result


# strptime directives the fast path reads, with their width: that many digits (AM or PM for %p)
_STRICT = {"Y": 4, "m": 2, "d": 2, "H": 2, "I": 2, "M": 2, "S": 2, "p": 2}


def _strict_layout(fmt: str) -> tuple[str, dict[str, int], int] | None:
    """(regular expression, {directive: offset}, width) of the canonical text of ``fmt``: every field
    zero-padded to its width, AM/PM in capitals. None when ``fmt`` has another directive or a
    non-ASCII character, repeats one, or lacks the date or a consistent hour."""
    pattern, where, at, i = [], {}, 0, 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i + 1 : i + 2]
            if directive not in _STRICT or directive in where:
                return None
            where[directive] = at
            pattern.append("(?:AM|PM)" if directive == "p" else rf"\d{{{_STRICT[directive]}}}")
            at, i = at + _STRICT[directive], i + 2
        elif fmt[i].isascii():
            pattern.append(re.escape(fmt[i]))
            at, i = at + 1, i + 1
        else:
            return None
    if not {"Y", "m", "d"} <= set(where) or ("I" in where) != ("p" in where) or ("H" in where and "I" in where):
        return None
    return "^" + "".join(pattern) + "$", where, at


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil), for years >= 0."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def strptime(values: pd.Series, fmt: str) -> pd.Series:
    """``pd.to_datetime(values, format=fmt, errors="coerce")`` as naive ``datetime64[us]``, column-wise.

    Text in the format's canonical form (fixed width: every field zero-padded, AM/PM in capitals)
    that is a real date and time from 1900 on is read from its bytes with numpy. Everything else
    (other spellings, out-of-range fields, earlier years, formats with other directives) goes to
    pandas, so every value gets pandas' own result (tests/etl/test_transform.py).
    """
    layout = _strict_layout(fmt)
    if layout is None or values.empty:
        return pd.to_datetime(values, format=fmt, errors="coerce").astype("datetime64[us]")
    pattern, where, width = layout
    text = pa.array(values, pa.string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):  # a Series on several Arrow chunks (e.g. after concat)
        text = text.combine_chunks()
    matched = pc.match_substring_regex(text, pattern).fill_null(False).to_numpy(zero_copy_only=False)
    fast = matched.copy()
    stamps = np.full(len(values), np.datetime64("NaT", "us"))
    if matched.any():
        canonical = pc.filter(text, matched)
        offsets = np.frombuffer(canonical.buffers()[1], np.int32, len(canonical) + 1, canonical.offset * 4)
        data = np.frombuffer(canonical.buffers()[2], np.uint8, offsets[-1] - offsets[0], offsets[0])
        chars = data.reshape(len(canonical), width)

        def number(directive: str) -> np.ndarray:
            if directive not in where:
                return np.zeros(len(canonical), np.int64)
            at, value = where[directive], np.zeros(len(canonical), np.int64)
            for k in range(_STRICT[directive]):
                value = value * 10 + (chars[:, at + k] - ord("0"))
            return value

        year, month, day, minute, second = number("Y"), number("m"), number("d"), number("M"), number("S")
        if "p" in where:
            hour12 = number("I")
            hour = hour12 % 12 + np.where(chars[:, where["p"]] == ord("P"), 12, 0)
            hour_ok = (hour12 >= 1) & (hour12 <= 12)
        else:
            hour = number("H")
            hour_ok = hour <= 23
        month_ok = (month >= 1) & (month <= 12)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        days_in_month = _DAYS_IN_MONTH[np.where(month_ok, month, 1) - 1] + ((month == 2) & leap)
        ok = (year >= 1900) & month_ok & (day >= 1) & (day <= days_in_month) & hour_ok & (minute <= 59) & (second <= 59)
        seconds = ((_days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second
        fast[matched] = ok
        stamps[matched] = np.where(ok, seconds * 1_000_000, np.iinfo(np.int64).min).view("datetime64[us]")
    result = pd.Series(stamps, index=values.index)
    if not fast.all():
        slow = ~fast
        result[slow] = pd.to_datetime(values[slow], format=fmt, errors="coerce").astype("datetime64[us]")
    return result


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    naive = naive.astype("datetime64[us]")
    # Ambiguous wall times (the repeated hour in autumn) are read as the first (daylight) one;
    # non-existent ones (the skipped hour in spring) move forward. Documented in docs/data-rules.md.
    return naive.dt.tz_localize(tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward")
