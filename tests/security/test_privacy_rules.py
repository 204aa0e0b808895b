"""The privacy rules, checked on what is actually published: the three real cities (the extract as is,
release 1.0.0, and the planted copy, 1.1.0) and the hostile Demo City releases.

Free text is scrubbed and cut to the schema's maxLength; addresses are generalised to the block
(intersections stay, house numbers never); excluded types are never published; media_url only from
allowed hosts. (Coordinates and sensitive types: test_location_privacy.py.)
"""

from __future__ import annotations

import json
import re

import hostile
import pandas as pd
import pytest
from pii import CITIES
from published import read_rows, releases

from etl.privacy import INTERSECTION
from etl.scrub import CONTACT_NAME
from etl.validate import load_schema

SCHEMA = {f["name"]: f for f in load_schema("service_requests")["fields"]}
TEXT_FIELDS = [n for n, f in SCHEMA.items() if f["type"] == "string"]

# Independent of etl/privacy.py's own patterns: what must never be seen in a published text cell.
LEAKS = {
    "e-mail": re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"),
    "url with query": re.compile(r"(?:https?://|www\.)\S*\?", re.I),
    "US phone": re.compile(r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"),
    "international phone": re.compile(r"(?:\+|\b00)\d{1,3}[\s.-]\d{1,4}[\s.-]\d{2,4}[\s.-]\d{2,4}"),
    "card or SSN": re.compile(r"\b(?:\d[ -]?){12,18}\d\b|\b\d{3}-\d{2}-\d{4}\b"),
    "markup": re.compile(r"<[a-zA-Z/!?]"),
    "script url": re.compile(r"javascript\s*:", re.I),
    "invisible character": re.compile("[\u200b-\u200f\u202a-\u202e\u2060\ufeff]"),
}
# What may remain of a number in a published address: a block, a numbered street ('3 AVENUE',
# 'W 55TH ST', LA's 'AVENUE 55'), a ZIP code at the end. Any other number could be a house number.
_STREET = (
    r"(?:street|st|avenue|ave|av|place|pl|road|rd|drive|dr|boulevard|blvd|lane|ln|terrace|ter|court|ct|way"
    r"|parkway|pkwy|crescent|loop|walk|row|circle|square|highway|hwy|expressway|path|trail|plaza|alley)\b"
)
ALLOWED_NUMBERS = re.compile(
    rf"(?:^|(?<=\s))\d+(?:-\d+)? block of |\b\d+(?:st|nd|rd|th)?\s+{_STREET}"
    rf"|\b(?:avenue|ave)\s+\d+\b|,\s*(?:[A-Z]{{2}}\s+)?\d{{5}}(?:-\d{{4}})?$",
    re.I,
)


# --- free text -----------------------------------------------------------------------------------


def test_published_text_has_no_contact_details_markup_or_overlong_cells(city):
    for label, release_dir in releases(city).items():
        rows = read_rows(release_dir)
        problems = []
        for field in TEXT_FIELDS:
            values = pd.Series(rows[field].unique())
            for leak, rx in LEAKS.items():
                found = values[values.str.contains(rx)]
                if field == "media_url" and leak == "url with query":
                    continue
                problems += [f"{field}: {leak}: {v[:120]!r}" for v in found[:3]]
            limit = SCHEMA[field].get("constraints", {}).get("maxLength")
            if limit:
                problems += [f"{field}: {len(v)} > {limit} characters" for v in values[values.str.len() > limit][:3]]
        assert not problems, f"{city.city} ({label}):\n" + "\n".join(problems)


def test_hostile_text_is_scrubbed_and_cut(hostile_scrubbed):
    rows = read_rows(hostile_scrubbed.release_dir)
    for field in [f for f in TEXT_FIELDS if f != "service_request_id"]:  # ids are published as the city wrote them
        values = pd.Series(rows[field].unique())
        for leak in ("markup", "script url"):
            assert not values.str.contains(LEAKS[leak]).any(), (
                field,
                leak,
                values[values.str.contains(LEAKS[leak])].tolist()[:3],
            )
    rows = rows.set_index("service_request_id")
    long = rows.loc[hostile.LONG_ID]
    assert (
        len(long["description"]),
        len(long["status_notes"]),
        len(long["agency_responsible"]),
        len(long["address"]),
    ) == (2000, 2000, 200, 300)
    assert rows.loc["HX-OLD-00", "status_description"] == "In Review"  # the raw wording, markup removed
    assert rows.loc["HX-OLD-01", "description"] == "Details alert(1)"
    assert rows.loc["HX-OLD-05", "description"] == "Details [x]([link removed]alert(1))"


def test_schema_length_limits_apply_to_every_text_field():
    """council_district (64) and status_description (100) are cut to the schema, not to a fixed 200:
    a longer value used to fail validation and take the whole row out of the release."""
    from etl.scrub import scrub_columns

    frame = pd.DataFrame(
        {
            "council_district": ["D" * 500],
            "status_description": ["S" * 500],
            "service_name": ["N" * 500],
            "description": ["x" * 5000],
            "redaction_reason": [""],
        }
    )
    out = scrub_columns(frame, 1500)
    assert [len(out.loc[0, c]) for c in ("council_district", "status_description", "service_name", "description")] == [
        64,
        100,
        200,
        1500,
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        # a contact's name after a role word; other capitalised text and lower-case text stay
        ("Caller John Q Smithfield called from home", "Caller [name removed] called from home"),
        ("Complainant: Mrs. Maria Delacroix-Ybarra said", "Complainant: [name removed] said"),
        ("Reported by Tobias Quennell.", "Reported by [name removed]."),
        ("Caller O\u2019Brien and Caller Ronald McDonald", "Caller [name removed] and Caller [name removed]"),
        ("the original complainant is not available", "the original complainant is not available"),
        ("HPD may attempt to contact you", "HPD may attempt to contact you"),
        ("CALLER STATES THAT", "CALLER STATES THAT"),
        # invisible characters cannot hide a phone number, and are removed
        ("call 212\u200b-555\u200b-0199", "call [phone removed]"),
        ("x\u202eevil\u202c", "xevil"),
        # a cell longer than 4 x the limit is cut first: a number split by that cut goes with it
        ("<i>" * 2663 + " call 212-555-0199 thanks", "call"),
    ],
)
def test_scrub_text_names_invisible_characters_and_cuts(raw, expected):
    from etl.scrub import scrub_text

    assert scrub_text(raw, 2000) == expected


