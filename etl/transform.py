"""Normalise a chunk of a city's raw rows to the published schema.

Pure steps over frames: each takes a frame and settings and returns a new frame. Nothing here
reads files or the clock; "as of" (the run's reference time) is passed in.

Every data fault has one documented rule (docs/data-rules.md): the row is *fixed*, the field is
*nulled* with a flag in ``quality_flags``, or the row is *quarantined* with a reason.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import ftfy
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .profile import Profile

OUT_DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime")
MOJIBAKE = re.compile(
    "[\u00c2-\u00c3\u00e2][\u0080-\u00bf\u201a-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u20ac\u2122]"
)
OPTIONAL_TEXT = (
    "agency_responsible",
    "description",
    "status_notes",
    "service_notice",
    "address",
    "zipcode",
    "media_url",
    "channel",
)
TEXT_FIELDS = (
    "service_name",
    "description",
    "status_notes",
    "agency_responsible",
    "service_notice",
    "address",
    "status_description",
)


@dataclass
class Chunk:
    """A frame being normalised, with the quarantine decisions made so far (row -> reason, field, detail)."""

    frame: pd.DataFrame
    rejects: list[tuple[int, str, str | None, str]]

    def reject(self, mask: pd.Series, reason: str, field: str | None, detail: str) -> None:
        if mask.any():
            for row in self.frame.loc[mask, "_row"]:
                self.rejects.append((int(row), reason, field, detail))
            self.frame = self.frame[~mask].copy()


def add_flag(frame: pd.DataFrame, mask: pd.Series, flag: str, column: str = "quality_flags") -> None:
    """Append ``flag`` to the semicolon-separated ``column`` of the rows in ``mask`` (in place)."""
    if not mask.any():
        return
    current = frame.loc[mask, column]
    frame.loc[mask, column] = np.where(current == "", flag, current + ";" + flag)


def rename_columns(raw: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Keep only mapped columns, under their schema names; every value stripped text."""
    columns = {"_row": raw["_row"].to_numpy()}
    for field, column in profile.raw_columns().items():
        # .array: the stripped Arrow strings as they are (a numpy round trip costs 3 CPU-s per 1M rows)
        columns[field] = raw[column].str.strip().array if column in raw else ""
    for field in OPTIONAL_TEXT:  # unmapped published text is blank, so every step sees the same columns
        columns.setdefault(field, "")
    columns["quality_flags"] = ""
    columns["redaction_reason"] = ""
    return pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))


