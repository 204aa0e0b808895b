"""Each privacy rule is a profile setting with a safe default: the defaults, then each setting changed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.pipeline import publish_release
from etl.profile import load_profile

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "etl" / "profiles" / "demo.toml"
ROWS = """request_id,opened_at,status,category,details,street_address,latitude,longitude,district_code,source
P-1,2026-10-01 08:00:00,New,Pothole,=HYPERLINK("http://x") call 303-555-0199 or a.b@example.com,1234 MAPLE AVE,39.771912,-105.048344,N01,Phone
P-2,2026-10-01 09:00:00,New,Pothole,<b>deep</b> see https://x.example/?token=abc,MAPLE AVE & 3RD ST,39.770512,-104.968912,N03,Web
"""


def publish_with(tmp_path, privacy: str):
    profile = tmp_path / "city.toml"
    text = DEMO.read_text().replace(
        'file = "demo-neighborhoods.geojson"', f'file = "{REPO / "etl/profiles/demo-neighborhoods.geojson"}"'
    )
    profile.write_text(text.replace("[privacy]\n", "[privacy]\n" + privacy + "\n"))
    src = tmp_path / "in.csv"
    src.write_text(ROWS)
    publish_release(
        str(profile), src, out=tmp_path / "out", db_url=f"sqlite:///{tmp_path / 'x.db'}", as_of="2026-11-01T00:00:00"
    )
    return pd.read_csv(
        tmp_path / "out" / "demo-city-311" / "data" / "service_requests.csv", dtype=str, keep_default_na=False
    ).set_index("service_request_id")


def test_defaults_are_the_safe_ones():
    p = load_profile("demo").privacy
    assert (p["scrub"], p["neutralise_formulas"], p["coordinate_decimals"], p["address_precision"]) == (
        ["markup", "email", "url_query", "ssn", "card", "phone"],
        True,
        3,
        "block",
    )


@pytest.mark.parametrize(
    "privacy,row,column,expected",
    [
        ("", "P-1", "description", '\'=HYPERLINK("http://x") call [phone removed] or [email removed]'),
        ("", "P-2", "description", "deep see [link removed]"),
        ("", "P-1", "address", "1200 block of MAPLE AVE"),
        ("", "P-2", "address", "MAPLE AVE & 3RD ST"),
        ("", "P-1", "lat", "39.772"),
        (
            'scrub = ["markup", "email"]',
            "P-1",
            "description",
            '\'=HYPERLINK("http://x") call 303-555-0199 or [email removed]',
        ),
        (
            "neutralise_formulas = false",
            "P-1",
            "description",
            '=HYPERLINK("http://x") call [phone removed] or [email removed]',
        ),
        ("coordinate_decimals = 2", "P-1", "lat", "39.77"),
        ("coordinate_decimals = 0", "P-1", "long", "-105"),
        ('address_precision = "street"', "P-1", "address", "MAPLE AVE"),
        ('address_precision = "none"', "P-1", "address", ""),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_privacy_setting_changes_exactly_its_rule(tmp_path, privacy, row, column, expected):
    rows = publish_with(tmp_path, privacy)
    assert rows.loc[row, column] == expected


@pytest.mark.parametrize(
    "decimals, lat, long, precision",
    [
        (3, "39.772", "-105.048", "point_3dp"),
        (2, "39.77", "-105.05", "point_2dp"),
        (1, "39.8", "-105", "point_1dp"),
        (0, "40", "-105", "point_0dp"),
    ],
)
def test_location_precision_says_how_many_decimals_were_kept(tmp_path, decimals, lat, long, precision):
    """Every allowed coordinate_decimals publishes its own label, one the schema's enum describes
    (the release validates: a label outside the enum would be quarantined as a schema violation)."""
    from etl.validate import load_schema

    rows = publish_with(tmp_path, f"coordinate_decimals = {decimals}")
    assert rows.loc["P-1", ["lat", "long", "location_precision"]].tolist() == [lat, long, precision]
    assert rows["location_precision"].tolist() == [precision, precision]
    enum = next(f for f in load_schema("service_requests")["fields"] if f["name"] == "location_precision")
    assert precision in enum["constraints"]["enum"]
