"""Boundaries and the spatial join: repairs, repeated codes, the area-code fallback (etl/geo.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from etl_testkit import FIXTURES, TINY

from etl.errors import InputError
from etl.geo import assign_neighborhoods, load_boundaries

GEO = FIXTURES / "geo"


@pytest.mark.parametrize(
    "name, message",
    [
        ("missing_code.geojson", "{path}, row 0, field 'code': feature 0 has no 'code' property"),
        ("no_features.geojson", "{path}: boundary file has no features"),
        ("not_a_collection.geojson", "{path}: boundary file is not a GeoJSON FeatureCollection"),
        (
            "not_json.geojson",
            "{path}: boundary file is not GeoJSON (not valid JSON: Expecting value: line 1 column 1 (char 0))",
        ),
        ("point_feature.geojson", "{path}, row 0, field 'geometry': feature 0 (P1) is a Point, not a polygon"),
        ("nowhere.geojson", "{path}: boundary file not found"),
    ],
)
def test_load_boundaries_errors(name, message):
    with pytest.raises(InputError) as exc:
        load_boundaries(GEO / name, "code")
    assert str(exc.value) == message.format(path=GEO / name)


def test_invalid_polygon_is_repaired_and_reported():
    hoods = load_boundaries(GEO / "bowtie.geojson", "code")
    assert hoods.repairs == ["feature 0 (B1): Self-intersection[1 1]; repaired"]
    assert hoods.geometries[0].is_valid and hoods.geometries[0].area == pytest.approx(2.0)


@pytest.fixture(scope="module")
def repeated():
    return load_boundaries(GEO / "duplicate_codes.geojson", "nc_id", "name")


def test_repeated_code_is_kept_apart(repeated):
    assert repeated.codes == ["0", "7", "0#2"]  # numeric 7 becomes the text '7'
    assert repeated.names == ["WEST NC", "MIDDLE NC", "EAST NC"]
    assert repeated.repairs == ["feature 2: code '0' appears twice; this feature is '0#2'"]
    assert repeated.ambiguous == {"0"}


def _frame(points, areas, flags=None):
    lat = [p[0] if p else None for p in points]
    lon = [p[1] if p else None for p in points]
    return pd.DataFrame(
        {
            "lat": pd.array(lat, dtype="Float64").astype(float),
            "long": pd.array(lon, dtype="Float64").astype(float),
            "area_code": areas,
            "quality_flags": flags or [""] * len(points),
        }
    )


def test_assign_neighborhoods_area_code_fallback(repeated):
    frame = _frame(
        [(34.05, -118.25), (34.05, -118.05), (34.05, -118.15), None, None, None, (35.0, -118.0), None],
        ["", "", "0", "0", "7", "7.0", "7", "7"],
        ["", "", "", "", "", "", "", "placeholder_location"],
    )
    out = assign_neighborhoods(frame, repeated)
    assert out["neighborhood_code"].tolist() == ["0", "0#2", "7", "", "7", "7", "7", ""]
    assert out["neighborhood"].tolist() == [
        "WEST NC",
        "EAST NC",
        "MIDDLE NC",
        "",
        "MIDDLE NC",
        "MIDDLE NC",
        "MIDDLE NC",
        "",
    ]
    assert out["quality_flags"].tolist() == [
        "",
        "",
        "",
        "",  # area code '0' names two neighborhoods: not used
        "neighborhood_from_area_code",
        "neighborhood_from_area_code",
        "outside_boundaries;neighborhood_from_area_code",
        "placeholder_location",  # the call centre's area is not the request's
    ]
    assert out["council_district"].tolist() == [""] * 8


def test_point_on_a_shared_edge_goes_to_the_first_polygon():
    hoods = load_boundaries(TINY / "boundaries.geojson", "code", "name")
    out = assign_neighborhoods(_frame([(41.90, -87.65), (41.8999, -87.65)], ["", ""]), hoods)
    assert out["neighborhood_code"].tolist() == ["N1", "N2"]


def test_names_from_table_and_template(tmp_path):
    hoods = load_boundaries(TINY / "boundaries.geojson", "code", "", {"N1": "Uptown"}, "District {code}")
    assert hoods.names == ["Uptown", "District N2"]


def test_neighborhoods_geojson_has_codes_names_and_centroids():
    hoods = load_boundaries(TINY / "boundaries.geojson", "code", "name")
    features = hoods.to_geojson()["features"]
    assert [f["properties"] for f in features] == [
        {"neighborhood_code": "N1", "name": "North Side", "centroid_lat": 41.95, "centroid_long": -87.65},
        {"neighborhood_code": "N2", "name": "South Side", "centroid_lat": 41.85, "centroid_long": -87.65},
    ]