def on_unique(series: pd.Series, func) -> pd.Series:
    """Apply a Series -> Series function to the distinct values only, then spread the result back.

    311 text repeats a lot (a million rows may hold a few thousand distinct resolution notes), so
    slow per-value Python work runs once per distinct value instead of once per row.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    if len(uniques) > 0.5 * len(series):
        return func(series)
    mapped = func(pd.Series(uniques, dtype=series.dtype))
    return pd.Series(mapped.to_numpy()[codes], index=series.index, dtype=mapped.dtype)


def _fix_mojibake_values(series: pd.Series) -> pd.Series:
    suspicious = series.str.contains(MOJIBAKE, regex=True, na=False)
    if not suspicious.any():
        return series
    out = series.copy()
    out[suspicious] = [ftfy.fix_text(s, uncurl_quotes=False) for s in series[suspicious]]
    return out


def _collapse_spaces(series: pd.Series) -> pd.Series:
    return series.str.replace(r"\s+", " ", regex=True).str.strip().astype("str")


def fix_mojibake(series: pd.Series) -> pd.Series:
    """Repair UTF-8 that was decoded as Latin-1/cp1252 (e.g. 'â\\x80\\x99' -> "'").

    Only suspicious cells are touched."""
    return on_unique(series, _fix_mojibake_values)


def normalise_text(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    frame = frame.copy()
    for f in TEXT_FIELDS:
        if f in frame:
            fixed = fix_mojibake(frame[f])
            add_flag(frame, fixed != frame[f], f"mojibake_fixed_{f}")
            frame[f] = on_unique(fixed, _collapse_spaces)
    case = profile.quality["service_name_case"]
    if case == "title":
        shouting = frame["service_name"] == frame["service_name"].str.upper()
        frame.loc[shouting, "service_name"] = on_unique(frame.loc[shouting, "service_name"], title_case)
    elif case == "upper":
        frame["service_name"] = frame["service_name"].str.upper()
    return frame


def title_case(series: pd.Series) -> pd.Series:
    """'HEAT/HOT WATER' -> 'Heat/Hot Water'. Unlike str.title, "OWNER'S" -> "Owner's" and '2ND AVE' -> '2nd Ave'."""
    return series.str.lower().str.replace(
        r"(^|[^\w'’])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), regex=True
    )


def _slugify_values(series: pd.Series) -> pd.Series:
    return (
        series.str.lower()
        .str.normalize("NFKD")
        .str.encode("ascii", "ignore")
        .str.decode("ascii")
        .str.replace(r"[^a-z0-9]+", "-", regex=True)
        .str.strip("-")
        .astype("str")
    )


def slugify(series: pd.Series) -> pd.Series:
    """'Noise - Residential' -> 'noise-residential' (ASCII letters and digits joined by '-')."""
    return on_unique(series, _slugify_values)


def assign_codes(chunk: Chunk, profile: Profile) -> None:
    f = chunk.frame
    chunk.reject(f["service_request_id"] == "", "missing_id", "service_request_id", "the id is blank")
    f = chunk.frame
    chunk.reject(
        f["service_request_id"].str.len() > 64,
        "invalid_id",
        "service_request_id",
        "the id is longer than 64 characters",
    )
    f = chunk.frame
    chunk.reject(f["service_name"] == "", "missing_service_name", "service_name", "the request type is blank")
    f = chunk.frame
    code = slugify(f["service_code"]) if "service_code" in f else pd.Series("", index=f.index)
    f["service_code"] = code.where(code != "", slugify(f["service_name"]))
    f["service_code"] = f["service_code"].where(f["service_code"] != "", "unknown")


def map_status(chunk: Chunk, profile: Profile) -> None:
    f = chunk.frame
    f["status_description"] = f["status"]
    mapped = f["status"].str.casefold().map(profile.status_map)
    unknown = mapped.isna()
    if unknown.any():
        for row, raw in zip(f.loc[unknown, "_row"], f.loc[unknown, "status"]):
            chunk.rejects.append(
                (int(row), "unknown_status", "status", f"status {raw[:40]!r} is not in the profile's [statuses]")
            )
        chunk.frame = f = f[~unknown].copy()
        mapped = mapped[~unknown]
    f["status"] = mapped.astype("str")


def map_channel(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    frame = frame.copy()
    raw = frame["channel"] if "channel" in frame else pd.Series("", index=frame.index)
    mapped = raw.str.casefold().map(profile.channel_map)
    frame["channel"] = mapped.where(mapped.notna(), np.where(raw == "", "unknown", "other")).astype("str")
    return frame


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
    """``pd.to_datetime(values, format=fmt, errors="coerce")`` as naive ``datetime64[us]``, many times faster.

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


def normalise_datetimes(chunk: Chunk, profile: Profile, as_of: pd.Timestamp) -> None:
    tz, formats = profile.timezone, profile.input["datetime_formats"]
    f = chunk.frame
    for col in OUT_DATETIMES:
        raw = f[col] if col in f else pd.Series("", index=f.index)
        parsed = parse_datetimes(raw, formats, tz)
        bad = (raw != "") & parsed.isna()
        if col == "requested_datetime":
            f[col] = parsed
            chunk.reject(
                bad | (raw == ""),
                "invalid_requested_datetime",
                col,
                "the request date is blank or not in input.datetime_formats",
            )
            f = chunk.frame
            too_old = f[col].dt.year < profile.quality["min_year"]
            chunk.reject(too_old, "requested_before_min_year", col, f"requested before {profile.quality['min_year']}")
            f = chunk.frame
            chunk.reject(f[col] > as_of, "requested_in_future", col, "requested after the run's as-of time")
            f = chunk.frame
            continue
        add_flag(f, bad, f"invalid_{col}")
        if col != "expected_datetime":
            future = parsed > as_of
            add_flag(f, future, f"future_{col}")
            parsed = parsed.mask(future)
        f[col] = parsed.mask(bad)
    chunk.frame = f


def reconcile_closure(frame: pd.DataFrame) -> pd.DataFrame:
    """Rules for closed_datetime against status and requested_datetime, then days_to_close."""
    frame = frame.copy()
    closed, requested = frame["closed_datetime"], frame["requested_datetime"]
    before = closed.notna() & (closed < requested)
    add_flag(frame, before, "closed_before_requested")
    on_open = closed.notna() & (frame["status"] == "open") & ~before
    add_flag(frame, on_open, "closed_date_on_open_status")
    frame["closed_datetime"] = closed.mask(before | on_open)
    add_flag(frame, (frame["status"] == "closed") & frame["closed_datetime"].isna() & ~before, "closed_without_date")
    seconds = (frame["closed_datetime"] - frame["requested_datetime"]).dt.total_seconds()
    frame["days_to_close"] = (seconds / 86400).round(2)
    return frame


