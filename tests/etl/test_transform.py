"""Normalising steps, each as a table of raw input -> exact output (etl/transform.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from etl_testkit import TINY

from etl import transform
from etl.profile import load_profile
from etl.transform import (
    Chunk,
    _strict_layout,
    add_flag,
    build_address,
    fix_mojibake,
    map_channel,
    map_status,
    normalise_coordinates,
    normalise_text,
    normalise_zipcode,
    parse_datetimes,
    reconcile_closure,
    slugify,
    strptime,
    title_case,
)

NYC_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "ISO8601"]


@pytest.fixture(scope="module")
def profile():
    return load_profile(str(TINY / "profile.toml"))


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


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HEAT/HOT WATER", "heat-hot-water"),
        ("Plumbing", "plumbing"),
        ("PLUMBING", "plumbing"),
        ("Noise - Street/Sidewalk", "noise-street-sidewalk"),
        ("Snow \u2013 Uncleared Sidewalk Complaint", "snow-uncleared-sidewalk-complaint"),
        ("Emergency Response Team (ERT)", "emergency-response-team-ert"),
        ("Caf\u00e9 Cr\u00e8me", "cafe-creme"),
        ("311 INFORMATION ONLY CALL", "311-information-only-call"),
        ("  --x--  ", "x"),
        ("!!!", ""),
    ],
)
def test_slugify(raw, expected):
    assert slugify(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HEAT/HOT WATER", "Heat/Hot Water"),
        ("311 INFORMATION ONLY CALL", "311 Information Only Call"),
        ("NON-RESIDENTIAL HEAT", "Non-Residential Heat"),
        ("CHILDREN'S PLAYGROUND", "Children's Playground"),
        ("OWNER\u2019S ISSUE", "Owner\u2019s Issue"),
        ("2ND AVENUE DEBRIS", "2nd Avenue Debris"),
        ("\u00c9COLE", "\u00c9cole"),
    ],
)
def test_title_case(raw, expected):
    assert title_case(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "case, raw, expected",
    [
        (
            "title",
            ["HEAT/HOT WATER", "Plumbing", "Illegal Animal Kept as Pet", "PLUMBING"],
            ["Heat/Hot Water", "Plumbing", "Illegal Animal Kept as Pet", "Plumbing"],
        ),
        ("upper", ["Heat/Hot Water", "plumbing"], ["HEAT/HOT WATER", "PLUMBING"]),
        ("as_is", ["HEAT/HOT WATER", "Plumbing"], ["HEAT/HOT WATER", "Plumbing"]),
    ],
)
def test_normalise_text_service_name_case(profile, case, raw, expected):
    quality = {**profile.quality, "service_name_case": case}
    p = type(profile)(**{**profile.__dict__, "quality": quality})
    frame = pd.DataFrame({"service_name": raw, "quality_flags": [""] * len(raw)})
    assert normalise_text(frame, p)["service_name"].tolist() == expected


@pytest.mark.parametrize(
    "raw, expected, flagged",
    [
        ("Transportation\u00e2\u0080\u0099s website", "Transportation\u2019s website", True),
        ("the \u00e2\u0080\u009cLearn More\u00e2\u0080\u009d link", "the \u201cLearn More\u201d link", True),
        (
            "vehicles.\u00c2\u00a0Summonses",
            "vehicles. Summonses",
            True,
        ),  # mojibake no-break space, then spaces collapse
        ("caf\u00c3\u00a9", "caf\u00e9", True),
        ("Transportation\u2019s website", "Transportation\u2019s website", False),  # already right: untouched
        ("Ren\u00e9e's caf\u00e9", "Ren\u00e9e's caf\u00e9", False),
        ("  two   spaces\n", "two spaces", False),
    ],
)
def test_normalise_text_repairs_mojibake(profile, raw, expected, flagged):
    frame = pd.DataFrame({"service_name": ["X"], "status_notes": [raw], "quality_flags": [""]})
    out = normalise_text(frame, profile)
    assert out["status_notes"].tolist() == [expected]
    assert out["quality_flags"].tolist() == ["mojibake_fixed_status_notes" if flagged else ""]


def test_fix_mojibake_touches_only_suspicious_cells():
    values = pd.Series(["plain", "don\u00e2\u0080\u0099t", ""])
    assert fix_mojibake(values).tolist() == ["plain", "don\u2019t", ""]


@pytest.mark.parametrize(
    "raw, status, description",
    [
        ("Open", "open", "Open"),
        ("OPEN", "open", "OPEN"),
        ("assigned", "open", "assigned"),
        ("Closed", "closed", "Closed"),
    ],
)
def test_map_status(profile, raw, status, description):
    chunk = Chunk(pd.DataFrame({"_row": [1], "status": [raw]}), [])
    map_status(chunk, profile)
    assert chunk.frame[["status", "status_description"]].values.tolist() == [[status, description]]
    assert chunk.rejects == []


@pytest.mark.parametrize("raw", ["Weird", "", "Closed (duplicate)"])
def test_map_status_unknown_is_quarantined(profile, raw):
    chunk = Chunk(pd.DataFrame({"_row": [1, 2], "status": ["Open", raw]}), [])
    map_status(chunk, profile)
    assert chunk.frame["status"].tolist() == ["open"]
    assert chunk.rejects == [(2, "unknown_status", "status", f"status {raw!r} is not in the profile's [statuses]")]


@pytest.mark.parametrize(
    "raw, channel",
    [
        ("Phone", "phone"),
        ("PHONE", "phone"),
        ("web", "web"),
        ("", "unknown"),
        ("Carrier pigeon", "other"),
    ],
)
def test_map_channel(profile, raw, channel):
    assert map_channel(pd.DataFrame({"channel": [raw]}), profile)["channel"].tolist() == [channel]


def test_map_channel_without_a_channel_column(profile):
    assert map_channel(pd.DataFrame({"x": [1, 2]}), profile)["channel"].tolist() == ["unknown", "unknown"]


def _closure_frame(status, requested, closed):
    tz = "America/Chicago"
    return pd.DataFrame(
        {
            "status": [status],
            "requested_datetime": pd.to_datetime([requested]).tz_localize(tz),
            "closed_datetime": pd.to_datetime([closed]).tz_localize(tz),
            "quality_flags": [""],
        }
    )


@pytest.mark.parametrize(
    "status, requested, closed, kept, days, flags",
    [
        ("closed", "2024-03-01 09:00", "2024-03-02 21:00", True, 1.5, ""),
        ("closed", "2024-03-01 09:00", "2024-03-01 09:00", True, 0.0, ""),
        ("closed", "2024-03-01 09:00", "2024-03-01 08:59", False, None, "closed_before_requested"),
        ("open", "2024-03-01 09:00", "2024-03-02 09:00", False, None, "closed_date_on_open_status"),
        ("open", "2024-03-01 09:00", "2024-02-01 09:00", False, None, "closed_before_requested"),
        ("closed", "2024-03-01 09:00", None, False, None, "closed_without_date"),
        ("open", "2024-03-01 09:00", None, False, None, ""),
        ("closed", "2024-03-09 12:00", "2024-03-10 12:00", True, 0.96, ""),  # 23 hours: the DST night is shorter
    ],
)
def test_reconcile_closure(status, requested, closed, kept, days, flags):
    out = reconcile_closure(_closure_frame(status, requested, closed))
    assert out["closed_datetime"].notna().tolist() == [kept]
    assert (None if pd.isna(out["days_to_close"].iloc[0]) else out["days_to_close"].iloc[0]) == days
    assert out["quality_flags"].tolist() == [flags]


@pytest.mark.parametrize(
    "lat, long, location, out_lat, out_long, flags",
    [
        ("41.95", "-87.65", "", 41.95, -87.65, ""),
        ("41,95", "-87,65", "", 41.95, -87.65, ""),  # decimal comma
        (
            "",
            "",
            "{'latitude': '41.85', 'longitude': '-87.65', 'human_address': '{\"address\": \"\"}'}",
            41.85,
            -87.65,
            "coordinates_from_location",
        ),
        ("", "", "{'latitude': None}", None, None, "missing_coordinates"),
        ("", "", "not a dict", None, None, "missing_coordinates"),
        ("", "", "__import__('os').system('true')", None, None, "missing_coordinates"),  # never evaluated
        ("north", "-87.65", "", None, None, "invalid_coordinates;missing_coordinates"),
        ("", "", "", None, None, "missing_coordinates"),
        ("0", "0", "", None, None, "zero_coordinates"),
        ("0.0000000001", "-0.0", "", None, None, "zero_coordinates"),
        ("40.7128", "-74.0060", "", None, None, "coordinates_outside_city"),
        ("41.76", "-87.65", "", 41.76, -87.65, ""),  # inside the 0.05 degree margin: kept for the spatial join
        ("41.74", "-87.65", "", None, None, "coordinates_outside_city"),
        ("95", "-87.65", "", None, None, "coordinates_outside_city"),
    ],
)
def test_normalise_coordinates(profile, lat, long, location, out_lat, out_long, flags):
    frame = pd.DataFrame(
        {"_row": [1], "lat": [lat], "long": [long], "location": [location], "address": [""], "quality_flags": [""]}
    )
    out = normalise_coordinates(frame, profile, (-87.70, 41.80, -87.60, 42.00))
    got = [None if pd.isna(v) else round(float(v), 6) for v in (out["lat"].iloc[0], out["long"].iloc[0])]
    assert got == [out_lat, out_long]
    assert out["quality_flags"].tolist() == [flags]


def test_normalise_coordinates_point_text(profile):
    p = type(profile)(**{**profile.__dict__, "columns": {**profile.columns, "location_format": "point_text"}})
    frame = pd.DataFrame(
        {
            "_row": [1, 2],
            "lat": ["", ""],
            "long": ["", ""],
            "location": ["(41.85, -87.65)", "(41.85)"],
            "address": ["", ""],
            "quality_flags": ["", ""],
        }
    )
    out = normalise_coordinates(frame, p, (-87.70, 41.80, -87.60, 42.00))
    assert out["lat"].tolist()[0] == 41.85 and np.isnan(out["lat"].tolist()[1])
    assert out["quality_flags"].tolist() == ["coordinates_from_location", "missing_coordinates"]


def test_placeholder_address_blanks_every_location_field(profile):
    frame = pd.DataFrame(
        {
            "_row": [1, 2],
            "lat": ["41.88", "41.88"],
            "long": ["-87.63", "-87.63"],
            "address": ["1 City Hall Plaza", "2 CITY HALL PLAZA"],
            "zipcode": ["60602", "60602"],
            "council_district": ["42", "42"],
            "quality_flags": ["", ""],
        }
    )
    out = normalise_coordinates(frame, profile, (-87.70, 41.80, -87.60, 42.00))
    assert out[["address", "zipcode", "council_district", "quality_flags"]].values.tolist() == [
        ["", "", "", "placeholder_location"],
        ["2 CITY HALL PLAZA", "60602", "42", ""],
    ]
    assert out["lat"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    "raw, zipcode, flags",
    [
        ("60601", "60601", ""),
        ("60601-1234", "60601", ""),
        ("606011234", "60601", ""),
        ("60601.0", "60601", ""),
        ("6060", "", "invalid_zipcode"),
        ("ABCDE", "", "invalid_zipcode"),
        ("0", "", "invalid_zipcode"),
        ("", "", ""),
    ],
)
def test_normalise_zipcode(raw, zipcode, flags):
    out = normalise_zipcode(pd.DataFrame({"zipcode": [raw], "quality_flags": [""]}))
    assert out[["zipcode", "quality_flags"]].values.tolist() == [[zipcode, flags]]


@pytest.mark.parametrize(
    "address, street1, street2, expected",
    [
        ("", "11 AVENUE", "WEST 22 STREET", "11 AVENUE & WEST 22 STREET"),
        ("659 CAULDWELL AVENUE", "A", "B", "659 CAULDWELL AVENUE"),
        ("", "11 AVENUE", "", ""),
    ],
)
def test_build_address(address, street1, street2, expected):
    frame = pd.DataFrame({"address": [address], "intersection_1": [street1], "intersection_2": [street2]})
    assert build_address(frame)["address"].tolist() == [expected]


def test_add_flag_appends_with_semicolons():
    frame = pd.DataFrame({"quality_flags": ["", "a", ""]})
    add_flag(frame, pd.Series([True, True, False]), "b")
    add_flag(frame, pd.Series([False, False, False]), "c")
    assert frame["quality_flags"].tolist() == ["b", "a;b", ""]


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
    monkeypatch.setattr(transform.pd, "to_datetime", lambda v, **k: seen.append(list(v)) or real(v, **k))
    got = transform.strptime(values, "%m/%d/%Y %I:%M:%S %p")
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