def test_name_rule_leaves_request_types_and_neighborhoods_alone():
    from etl.scrub import scrub_columns

    frame = pd.DataFrame(
        {
            "service_name": ["Caller Id Request"],
            "neighborhood": ["Reporter Heights"],
            "agency_responsible": ["Caller Jane Doe"],
            "redaction_reason": [""],
        }
    )
    out = scrub_columns(frame, 2000)
    assert out.loc[0, ["service_name", "neighborhood", "agency_responsible"]].tolist() == [
        "Caller Id Request",
        "Reporter Heights",
        "Caller [name removed]",
    ]


def test_request_type_scrubbing_also_cleans_the_code_made_from_it():
    from etl.scrub import scrub_columns

    frame = pd.DataFrame(
        {
            "service_name": ["Noise call 212-555-0199 or jane@example.com", "Noise"],
            "service_code": ["noise-call-212-555-0199-or-jane-example-com", "noise"],
            "redaction_reason": ["", ""],
        }
    )
    out = scrub_columns(frame, 2000)
    assert out["service_code"].tolist() == ["noise-call-phone-removed-or-email-removed", "noise"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("4821 ELMWOOD AVENUE & OAK STREET", "4800 block of ELMWOOD AVENUE & OAK STREET"),
        ("OAK STREET and 4821 ELMWOOD AVENUE", "OAK STREET and 4800 block of ELMWOOD AVENUE"),
        ("5906 BRIARCLIFF ROAD AT MAIN ST, 90001", "5900 block of BRIARCLIFF ROAD AT MAIN ST, 90001"),
        ("86-17 PLANTED PLACE & 3 AVENUE", "86-00 block of PLANTED PLACE & 3 AVENUE"),
        ("4821 AVENUE J & E 12 ST", "4800 block of AVENUE J & E 12 ST"),
        # numbered streets are streets, not houses
        ("11 AVENUE & WEST 22 STREET", "11 AVENUE & WEST 22 STREET"),
        ("78 ROAD S & 65 STREET", "78 ROAD S & 65 STREET"),
        ("3 AVENUE BRIDGE BIKE PATH & 3 AVENUE", "3 AVENUE BRIDGE BIKE PATH & 3 AVENUE"),
        ("NORMANDIE AVE AT 8TH ST, 90005", "NORMANDIE AVE AT 8TH ST, 90005"),
    ],
)
def test_intersections_keep_no_house_number(raw, expected):
    from etl.privacy import generalise_address

    assert generalise_address(pd.Series([raw])).tolist() == [expected]


# --- addresses -----------------------------------------------------------------------------------


