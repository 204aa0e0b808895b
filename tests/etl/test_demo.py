import json
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import shapely

from etl import demo, demo_city

PROFILES = Path(__file__).resolve().parents[2] / "etl" / "profiles"
COLUMNS = [
    "request_id",
    "opened_at",
    "last_update",
    "due",
    "closed_at",
    "status",
    "resolution",
    "category",
    "details",
    "department",
    "street_address",
    "zip",
    "latitude",
    "longitude",
    "district_code",
    "source",
    "photo",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
]
# Exact planted faults for the default arguments (n_rows=6000, seed=311).
EXPECTED_FAULTS = {
    "missing_coordinates": 60,
    "zero_coordinates": 30,
    "outside_point": 30,
    "closed_before_opened": 30,
    "closed_at_on_open": 30,
    "mojibake_resolution": 60,
    "pii_in_text": 60,
    "duplicate_id": 30,
    "mixed_case_category": 60,
    "blank_zip": 60,
    "blank_due": 30,
    "foreign_media_host": 18,
}
OPEN = {"New", "Assigned", "In Progress"}
CLOSED = {"Completed", "Cancelled", "Duplicate"}


@pytest.fixture(scope="module")
def frame():
    return demo.generate_demo_requests()


@pytest.fixture(scope="module")
def profile():
    return tomllib.loads((PROFILES / "demo.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def polygons():
    fc = demo_city.build_demo_boundaries()
    return {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in fc["features"]}


def _points(frame):
    has = frame["latitude"].ne("")
    lat = pd.to_numeric(frame["latitude"].where(has))
    lon = pd.to_numeric(frame["longitude"].where(has))
    return has, lat, lon


def test_generate_demo_requests_is_deterministic(frame, tmp_path):
    pd.testing.assert_frame_equal(frame, demo.generate_demo_requests())
    a = demo.write_demo_input(tmp_path / "a").read_bytes()
    b = demo.write_demo_input(tmp_path / "b").read_bytes()
    assert a == b
    assert b"\r" not in a
    assert a.decode("utf-8").split("\n", 1)[0] == ",".join(COLUMNS)
    assert pd.read_csv(tmp_path / "a" / "requests.csv", dtype=str, keep_default_na=False).equals(
        frame.astype(object).astype(str)
    )


def test_generate_demo_requests_seed_changes_data():
    other = demo.generate_demo_requests(n_rows=500, seed=312)
    assert not other.equals(demo.generate_demo_requests(n_rows=500, seed=311))


def test_generate_demo_requests_columns_and_types(frame):
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 6000
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in COLUMNS)
    assert not frame.isna().any().any()


def test_planted_fault_counts_default():
    assert demo.planted_fault_counts() == EXPECTED_FAULTS


def test_profile_words_fit(frame, profile):
    assert set(frame["status"]) == set(profile["statuses"]["open"]) | set(profile["statuses"]["closed"])
    assert set(frame["source"]) == {w for words in profile["channels"].values() for w in words}
    types = {t.lower() for t in frame["category"]}
    assert {t.lower() for t in profile["targets"]} <= types
    assert {t.lower() for t in profile["privacy"]["sensitive_types"] + profile["privacy"]["excluded_types"]} <= types
    for col in ["opened_at", "last_update"]:
        pd.to_datetime(frame[col], format="%Y-%m-%d %H:%M:%S")  # raises on any other shape
    for col in ["due", "closed_at"]:
        pd.to_datetime(frame[col].replace("", None), format="%Y-%m-%d %H:%M:%S")


def test_ids_unique_except_planted_duplicates(frame):
    assert frame["request_id"].str.fullmatch(r"DC-2026-\d{6}").all()
    dup = frame["request_id"].duplicated(keep=False)
    assert frame["request_id"].duplicated().sum() == EXPECTED_FAULTS["duplicate_id"]
    firsts, lasts = frame[dup].drop_duplicates("request_id"), frame[dup].drop_duplicates("request_id", keep="last")
    pairs = firsts.merge(lasts, on="request_id", suffixes=("_1", "_2"))
    assert len(pairs) == 30
    assert (pairs["last_update_2"] > pairs["last_update_1"]).all()
    assert (pairs["status_1"] != pairs["status_2"]).all()
    assert set(pairs["status_1"]) == {"In Progress"} and set(pairs["status_2"]) == {"Completed"}
    unique = frame[~frame["request_id"].duplicated()]
    assert unique["request_id"].is_monotonic_increasing
    assert unique["opened_at"].is_monotonic_increasing


def test_coordinate_faults_and_points_inside_their_neighborhood(frame, polygons):
    has, lat, lon = _points(frame)
    assert (~has).sum() == 60
    assert (frame["longitude"].eq("") == ~has).all()
    zero = (lat == 0) & (lon == 0)
    assert zero.sum() == 30
    real = has & ~zero
    inside = pd.Series(False, index=frame.index)
    for code, poly in polygons.items():
        rows = real & frame["district_code"].eq(code)
        inside[rows] = shapely.contains_xy(poly, lon[rows].to_numpy(), lat[rows].to_numpy())
    outside = real & ~inside
    assert outside.sum() == 30
    union = shapely.union_all(list(polygons.values()))
    assert not shapely.intersects_xy(union, lon[outside].to_numpy(), lat[outside].to_numpy()).any()
    assert frame["district_code"].isin(list(polygons)).all()
    assert frame.loc[real, "latitude"].str.fullmatch(r"\d+\.\d{6}").all()


def test_time_faults(frame):
    closed_at = frame["closed_at"]
    assert (closed_at.ne("") & (closed_at < frame["opened_at"])).sum() == 30
    assert (closed_at.ne("") & frame["status"].isin(OPEN)).sum() == 30
    assert (closed_at.eq("") & frame["status"].isin(CLOSED)).sum() == 0
    assert (frame["last_update"] >= frame["opened_at"]).all()
    normal = closed_at.ne("") & frame["status"].isin(CLOSED) & (closed_at >= frame["opened_at"])
    assert (frame.loc[normal, "last_update"] == closed_at[normal]).all()


def test_due_is_opened_plus_target(frame, profile):
    targets = {k.lower(): v for k, v in profile["targets"].items()}
    target = frame["category"].str.lower().map(targets)
    assert (target.notna() & frame["due"].eq("")).sum() == 30
    assert frame.loc[target.isna(), "due"].eq("").all()
    rows = target.notna() & frame["due"].ne("")
    opened = pd.to_datetime(frame.loc[rows, "opened_at"])
    due = pd.to_datetime(frame.loc[rows, "due"])
    assert ((due - opened) == pd.to_timedelta(target[rows], unit="D")).all()


def test_text_faults(frame):
    assert frame["resolution"].str.contains("â\x80\x99", regex=False).sum() == 60
    assert frame["resolution"].str.contains("couldn’t", regex=False).sum() > 0  # correct UTF-8 too
    pii = re.compile(r"\d{3}-\d{3}-\d{4}|[\w.]+@[\w.]+")
    text = frame["details"] + " | " + frame["resolution"]
    assert text.str.contains(pii).sum() == 60
    canonical = {t[0] for t in demo.TYPES}
    assert (~frame["category"].isin(canonical)).sum() == 60
    assert frame["category"].str.lower().isin({t.lower() for t in canonical}).all()


def test_address_zip_photo_reporter(frame, profile):
    info = frame["category"].eq("311 Information Only")
    assert frame.loc[info, "street_address"].eq(profile["quality"]["placeholder_addresses"][0]).all()
    assert frame.loc[info, ["latitude", "longitude"]].nunique().tolist() == [1, 1]
    assert frame.loc[~info, "street_address"].str.fullmatch(r"\d+ [A-Z0-9 ]+|[A-Z0-9 ]+ & [A-Z0-9 ]+").all()
    assert frame["zip"].eq("").sum() == 60
    assert frame.loc[frame["zip"].ne(""), "zip"].isin([str(z) for z in range(80201, 80213)]).all()
    photo = frame["photo"]
    assert photo.eq("https://evil.example.net/x.jpg").sum() == 18
    other = photo.ne("") & photo.ne("https://evil.example.net/x.jpg")
    assert photo[other].str.fullmatch(r"https://media\.example\.org/p/\d+\.jpg").all()
    named = frame["reporter_name"].ne("")
    assert frame.loc[frame["reporter_phone"].ne(""), "reporter_phone"].str.fullmatch(r"\(555\) 01\d-\d{4}").all()
    assert frame.loc[frame["reporter_email"].ne(""), "reporter_email"].str.endswith("@example.com").all()
    assert (frame["reporter_phone"].ne("") & ~named).sum() == 0


def test_open_share_and_neighborhood_effects(frame):
    is_open = frame["status"].isin(OPEN)
    assert 0.08 <= is_open.mean() <= 0.12
    recent = frame["opened_at"] >= "2026-10-01"
    assert is_open[recent].mean() > 3 * is_open[~recent].mean()
    closed = frame[frame["status"].eq("Completed") & frame["category"].ne("311 Information Only")]
    days = (pd.to_datetime(closed["closed_at"]) - pd.to_datetime(closed["opened_at"])).dt.total_seconds() / 86400
    median = days.groupby(closed["district_code"]).median()
    assert median["N10"] > 1.8 * median["N09"]  # Foundry District is slow, Aspen Terrace fast


def test_boundaries_file_matches_builder(polygons):
    on_disk = json.loads((PROFILES / "demo-neighborhoods.geojson").read_text(encoding="utf-8"))
    assert on_disk == demo_city.build_demo_boundaries()
    assert [f["properties"]["code"] for f in on_disk["features"]] == [f"N{i:02d}" for i in range(1, 13)]
    assert len({f["properties"]["name"] for f in on_disk["features"]}) == 12


def test_boundaries_tessellate(polygons):
    polys = list(polygons.values())
    assert all(p.is_valid and p.exterior.is_ccw for p in polys)
    union = shapely.union_all(polys)
    assert union.geom_type == "Polygon" and not list(union.interiors)
    assert union.area == pytest.approx(sum(p.area for p in polys), rel=1e-9)
    lon, lat = union.centroid.x, union.centroid.y
    assert abs(lat - 39.74) < 0.01 and abs(lon + 104.99) < 0.01
