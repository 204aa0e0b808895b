"""One test per data fault of issue #2, on the real rows that show it (../shared/data, read in place).

Rows are picked by the ids named in each city's PROVENANCE.md or by filtering the raw file here,
independently of the ETL; the assertions are the documented rule's exact outcome in the published
CSV (docs/data-rules.md). Where no real row shows a fault ((0, 0) coordinates), the Tiny City
fixture (tests/fixtures/etl/tiny) is used instead, and a test proves no real row has it.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from datetime import datetime

import pandas as pd
import pytest
import shapely
from etl_testkit import CITIES, read_text_csv

from etl.profile import load_profile

shared = pytest.mark.shared


def _by_id(frame: pd.DataFrame, id_col: str = "service_request_id") -> pd.DataFrame:
    return frame.set_index(id_col, drop=False)


def _flagged(published: pd.DataFrame, flag: str) -> set[str]:
    flags = published["quality_flags"].str.split(";")
    return set(published.loc[flags.map(lambda f: flag in f), "service_request_id"])


# --- closed before created ----------------------------------------------------------------------


@shared
def test_nyc_closed_before_created_nulls_the_close_date(nyc):
    raw = nyc.raw()
    fmt = "%m/%d/%Y %I:%M:%S %p"
    created = pd.to_datetime(raw["Created Date"], format=fmt)
    closed = pd.to_datetime(raw["Closed Date"].replace("", None), format=fmt)
    assert sorted(raw.loc[closed < created, "Unique Key"]) == ["56921224", "56923577"]
    pub = _by_id(nyc.published())
    rows = pub.loc[["56923577", "56921224"]]
    assert rows["requested_datetime"].tolist() == ["2023-02-28T23:45:00-05:00", "2023-02-28T23:44:59-05:00"]
    assert rows["closed_datetime"].tolist() == ["", ""]
    assert rows["days_to_close"].tolist() == ["", ""]
    assert rows["status"].tolist() == ["closed", "closed"]
    # 56923577 also had its resolution text repaired (mojibake); the closure flag is there either way.
    assert rows["quality_flags"].tolist() == [
        "mojibake_fixed_status_notes;closed_before_requested",
        "closed_before_requested",
    ]
    assert _flagged(pub, "closed_before_requested") == {"56923577", "56921224"}


@shared
def test_la_closed_before_created_streetlights(la):
    raw = la.raw()
    fmt = "%m/%d/%Y %I:%M:%S %p"
    created = pd.to_datetime(raw["CreatedDate"], format=fmt)
    closed = pd.to_datetime(raw["ClosedDate"].replace("", None), format=fmt)
    bad = raw[closed < created]
    assert len(bad) == 12
    assert bad["RequestType"].value_counts().to_dict() == {
        "Single Streetlight Issue": 9,
        "Multiple Streetlight Issue": 3,
    }
    assert bad["ClosedDate"].str.endswith(" 12:00:00 AM").all()  # date-only values
    pub = _by_id(la.published())
    rows = pub.loc[bad["SRNumber"]]
    assert (rows["closed_datetime"] == "").all()
    assert (rows["days_to_close"] == "").all()
    assert (rows["status"] == "closed").all()
    assert _flagged(pub, "closed_before_requested") == set(bad["SRNumber"])


# --- status disagreeing with the close date ------------------------------------------------------


@shared
def test_nyc_close_date_on_open_status_is_nulled(nyc):
    raw = nyc.raw()
    open_statuses = load_profile("new-york-city").statuses["open"]
    odd = raw[raw["Status"].isin(open_statuses) & (raw["Closed Date"] != "")]
    assert odd["Status"].value_counts().to_dict() == {"Assigned": 19, "Open": 16}
    assert odd["Agency"].value_counts().to_dict() == {"DOB": 31, "DOT": 3, "DOHMH": 1}
    pub = _by_id(nyc.published())
    rows = pub.loc[odd["Unique Key"]]
    assert (rows["closed_datetime"] == "").all()
    assert (rows["days_to_close"] == "").all()
    assert (rows["status"] == "open").all()
    assert rows["status_description"].tolist() == odd["Status"].tolist()
    assert _flagged(pub, "closed_date_on_open_status") == set(odd["Unique Key"])
    assert nyc.report["quality_flags"]["closed_date_on_open_status"] == 35


# --- missing coordinates ------------------------------------------------------------------------


@shared
def test_la_missing_coordinates_use_the_nc_code(la):
    raw = la.raw()
    missing = raw[(raw["Latitude"] == "") | (raw["Longitude"] == "")]
    assert len(missing) == 1753
    assert missing["RequestType"].value_counts().to_dict() == {
        "Graffiti Removal": 1749,
        "Dead Animal Removal": 2,
        "Feedback": 1,
        "Bulky Items": 1,
    }
    pub = _by_id(la.published())
    rows = pub.loc[missing["SRNumber"]]
    assert (rows["lat"] == "").all() and (rows["long"] == "").all()
    assert (rows["location_precision"] == "none").all()
    with_nc = missing["NC"] != ""
    assert with_nc.sum() == 1743
    assert rows.loc[with_nc.to_numpy(), "neighborhood_code"].tolist() == missing.loc[with_nc, "NC"].tolist()
    assert set(rows.loc[with_nc.to_numpy(), "quality_flags"]) == {"missing_coordinates;neighborhood_from_area_code"}
    assert set(rows.loc[~with_nc.to_numpy(), "neighborhood_code"]) == {""}
    assert set(rows.loc[~with_nc.to_numpy(), "quality_flags"]) == {"missing_coordinates"}
    names = {
        f["properties"]["nc_id"]: f["properties"]["name"]
        for f in json.loads(la.boundaries.read_text(encoding="utf-8"))["features"]
    }
    assert rows.loc[with_nc.to_numpy(), "neighborhood"].tolist() == [names[c] for c in missing.loc[with_nc, "NC"]]
    assert la.report["quality_flags"]["missing_coordinates"] == 1753


# --- coordinates at (0, 0) or outside the city ----------------------------------------------------


@shared
@pytest.mark.parametrize("name", list(CITIES))
def test_no_real_row_has_zero_coordinates(shared_data, name):
    profile = load_profile(name)
    _package, folder, raw_file, _bounds = CITIES[name]
    raw = read_text_csv(shared_data / folder / raw_file)
    lat = pd.to_numeric(raw[profile.columns["lat"]].replace("", None))
    lon = pd.to_numeric(raw[profile.columns["long"]].replace("", None))
    assert ((lat == 0) & (lon == 0)).sum() == 0


@pytest.mark.parametrize(
    "sr_id, lat, lon, precision, neighborhood, flags",
    [
        (
            "T-002",
            "",
            "",
            "none",
            "N2",
            "zero_coordinates;neighborhood_from_area_code",
        ),  # (0, 0), rescued by its area code
        ("T-003", "", "", "none", "", "coordinates_outside_city"),  # New York, in Tiny City's export
        ("T-028", "41.78", "-87.65", "point_3dp", "", "outside_boundaries"),  # just past the boundary, kept
    ],
)
def test_zero_and_out_of_city_coordinates_fixture(tiny_release, sr_id, lat, lon, precision, neighborhood, flags):
    row = _by_id(tiny_release.published()).loc[sr_id]
    assert (row["lat"], row["long"], row["location_precision"], row["neighborhood_code"], row["quality_flags"]) == (
        lat,
        lon,
        precision,
        neighborhood,
        flags,
    )


@shared
def test_chicago_point_just_outside_the_boundary(chicago):
    raw = chicago.raw()
    near = raw[raw["latitude"].str.startswith("41.7003") & raw["longitude"].str.startswith("-87.7207")]
    assert near["sr_number"].tolist() == ["SR21-00000996"]
    assert near[["community_area", "ward", "zip_code"]].values.tolist() == [["", "", "0"]]
    row = _by_id(chicago.published()).loc["SR21-00000996"]
    assert (row["lat"], row["long"], row["location_precision"]) == ("41.7", "-87.721", "point_3dp")
    assert (row["neighborhood_code"], row["neighborhood"]) == ("", "")
    assert row["quality_flags"] == "invalid_zipcode;outside_boundaries"
    assert _flagged(chicago.published(), "outside_boundaries") == {"SR21-00000996"}


# --- the call centre's address used as the location ------------------------------------------------


@shared
def test_chicago_call_centre_is_not_a_location(chicago):
    raw = chicago.raw()
    centre = raw[raw["street_address"] == "2111 W Lexington ST"]
    assert len(centre) == 2877
    assert set(centre["sr_type"]) == {"311 INFORMATION ONLY CALL"}
    assert (centre["latitude"] != "").all() and (centre["community_area"] != "").all()
    assert centre["community_area"].value_counts().iloc[:1].to_dict() == {"28": 2841}
    pub = _by_id(chicago.published())
    rows = pub.loc[centre["sr_number"]]
    for col in ("lat", "long", "address", "zipcode", "council_district", "neighborhood_code", "neighborhood"):
        assert set(rows[col]) == {""}, col
    assert set(rows["location_precision"]) == {"none"}
    assert set(rows["quality_flags"]) == {"placeholder_location"}  # no neighborhood_from_area_code
    assert _flagged(pub, "placeholder_location") == set(centre["sr_number"])
    assert chicago.report["quality_flags"]["placeholder_location"] == 2877


# --- naive local timestamps, 12-hour clock --------------------------------------------------------


@shared
@pytest.mark.parametrize(
    "fixture, column, fmt, offset, sr_id, raw_value, published",
    [
        (
            "nyc",
            "Created Date",
            "%m/%d/%Y %I:%M:%S %p",
            "-05:00",
            "56923577",
            "02/28/2023 11:45:00 PM",
            "2023-02-28T23:45:00-05:00",
        ),
        (
            "la",
            "CreatedDate",
            "%m/%d/%Y %I:%M:%S %p",
            "-08:00",
            "1-870704831",
            "12/31/2017 11:59:58 PM",
            "2017-12-31T23:59:58-08:00",
        ),
        (
            "chicago",
            "created_date",
            "%Y-%m-%dT%H:%M:%S.000",
            "-06:00",
            "SR21-00000001",
            "2021-01-01T00:00:09.000",
            "2021-01-01T00:00:09-06:00",
        ),
    ],
)
def test_local_timestamps_get_the_city_offset(request, fixture, column, fmt, offset, sr_id, raw_value, published):
    city = request.getfixturevalue(fixture)
    raw = _by_id(city.raw(), city.profile_id_column())
    assert raw.loc[sr_id, column] == raw_value
    pub = _by_id(city.published())
    assert pub.loc[sr_id, "requested_datetime"] == published
    # every row: same wall time, the city's (winter) offset; computed here without the ETL
    expected = [datetime.strptime(v, fmt).strftime("%Y-%m-%dT%H:%M:%S") + offset for v in raw[column]]
    assert pub.loc[raw.index, "requested_datetime"].tolist() == expected


# --- mojibake ----------------------------------------------------------------------------------


@shared
def test_nyc_mojibake_is_repaired(nyc):
    raw = _by_id(nyc.raw(), "Unique Key")
    text = raw["Resolution Description"]
    utf8_as_latin1 = text.str.contains("â\x80", regex=False)
    nbsp = text.str.contains("Â\xa0", regex=False)
    assert (utf8_as_latin1.sum(), nbsp.sum(), (utf8_as_latin1 & nbsp).sum()) == (183, 15, 0)
    pub = _by_id(nyc.published())
    notes = pub.loc[raw.index[utf8_as_latin1], "status_notes"]
    assert not notes.str.contains("â\x80", regex=False).any()
    sequences = Counter(s for v in text[utf8_as_latin1] for s in re.findall("â\x80.", v))
    assert sequences == {"â\x80\x99": 183, "â\x80\x9c": 129, "â\x80\x9d": 129}
    repaired = Counter(ch for v in notes for ch in v if ch in "\u2019\u201c\u201d")
    assert repaired == {"\u2019": 183, "\u201c": 129, "\u201d": 129}
    # the whole text, repaired independently (these cells hold nothing else to scrub)
    expected = [re.sub(r"\s+", " ", v.encode("latin-1").decode("utf-8")).strip() for v in text[utf8_as_latin1]]
    assert notes.tolist() == expected
    assert not pub["status_notes"].str.contains("Â", regex=False).any()
    assert _flagged(pub, "mojibake_fixed_status_notes") == set(raw.index[utf8_as_latin1 | nbsp])
    assert nyc.report["quality_flags"]["mojibake_fixed_status_notes"] == 198


# --- Python-dict strings in a location column -------------------------------------------------------


@shared
def test_chicago_location_dict_is_never_published(chicago):
    raw = _by_id(chicago.raw(), "sr_number")
    pub = _by_id(chicago.published())
    assert "location" not in pub.columns
    assert not pub.apply(lambda col: col.str.contains("human_address", regex=False)).any().any()
    profile = chicago.profile()
    assert (profile.columns["location"], profile.columns["location_format"]) == (
        "location",
        "python_dict",
    )  # a helper input only
    # Where latitude is present, the dict holds the same point: parsing it would add nothing.
    has = raw["location"] != ""
    parsed = raw.loc[has, "location"].map(ast.literal_eval)
    assert (parsed.map(lambda d: d["latitude"]) == raw.loc[has, "latitude"]).all()
    assert (parsed.map(lambda d: d["longitude"]) == raw.loc[has, "longitude"]).all()
    point = pub["location_precision"] == "point_3dp"
    assert point.sum() == 5000 - 2877 - 4 - 12  # minus call centre, no point, sensitive type
    assert (pd.to_numeric(pub.loc[point, "lat"]) == pd.to_numeric(raw.loc[pub.index[point], "latitude"]).round(3)).all()


@shared
def test_chicago_rows_without_latitude(chicago):
    raw = chicago.raw()
    blank = raw[raw["latitude"] == ""]
    assert blank["sr_number"].tolist() == ["SR21-00002999", "SR21-00004324", "SR21-00004604", "SR21-00004621"]
    # the location dict is blank in exactly these rows, so there is nothing to parse: no point.
    assert blank[["longitude", "location", "community_area", "ward"]].values.tolist() == [["", "", "", ""]] * 4
    rows = _by_id(chicago.published()).loc[blank["sr_number"]]
    assert (
        rows[["lat", "long", "location_precision", "neighborhood_code", "quality_flags"]].values.tolist()
        == [["", "", "none", "", "missing_coordinates"]] * 4
    )
    assert _flagged(chicago.published(), "coordinates_from_location") == set()


# --- mixed-case request types ---------------------------------------------------------------------


@shared
@pytest.mark.parametrize(
    "raw_types, service_name, service_code, requests",
    [
        (("HEAT/HOT WATER",), "Heat/Hot Water", "heat-hot-water", 748),
        (("PLUMBING", "Plumbing"), "Plumbing", "plumbing", 155),
        (("ELEVATOR", "Elevator"), "Elevator", "elevator", 33),
        (("UNSANITARY CONDITION",), "Unsanitary Condition", "unsanitary-condition", 240),
        (("Noise - Residential",), "Noise - Residential", "noise-residential", 344),
    ],
)
def test_nyc_mixed_case_types_are_one_type(nyc, raw_types, service_name, service_code, requests):
    raw = nyc.raw()
    ids = raw.loc[raw["Complaint Type"].isin(raw_types), "Unique Key"]
    assert len(ids) == requests
    rows = _by_id(nyc.published()).loc[ids]
    assert set(zip(rows["service_name"], rows["service_code"])) == {(service_name, service_code)}
    types = read_text_csv(nyc.release / "data" / "service_types.csv").set_index("service_code")
    assert (types.loc[service_code, "service_name"], int(types.loc[service_code, "requests"])) == (
        service_name,
        requests,
    )


@shared
def test_nyc_type_counts_after_merging_case(nyc):
    assert nyc.raw()["Complaint Type"].nunique() == 113
    types = read_text_csv(nyc.release / "data" / "service_types.csv")
    assert len(types) == 111
    names = nyc.published()["service_name"]
    assert not (names.str.contains("[A-Z]{2}", regex=True) & (names == names.str.upper())).any()


# --- boundaries that do not cover every point ---------------------------------------------------------


@shared
def test_la_points_outside_every_neighborhood_council(la):
    raw = _by_id(la.raw(), "SRNumber")
    geocoded = raw[(raw["Latitude"] != "") & (raw["Longitude"] != "")]
    polygons = [
        shapely.geometry.shape(f["geometry"]) for f in json.loads(la.boundaries.read_text(encoding="utf-8"))["features"]
    ]
    union = shapely.union_all(polygons)
    inside = shapely.intersects_xy(
        union, pd.to_numeric(geocoded["Longitude"]).to_numpy(), pd.to_numeric(geocoded["Latitude"]).to_numpy()
    )
    outside = geocoded[~inside]
    assert (len(geocoded), len(outside)) == (8246, 110)
    assert (outside["NC"] == "").sum() == 90
    pub = _by_id(la.published())
    assert _flagged(pub, "outside_boundaries") == set(outside.index)
    rows = pub.loc[outside.index]
    rescued = (outside["NC"] != "").to_numpy()
    assert rows.loc[rescued, "neighborhood_code"].tolist() == outside.loc[rescued, "NC"].tolist()
    assert set(rows.loc[rescued, "quality_flags"].str.replace("closed_before_requested;", "")) == {
        "outside_boundaries;neighborhood_from_area_code"
    }
    assert set(rows.loc[~rescued, "neighborhood_code"]) == {""}
    # The point itself is kept, except for the 4 Homeless Encampment requests: a sensitive type is placed at a
    # random point of its neighborhood (2 have one by their NC code), or nowhere when it has none (2).
    sensitive = rows["redaction_reason"].str.contains("sensitive_type", regex=False)
    assert rows.loc[sensitive, "service_name"].tolist() == ["Homeless Encampment"] * 4
    assert (rows.loc[~sensitive, "lat"] != "").all() and set(rows.loc[~sensitive, "location_precision"]) == {
        "point_3dp"
    }
    placed = rows.loc[sensitive, ["neighborhood_code", "location_precision"]]
    assert sorted(map(tuple, placed.values.tolist())) == [
        ("", "none"),
        ("", "none"),
        ("26", "neighborhood_random"),
        ("29", "neighborhood_random"),
    ]
    assert rows.loc["1-870674311", ["lat", "long", "neighborhood_code"]].tolist() == ["34.048", "-118.344", "104"]
    report = la.report["quality_flags"]
    assert (report["outside_boundaries"], report["neighborhood_from_area_code"]) == (110, 1743 + 20)


@shared
def test_la_boundary_code_zero_appears_twice(la):
    assert la.report["boundaries"] == {
        "file": "nc-boundary-2019.json",
        "features": 99,
        "repairs": ["feature 98: code '0' appears twice; this feature is '0#98'"],
    }
    hoods = json.loads((la.release / "data" / "neighborhoods.geojson").read_text(encoding="utf-8"))["features"]
    codes = {f["properties"]["neighborhood_code"]: f["properties"]["name"] for f in hoods}
    assert len(codes) == 99
    assert (codes["0"], codes["0#98"]) == ("HISTORIC CULTURAL NORTH NC", "NORTH WESTWOOD NC")
    pub = la.published()
    assert pub["neighborhood_code"].value_counts()[["0", "0#98"]].tolist() == [14, 16]
    assert not (la.raw()["NC"] == "0").any()  # so the area-code fallback never meets the ambiguous code here
    area = pub["quality_flags"].str.contains("neighborhood_from_area_code", regex=False)
    assert not pub.loc[area, "neighborhood_code"].isin(["0", "0#98"]).any()
