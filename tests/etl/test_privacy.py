"""Privacy rules as tables of input -> exact output (etl/privacy.py; free text: test_scrub.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from etl_testkit import TINY

from etl.geo import load_boundaries
from etl.privacy import apply_location_privacy, filter_media, generalise_address, random_point_in, sensitive_types
from etl.profile import load_profile


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("659 CAULDWELL AVENUE", "600 block of CAULDWELL AVENUE"),
        ("12 MAIN ST", "0 block of MAIN ST"),
        ("1234A BROADWAY", "1200 block of BROADWAY"),
        ("123 1/2 MAIN ST", "100 block of MAIN ST"),
        ("5528 3/4 E MONTE VISTA ST, 90042", "5500 block of E MONTE VISTA ST, 90042"),
        ("6122 E MESA AVE, 90042", "6100 block of E MESA AVE, 90042"),
        ("2111 W Lexington ST", "2100 block of W Lexington ST"),
        # numbered streets after the house number
        ("725 56 STREET", "700 block of 56 STREET"),
        ("666 3 AVENUE", "600 block of 3 AVENUE"),
        ("100 42ND ST", "100 block of 42ND ST"),
        # Queens: block-house numbers
        ("51-65 72 PLACE", "51-00 block of 72 PLACE"),
        ("131-01 ROOSEVELT AVENUE", "131-00 block of ROOSEVELT AVENUE"),
        # intersections and streets without a house number stay
        ("BROADWAY & W 42 ST", "BROADWAY & W 42 ST"),
        ("NORMANDIE AVE AT 8TH ST, 90005", "NORMANDIE AVE AT 8TH ST, 90005"),
        ("11 AVENUE and WEST 22 STREET", "11 AVENUE and WEST 22 STREET"),
        ("intersection of A ST", "intersection of A ST"),
        ("W 42 ST", "W 42 ST"),
        ("EAST 26 STREET", "EAST 26 STREET"),
        ("FT WASHINGTON AVENUE", "FT WASHINGTON AVENUE"),
        # a number left anywhere else could be a house number: the address is dropped
        ("APT 5B 100 MAIN ST", ""),
        ("MAIN ST 1234", ""),
        ("-999 RODNEY ST", ""),
        ("12", ""),
        ("", ""),
    ],
)
def test_generalise_address(raw, expected):
    assert generalise_address(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://media.example.org/p/1.jpg", True),
        ("https://MEDIA.example.org/p/1.jpg", True),
        ("https://media.example.org:443/p/1.jpg", True),
        ("https://media.example.org", True),
        ("http://media.example.org/p/1.jpg", False),
        ("https://evil.example.net/x.jpg", False),
        ("https://media.example.org.evil.net/x.jpg", False),
        ("https://media.example.org@evil.net/x.jpg", False),
        ('https://media.example.org/p/1.jpg"onload="x', False),
        ("https://media.example.org/p/a b.jpg", False),
        ("javascript:alert(1)", False),
        ("//media.example.org/p/1.jpg", False),
    ],
)
def test_filter_media(url, kept):
    frame = pd.DataFrame({"media_url": [url], "redaction_reason": [""]})
    out = filter_media(frame, ["media.example.org"])
    assert out[["media_url", "redaction_reason"]].values.tolist() == [[url, ""] if kept else ["", "media_removed"]]


def test_filter_media_blank_is_not_a_removal():
    out = filter_media(pd.DataFrame({"media_url": [""], "redaction_reason": [""]}), ["media.example.org"])
    assert out[["media_url", "redaction_reason"]].values.tolist() == [["", ""]]


@pytest.fixture(scope="module")
def profile():
    return load_profile(str(TINY / "profile.toml"))


@pytest.fixture(scope="module")
def hoods():
    return load_boundaries(TINY / "boundaries.geojson", "code", "name")


def test_sensitive_types_defaults_and_profile(profile):
    names = sensitive_types(profile)
    assert {"welfare check", "homeless encampment", "pet wellness check request"} <= names
    off = type(profile)(
        **{
            **profile.__dict__,
            "privacy": {**profile.privacy, "default_sensitive_types": False, "sensitive_types": ["Loud Party"]},
        }
    )
    assert sensitive_types(off) == {"loud party"}


@pytest.mark.parametrize(
    "mode, expected_precision",
    [
        ("neighborhood_centroid", "neighborhood_centroid"),
        ("neighborhood_random", "neighborhood_random"),
    ],
)
def test_apply_location_privacy(profile, hoods, mode, expected_precision):
    p = type(profile)(**{**profile.__dict__, "privacy": {**profile.privacy, "sensitive_location": mode}})
    frame = pd.DataFrame(
        {
            "service_request_id": ["A", "B", "C", "D"],
            "service_name": ["Pothole", "WELFARE CHECK", "Welfare Check", "Pothole"],
            "lat": [41.951234, 41.95, 41.95, None],
            "long": [-87.654567, -87.65, -87.65, None],
            "address": ["1200 block of N MAIN ST", "1200 block of N MAIN ST", "", "x"],
            "zipcode": ["60601", "60601", "", ""],
            "neighborhood_code": ["N1", "N1", "", ""],
            "redaction_reason": ["", "", "", ""],
        }
    )
    out = apply_location_privacy(frame, p, hoods)
    assert out["location_precision"].tolist() == ["point_3dp", expected_precision, "none", "none"]
    assert (out.loc[0, "lat"], out.loc[0, "long"]) == (41.951, -87.655)
    assert out["address"].tolist() == ["1200 block of N MAIN ST", "", "", "x"]
    assert out["zipcode"].tolist() == ["60601", "", "", ""]
    assert out["redaction_reason"].tolist() == ["", "sensitive_type", "sensitive_type", ""]
    expected = hoods.point_for("N1", None if mode == "neighborhood_centroid" else "B")
    assert (out.loc[1, "lat"], out.loc[1, "long"]) == (round(expected[0], 3), round(expected[1], 3))
    assert pd.isna(out.loc[2, "lat"])  # sensitive and no neighborhood: no location at all
    if mode == "neighborhood_centroid":
        assert (out.loc[1, "lat"], out.loc[1, "long"]) == (41.95, -87.65)


def test_random_point_in_is_deterministic_and_inside():
    square = shapely.box(-87.7, 41.9, -87.6, 42.0)
    a, b = random_point_in(square, "SR-1"), random_point_in(square, "SR-1")
    assert a == b
    assert random_point_in(square, "SR-2") != a
    assert square.contains(shapely.Point(a[1], a[0]))