def _parse_location(values: pd.Series, fmt: str) -> tuple[pd.Series, pd.Series]:
    lat = pd.Series(np.nan, index=values.index)
    lon = pd.Series(np.nan, index=values.index)
    for idx, text in values[values != ""].items():
        try:
            if fmt == "python_dict":
                d = ast.literal_eval(text)
                la, lo = d.get("latitude"), d.get("longitude")
            else:
                la, lo = text.strip("() ").split(",")
            lat[idx], lon[idx] = float(la), float(lo)
        except (ValueError, SyntaxError, AttributeError, TypeError, MemoryError, RecursionError):
            continue
    return lat, lon


def normalise_coordinates(
    frame: pd.DataFrame, profile: Profile, bbox: tuple[float, float, float, float]
) -> pd.DataFrame:
    """Parse lat/long; null them, with a flag, when missing, zero, outside the city or a placeholder address."""
    frame = frame.copy()
    raw_lat = frame["lat"] if "lat" in frame else pd.Series("", index=frame.index)
    raw_lon = frame["long"] if "long" in frame else pd.Series("", index=frame.index)
    lat = pd.to_numeric(raw_lat.str.replace(",", ".", regex=False).where(raw_lat != ""), errors="coerce")
    lon = pd.to_numeric(raw_lon.str.replace(",", ".", regex=False).where(raw_lon != ""), errors="coerce")
    add_flag(frame, ((raw_lat != "") & lat.isna()) | ((raw_lon != "") & lon.isna()), "invalid_coordinates")
    if "location" in frame:
        need = lat.isna() | lon.isna()
        loc_lat, loc_lon = _parse_location(frame.loc[need, "location"], profile.columns["location_format"])
        lat, lon = lat.fillna(loc_lat), lon.fillna(loc_lon)
        add_flag(frame, need & lat.notna() & lon.notna(), "coordinates_from_location")
    missing = lat.isna() | lon.isna()
    add_flag(frame, missing, "missing_coordinates")
    zero = ~missing & (lat.abs() < 1e-9) & (lon.abs() < 1e-9)
    add_flag(frame, zero, "zero_coordinates")
    west, south, east, north = bbox
    m = profile.boundaries["margin_degrees"]
    outside = ~missing & ~zero & (~lat.between(south - m, north + m) | ~lon.between(west - m, east + m))
    add_flag(frame, outside, "coordinates_outside_city")
    placeholders = {a.casefold() for a in profile.quality["placeholder_addresses"]}
    placeholder = (
        frame["address"].str.casefold().isin(placeholders)
        if "address" in frame and placeholders
        else pd.Series(False, index=frame.index)
    )
    add_flag(frame, placeholder & ~missing, "placeholder_location")
    drop = missing | zero | outside | placeholder
    frame["lat"] = lat.mask(drop)
    frame["long"] = lon.mask(drop)
    if placeholder.any():
        # The city's own office says nothing about where the request is: no address, ZIP or district either.
        for col in ("address", "zipcode", "council_district"):
            if col in frame:
                frame.loc[placeholder, col] = ""
    return frame


def normalise_zipcode(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    raw = frame["zipcode"] if "zipcode" in frame else pd.Series("", index=frame.index)
    digits = raw.str.extract(r"^(\d{5})(?:-?\d{4})?(?:\.0)?$", expand=False)
    add_flag(frame, (raw != "") & digits.isna(), "invalid_zipcode")
    frame["zipcode"] = digits.fillna("").astype("str")
    return frame


def build_address(frame: pd.DataFrame) -> pd.DataFrame:
    """Use 'street 1 & street 2' when the address is blank but an intersection is given."""
    frame = frame.copy()
    if "address" not in frame:
        frame["address"] = ""
    if "intersection_1" in frame and "intersection_2" in frame:
        both = (frame["address"] == "") & (frame["intersection_1"] != "") & (frame["intersection_2"] != "")
        frame.loc[both, "address"] = frame.loc[both, "intersection_1"] + " & " + frame.loc[both, "intersection_2"]
    return frame


def transform_chunk(raw: pd.DataFrame, profile: Profile, as_of: pd.Timestamp, bbox) -> Chunk:
    """Raw rows -> schema-shaped rows (before privacy and the spatial join) plus rejects."""
    chunk = Chunk(rename_columns(raw, profile), [])
    chunk.frame = normalise_text(chunk.frame, profile)
    assign_codes(chunk, profile)
    map_status(chunk, profile)
    chunk.frame = map_channel(chunk.frame, profile)
    normalise_datetimes(chunk, profile, as_of)
    chunk.frame = reconcile_closure(chunk.frame)
    chunk.frame = build_address(chunk.frame)
    chunk.frame = normalise_coordinates(chunk.frame, profile, bbox)
    chunk.frame = normalise_zipcode(chunk.frame)
    return chunk
