"""Location privacy, checked on what is published for the three real cities (the extract as is, release
1.0.0, and the planted copy, 1.1.0): coordinates keep at most 3 decimals on every row (CSV, Parquet,
database); sensitive types get their neighborhood's centroid or a deterministic random point inside
it, with no address or ZIP, and location_precision says which; the default sensitive types cover
every person-related type in the real data.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from pii import CITIES
from published import read_rows, releases
from shapely.geometry import shape

from etl.privacy import DEFAULT_SENSITIVE_TYPES, apply_location_privacy, sensitive_types


@lru_cache(maxsize=8)
def _polygons(geojson: Path) -> dict:
    data = json.loads(geojson.read_text(encoding="utf-8"))
    return {f["properties"]["neighborhood_code"]: shape(f["geometry"]) for f in data["features"]}


def polygons(release_dir: Path) -> dict:
    return _polygons(release_dir / "data" / "neighborhoods.geojson")


def _decimals_ok(text: str) -> bool:
    return text == "" or re.fullmatch(r"-?\d+(?:\.\d{1,3})?", text) is not None


def test_coordinates_have_at_most_3_decimals_everywhere(city, hostile_scrubbed):
    from sqlalchemy import create_engine, text

    for release_dir in (*releases(city).values(), hostile_scrubbed.release_dir):
        rows = read_rows(release_dir)
        assert rows["lat"].map(_decimals_ok).all() and rows["long"].map(_decimals_ok).all()
        table = pq.read_table(release_dir / "data" / "service_requests.parquet", columns=["lat", "long"])
        for col in ("lat", "long"):
            values = [v for v in table.column(col).to_pylist() if v is not None]
            assert values and all(round(v, 3) == v for v in values), release_dir
    engine = create_engine(city.db_url)
    with engine.connect() as conn:
        coords = conn.execute(text("SELECT lat, long FROM service_requests WHERE lat IS NOT NULL")).all()
    engine.dispose()
    assert coords and all(round(a, 3) == a and round(b, 3) == b for a, b in coords)


def test_sensitive_types_are_placed_in_their_neighborhood(city):
    names = sensitive_types(city.profile)
    mode = city.profile.privacy["sensitive_location"]
    for label, release_dir in releases(city).items():
        rows = read_rows(release_dir)
        hoods = polygons(release_dir)
        sensitive = rows["service_name"].str.casefold().isin(names)
        assert sensitive.sum() >= 10, "the real extract holds sensitive types"
        s = rows[sensitive]
        assert set(s["location_precision"]) <= {mode, "none"}
        assert (s["address"] == "").all() and (s["zipcode"] == "").all()
        assert s["redaction_reason"].str.contains("sensitive_type").all()
        located = s[s["location_precision"] == mode]
        assert (located["lat"] != "").all() and (s.loc[s["location_precision"] == "none", "lat"] == "").all()
        outside = [
            r.service_request_id
            for r in located.itertuples()
            if not hoods[r.neighborhood_code].contains(shapely.Point(float(r.long), float(r.lat)))
        ]
        assert not outside, (
            f"{city.city} ({label}): {len(outside)} of {len(located)} sensitive points outside their neighborhood"
        )
        others = rows[~sensitive]
        assert set(others["location_precision"]) <= {"point_3dp", "none"}


def test_sensitive_points_are_deterministic_per_id(city):
    """The same id gets the same point in two releases built from different inputs."""
    before = read_rows(city.original_dir).set_index("service_request_id")
    after = read_rows(city.release_dir).set_index("service_request_id")
    precision = city.profile.privacy["sensitive_location"]
    same = before.index[(before["location_precision"] == precision)].difference(pd.Index(city.planted.ids))
    same = same.intersection(after.index)
    assert len(same) >= 3
    cols = ["neighborhood_code", "lat", "long", "location_precision"]
    assert before.loc[same, cols].equals(after.loc[same, cols])


@pytest.mark.parametrize("mode", ["neighborhood_centroid", "neighborhood_random"])
def test_sensitive_modes_on_real_boundaries(city, mode):
    """Both modes on the city's real boundaries: location_precision names the mode; every rounded point
    is inside the neighborhood; the centroid is the neighborhood's; random points repeat per id only."""
    from etl.geo import load_boundaries

    b = city.profile.boundaries
    hoods = load_boundaries(
        city.profile.resolve(b["file"]), b["code_property"], b["name_property"], b["names"], b["name_template"]
    )
    profile = type(city.profile)(
        **{**city.profile.__dict__, "privacy": {**city.profile.privacy, "sensitive_location": mode}}
    )
    sensitive_name = next(iter(sensitive_types(profile)))
    codes = [c for c in hoods.codes if not c.startswith("#")]
    frame = pd.DataFrame(
        {
            "service_request_id": [f"S-{i}" for i in range(3 * len(codes))],
            "service_name": sensitive_name,
            "neighborhood_code": codes * 3,
            "lat": 0.0,
            "long": 0.0,
            "address": "100 block of X ST",
            "zipcode": "10001",
            "redaction_reason": "",
        }
    )
    out = apply_location_privacy(frame, profile, hoods)
    again = apply_location_privacy(frame, profile, hoods)
    assert out[["lat", "long"]].equals(again[["lat", "long"]])
    assert set(out["location_precision"]) == {mode}
    assert (out["address"] == "").all() and (out["zipcode"] == "").all()
    inside = [
        hoods.geometries[hoods.index[c]].contains(shapely.Point(lo, la))
        for c, la, lo in zip(out["neighborhood_code"], out["lat"], out["long"])
    ]
    # a centroid rounded to 3 decimals can fall just outside a sliver of a polygon; a random point never
    assert sum(inside) >= (len(out) if mode == "neighborhood_random" else 0.97 * len(out))
    per_hood = out.groupby("neighborhood_code")[["lat", "long"]].nunique()
    if mode == "neighborhood_centroid":
        assert (per_hood == 1).all().all()
        c = hoods.point_for(codes[0], None)
        assert (out.loc[0, "lat"], out.loc[0, "long"]) == (round(c[0], 3), round(c[1], 3))
    else:
        assert (per_hood["lat"] > 1).mean() > 0.9  # three ids, (almost always) three points