def test_addresses_keep_no_house_number(city):
    for label, release_dir in releases(city).items():
        addresses = pd.Series(read_rows(release_dir)["address"].unique())
        left = addresses.map(lambda a: ALLOWED_NUMBERS.sub(" ", a))
        bad = addresses[left.str.contains(r"\d")].tolist()
        assert not bad, f"{city.city} ({label}): numbers that may be house numbers: {bad[:10]}"
        assert addresses.str.contains(" block of ").sum() > 100


def _expected_raw_address(raw: pd.DataFrame, cols: dict) -> pd.Series:
    address = raw[cols["address"]].str.strip()
    if "intersection_1" in cols and "intersection_2" in cols:
        s1, s2 = raw[cols["intersection_1"]].str.strip(), raw[cols["intersection_2"]].str.strip()
        built = (address == "") & (s1 != "") & (s2 != "")
        address = address.where(~built, s1 + " & " + s2)
    return address.str.replace(r"\s+", " ", regex=True)


def test_intersections_stay(city):
    """A real intersection is published exactly as the city wrote it (spaces collapsed)."""
    cols = city.profile.raw_columns()
    raw = pd.read_csv(city.raw, dtype=str, keep_default_na=False).drop_duplicates(
        cols["service_request_id"], keep="last"
    )
    expected = _expected_raw_address(raw, cols).set_axis(raw[cols["service_request_id"]])
    rows = read_rows(city.original_dir).set_index("service_request_id")
    corner = expected[expected.str.contains(INTERSECTION)]
    shown = rows.reindex(corner.index).dropna(subset=["address"])
    shown = shown[(shown["location_precision"] == "point_3dp") & ~shown["quality_flags"].str.contains("placeholder")]
    if city.city == "chicago":
        assert corner.empty  # Chicago's export has no intersections
        return
    assert len(shown) > 50
    assert (shown["address"] == corner.reindex(shown.index)).all(), (
        shown.loc[shown["address"] != corner.reindex(shown.index), "address"].head().to_dict()
    )


# --- coordinates and sensitive types -----------------------------------------------------------------


# --- excluded types, media -------------------------------------------------------------------------


def test_excluded_types_are_never_published(hostile_scrubbed):
    from sqlalchemy import create_engine, text

    from etl.profile import load_profile

    excluded = {t.casefold() for t in load_profile(str(hostile_scrubbed.profile_path)).privacy["excluded_types"]}
    assert excluded == {"police matter referral"}
    raw = pd.read_csv(hostile_scrubbed.input_path, dtype=str, keep_default_na=False)
    in_raw = raw["category"].str.strip().str.casefold().isin(excluded).sum()
    assert in_raw >= 20  # including 'POLICE MATTER REFERRAL' and lower-case variants
    rows = read_rows(hostile_scrubbed.release_dir)
    assert not rows["service_name"].str.casefold().isin(excluded).any()
    assert not rows["service_code"].str.contains("police-matter").any()
    types = pd.read_csv(hostile_scrubbed.release_dir / "data" / "service_types.csv", dtype=str)
    assert not types["service_name"].str.casefold().isin(excluded).any()
    report = json.loads((hostile_scrubbed.release_dir / "report.json").read_text(encoding="utf-8"))
    assert report["quarantine_reasons"]["excluded_type"] >= in_raw - 5  # a few are duplicates superseded first
    engine = create_engine(hostile_scrubbed.db_url)
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM service_requests WHERE lower(service_name) = 'police matter referral'")
        ).scalar()
    engine.dispose()
    assert n == 0


def test_media_url_only_from_allowed_hosts(hostile_release):
    rows = read_rows(hostile_release.release_dir).set_index("service_request_id")
    media = rows.loc[rows["media_url"] != "", "media_url"]
    assert len(media) > 100
    assert media.str.fullmatch(r"https://media\.example\.org/[^\s\"'<>`]+").all(), media[
        ~media.str.startswith("https://media")
    ].tolist()[:5]
    old = rows.loc[[f"HX-OLD-{k:02d}" for k in range(len(hostile.PAYLOADS))], "media_url"]
    assert sorted(set(old)) == ["", "https://media.example.org/ok.jpg"]


def test_real_cities_publish_no_media_url(city):
    assert city.profile.privacy["media_hosts"] == []
    assert (read_rows(city.release_dir)["media_url"] == "").all()


def test_name_rule_changes_no_real_text(shared_data):
    """Evidence for the 'Caller <Name>' rule: it is cheap (one regex) and touches no cell of the real extracts."""
    for city, file in CITIES.items():
        raw = pd.read_csv(shared_data / city / file, dtype=str, keep_default_na=False)
        hits = [v for col in raw.columns for v in raw[col].unique() if CONTACT_NAME.search(v)]
        assert hits == [], (city, hits[:5])
