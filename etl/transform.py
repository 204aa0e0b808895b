"""Normalise a chunk of a city's raw rows to the published schema.

Pure steps over frames: each takes a frame and settings and returns a new frame. Nothing here
reads files or the clock; "as of" (the run's reference time) is passed in.

Every data fault has one documented rule (docs/data-rules.md): the row is *fixed*, the field is
*nulled* with a flag in ``quality_flags``, or the row is *quarantined* with a reason.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .datetimes import parse_datetimes
from .profile import Profile
from .strings import collapse_spaces, fix_mojibake, on_unique, slugify, title_case

OUT_DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime", "closed_datetime")
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
        # .array: the stripped Arrow strings as they are, without a round trip through numpy objects
        columns[field] = raw[column].str.strip().array if column in raw else ""
    for field in OPTIONAL_TEXT:  # unmapped published text is blank, so every step sees the same columns
        columns.setdefault(field, "")
    columns["quality_flags"] = ""
    columns["redaction_reason"] = ""
    return pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))


def normalise_text(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    frame = frame.copy()
    for f in TEXT_FIELDS:
        if f in frame:
            fixed = fix_mojibake(frame[f])
            add_flag(frame, fixed != frame[f], f"mojibake_fixed_{f}")
            frame[f] = on_unique(fixed, collapse_spaces)
    case = profile.quality["service_name_case"]
    if case == "title":
        shouting = frame["service_name"] == frame["service_name"].str.upper()
        frame.loc[shouting, "service_name"] = on_unique(frame.loc[shouting, "service_name"], title_case)
    elif case == "upper":
        frame["service_name"] = frame["service_name"].str.upper()
    return frame


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