def test_default_sensitive_types_cover_person_related_types_in_real_data(shared_data):
    """Every request type in the real extracts that is about a person is sensitive by default, and each
    bundled profile lists its city's own sensitive types too."""
    from etl.profile import load_profile

    person = re.compile(
        r"homeless|encampment|panhandl|drug|police|abuse|welfare|elder|child|domestic|mental|senior"
        r"|person|people|suicid|overdose|wellness",
        re.I,
    )
    defaults = {t.casefold() for t in DEFAULT_SENSITIVE_TYPES}
    found = {}
    for city, file in CITIES.items():
        profile = load_profile(city)
        column = profile.raw_columns()["service_name"]
        types = set(
            pd.read_csv(shared_data / city / file, dtype=str, keep_default_na=False, usecols=[column])[
                column
            ].str.strip()
        )
        related = sorted(t for t in types if person.search(t))
        found[city] = related
        assert related, city
        missing = [t for t in related if t.casefold() not in defaults]
        assert not missing, f"{city}: person-related types not sensitive by default: {missing}"
        assert profile.privacy["default_sensitive_types"] is True
        listed = {t.casefold() for t in profile.privacy["sensitive_types"]}
        assert all(t.casefold() in listed for t in related), (city, listed, related)  # the profile names them too
    assert found["new-york-city"] == [
        "Animal-Abuse",
        "Drug Activity",
        "Encampment",
        "Homeless Person Assistance",
        "Non-Emergency Police Matter",
        "Panhandling",
    ]
    assert found["los-angeles"] == ["Homeless Encampment"]
    assert found["chicago"] == ["Pet Wellness Check Request"]
