"""Normalising steps, each as a table of raw input -> exact output (etl/transform.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from etl_testkit import TINY

from etl.profile import load_profile
from etl.transform import (
    Chunk,
    add_flag,
    build_address,
    map_channel,
    map_status,
    normalise_coordinates,
    normalise_text,
    normalise_zipcode,
    reconcile_closure,
)


@pytest.fixture(scope="module")
def profile():
    return load_profile(str(TINY / "profile.toml"))


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
