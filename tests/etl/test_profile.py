"""The profile loader: one exact, one-line message per mistake, and every bundled profile loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from etl_testkit import REPO, TINY

from etl.errors import ProfileError
from etl.profile import BUNDLED_DIR, KEYS, find_profile, load_profile

BASE = """\
[package]
name = "test-city"
title = "Test City"
license = { name = "CC0-1.0", path = "https://creativecommons.org/publicdomain/zero/1.0/" }
source = { title = "Test export", path = "https://example.org" }

[input]
timezone = "America/Chicago"

[columns]
service_request_id = "id"
status = "state"
service_name = "type"
requested_datetime = "opened"

[statuses]
open = ["Open"]
closed = ["Closed"]

[boundaries]
file = "boundaries.geojson"
code_property = "code"
"""


def edit(old: str, new: str):
    def apply(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return apply


def append(extra: str):
    return lambda text: text + extra


def prepend(extra: str):
    return lambda text: extra + text


SOCRATA = '\n[source]\nkind = "socrata"\nurl = "https://data.example.org"\ndataset = "abcd-1234"\n'
OPEN311 = '\n[source]\nkind = "open311"\nurl = "https://example.org/open311/v2"\nstart = "2024-01-01"\n'
SOURCE_KIND = "source.kind must be one of file, socrata, open311, ckan, arcgis, not 'ftp'"
NEGATIVE = "source.overlap_seconds and source.retries must not be negative"

# (id, change to BASE, exact message after "<path>: "[, text appended after the change])
ERRORS = [
    (
        "unknown section",
        append("\n[extras]\nx = 1\n"),
        "unknown section [extras]; known: package, input, columns, statuses, channels, boundaries, targets, privacy, quality, "
        "source",
    ),
    (
        "unknown key",
        edit('timezone = "America/Chicago"', 'timezone = "America/Chicago"\nfromat = "csv"'),
        "unknown key input.fromat",
    ),
    ("unknown column key", edit('status = "state"', 'status = "state"\nwho = "reporter"'), "unknown key columns.who"),
    ("wrong type: int for string", edit('title = "Test City"', "title = 3"), "package.title must be str, not int"),
    ("wrong type: string for list", edit('open = ["Open"]', 'open = "Open"'), "statuses.open must be list, not str"),
    (
        "wrong type: bool for int",
        append("\n[privacy]\nmax_text_length = true\n"),
        "privacy.max_text_length must be int, not bool",
    ),
    (
        "wrong type: string for float",
        edit('code_property = "code"', 'code_property = "code"\nmargin_degrees = "wide"'),
        "boundaries.margin_degrees must be float, not str",
    ),
    (
        "wrong type: table for bool",
        edit('title = "Test City"', 'title = "Test City"\ndemo = { yes = true }'),
        "package.demo must be bool, not dict",
    ),
    ("section not a table", prepend("quality = 3\n"), "[quality] must be a table"),
    ("missing required key", edit('timezone = "America/Chicago"\n', ""), "missing required key input.timezone"),
    (
        "missing required section",
        edit('[statuses]\nopen = ["Open"]\nclosed = ["Closed"]\n', ""),
        "missing required key statuses.open",
    ),
    ("missing required column", edit('service_name = "type"\n', ""), "columns.service_name is required"),
    ("blank required column", edit('service_name = "type"', 'service_name = ""'), "columns.service_name is required"),
    (
        "bad time zone",
        edit('"America/Chicago"', '"Mars/Olympus_Mons"'),
        "input.timezone 'Mars/Olympus_Mons' is not an IANA time zone",
    ),
    (
        "time zone in the wrong case",
        edit('"America/Chicago"', '"america/chicago"'),
        "input.timezone 'america/chicago' is not an IANA time zone",
    ),
    ("blank time zone", edit('"America/Chicago"', '""'), "input.timezone '' is not an IANA time zone"),
    (
        "bad encoding",
        edit('timezone = "America/Chicago"', 'timezone = "America/Chicago"\nencoding = "klingon"'),
        "input.encoding 'klingon' is not a known encoding",
    ),
    (
        "unknown format",
        edit('timezone = "America/Chicago"', 'timezone = "America/Chicago"\nformat = "yaml"'),
        "input.format must be csv, json or xml, not 'yaml'",
    ),
    (
        "status in both lists",
        edit('closed = ["Closed"]', 'closed = ["Closed", "OPEN"]'),
        "status 'open' is listed as both open and closed",
    ),
    (
        "bad package name",
        edit('name = "test-city"', 'name = "Test City"'),
        "package.name must be lower-case letters, digits, '.', '-' or '_'",
    ),
    (
        "package name starting with a dot",
        edit('name = "test-city"', 'name = ".hidden"'),
        "package.name must be lower-case letters, digits, '.', '-' or '_'",
    ),
    (
        "bad location format",
        edit('status = "state"', 'status = "state"\nlocation_format = "wkt"'),
        "columns.location_format must be point_text or python_dict",
    ),
    (
        "bad sensitive location",
        append('\n[privacy]\nsensitive_location = "exact"\n'),
        "privacy.sensitive_location must be one of neighborhood_centroid, neighborhood_random",
    ),
    (
        "bad service name case",
        append('\n[quality]\nservice_name_case = "lower"\n'),
        "quality.service_name_case must be title, upper or as_is",
    ),
    (
        "negative target",
        append('\n[targets]\n"Pothole" = -1\n'),
        "[targets] 'Pothole' must be a positive number of days",
    ),
    (
        "boolean target",
        append('\n[targets]\n"Graffiti" = true\n'),
        "[targets] 'Graffiti' must be a positive number of days",
    ),
    # [source]
    ("unknown source kind", append('\n[source]\nkind = "ftp"\n'), SOURCE_KIND),
    (
        "file source with a url",
        append('\n[source]\nurl = "https://example.org"\n'),
        "source.url is for API sources; source.kind is file",
    ),
    (
        "api source without url",
        append(SOCRATA.replace('url = "https://data.example.org"\n', "")),
        "source.url must be an http(s) URL for source.kind socrata, not ''",
    ),
    (
        "token in the url",
        append(SOCRATA.replace("data.example.org", "data.example.org/?$$app_token=s3cret")),
        "source.url must not carry credentials or parameters: name the token's variable in source.app_token_env",
    ),
    (
        "password in the url",
        append(SOCRATA.replace("https://", "https://me:pw@")),
        "source.url must not carry credentials or parameters: name the token's variable in source.app_token_env",
    ),
    (
        "bad socrata dataset id",
        append(SOCRATA.replace("abcd-1234", "311-requests")),
        "source.dataset must be a dataset id like erm2-nwe9 for source.kind socrata",
    ),
    (
        "open311 without start",
        append('\n[source]\nkind = "open311"\nurl = "https://example.org/open311/v2"\n'),
        "source.start must be the earliest date to fetch, e.g. 2024-01-01 for source.kind open311",
    ),
    (
        "xml from socrata",
        append(SOCRATA + 'format = "xml"\n'),
        "source.format must be json for source.kind socrata",
    ),
    (
        "token instead of its variable",
        append(SOCRATA + 'app_token_env = "abc123-not-a-name!"\n'),
        "source.app_token_env must be the NAME of an environment variable, not the token",
    ),
    (
        "open311 standard window with an update watermark",
        append(OPEN311 + 'watermark = "updated_datetime"\n'),
        "source.window_params start_date/end_date select by requested_datetime: set source.watermark to "
        "requested_datetime, or name the server's update-time parameters",
    ),
    (
        "api source without ISO 8601",
        edit('timezone = "America/Chicago"', 'timezone = "America/Chicago"\ndatetime_formats = ["%m/%d/%Y"]'),
        'source.kind socrata gives ISO 8601 times: add "ISO8601" to input.datetime_formats',
        SOCRATA,
    ),
    (
        "api source into xml rows",
        edit('timezone = "America/Chicago"', 'timezone = "America/Chicago"\nformat = "xml"'),
        "input.format must be csv or json with source.kind socrata: fetched rows are written as such a file",
        SOCRATA,
    ),
    ("negative overlap", append(SOCRATA + "overlap_seconds = -5\n"), NEGATIVE),
    (
        "boolean filter",
        append(SOCRATA + "filters = { agency = true }\n"),
        "source.filters values must be text or whole numbers",
    ),
    (
        "invalid TOML",
        edit('title = "Test City"', 'title = "Test City'),
        "not valid TOML: Illegal character '\\n' (at line 3, column 19)",
    ),
    (
        "duplicate TOML key",
        edit('title = "Test City"', 'title = "Test City"\ntitle = "Again"'),
        "not valid TOML: Cannot overwrite a value (at line 4, column 16)",
    ),
]


@pytest.mark.parametrize("change, message, extra", [(*e[1:], "")[:3] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_load_profile_errors(tmp_path, change, message, extra):
    path = tmp_path / "city.toml"
    path.write_text(change(BASE) + extra, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert str(exc.value) == f"{path}: {message}"
    assert "\n" not in str(exc.value)


def test_load_profile_source_section(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(BASE + SOCRATA + 'watermark = ":updated_at"\napp_token_env = "CITY_APP_TOKEN"\n', encoding="utf-8")
    assert load_profile(str(path)).source == {
        "kind": "socrata",
        "path": "",
        "url": "https://data.example.org",
        "dataset": "abcd-1234",
        "format": "json",
        "column_names": "export",
        "watermark": ":updated_at",
        "overlap_seconds": 3600,
        "start": "",
        "page_size": 1000,
        "window_days": 90,
        "window_params": ["start_date", "end_date"],
        "jurisdiction_id": "",
        "extensions": False,
        "filters": {},
        "app_token_env": "CITY_APP_TOKEN",
        "timeout_seconds": 60.0,
        "retries": 5,
        "backoff_seconds": 1.0,
        "max_wait_seconds": 300.0,
    }
    path.write_text(BASE, encoding="utf-8")
    assert load_profile(str(path)).source["kind"] == "file"


def test_load_profile_base_is_valid(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(BASE, encoding="utf-8")
    profile = load_profile(str(path))
    assert profile.name == "test-city"
    assert profile.input == {
        "format": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "timezone": "America/Chicago",
        "datetime_formats": ["ISO8601"],
    }
    assert profile.raw_columns() == {
        "service_request_id": "id",
        "status": "state",
        "service_name": "type",
        "requested_datetime": "opened",
    }
    assert profile.status_map == {"open": "open", "closed": "closed"}
    assert profile.resolve(profile.boundaries["file"]) == tmp_path / "boundaries.geojson"
    assert profile.resolve("/abs/wards.geojson") == Path("/abs/wards.geojson")
    assert profile.boundaries["margin_degrees"] == 0.05


def test_load_profile_coerces_and_maps(tmp_path):
    path = tmp_path / "city.toml"
    text = BASE.replace('code_property = "code"', 'code_property = "code"\nmargin_degrees = 1')
    text = text.replace('closed = ["Closed"]', 'closed = ["Closed", "CANCELLED"]')
    text += '\n[channels]\nphone = ["Call", "VOICEMAIL"]\n\n[targets]\n"Pot Hole" = 5\n'
    path.write_text(text, encoding="utf-8")
    profile = load_profile(str(path))
    assert profile.boundaries["margin_degrees"] == 1.0 and isinstance(profile.boundaries["margin_degrees"], float)
    assert profile.status_map == {"open": "open", "closed": "closed", "cancelled": "closed"}
    assert profile.channel_map == {"call": "phone", "voicemail": "phone"}
    assert profile.targets == {"pot hole": 5.0}


def test_load_profile_not_utf8(tmp_path):
    path = tmp_path / "city.toml"
    path.write_bytes(BASE.replace("Test City", "Test Citй").encode("cp1251"))
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert str(exc.value) == f"{path}: not UTF-8 text"


@pytest.mark.parametrize(
    "name, message",
    [
        ("missing.toml", "profile file not found"),
        (
            "atlantis",
            "no such profile; bundled profiles are: chicago, chicago-open311, demo, los-angeles, new-york-city",
        ),
    ],
)
def test_find_profile_errors(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as exc:
        find_profile(name)
    assert str(exc.value) == f"{name}: {message}"


def test_find_profile_directory_is_not_a_profile(tmp_path):
    with pytest.raises(ProfileError) as exc:
        find_profile(str(tmp_path))
    assert str(exc.value) == f"{tmp_path}: profile file not found"


# bundled profile -> (package name, time zone, boundary file as resolved)
SHARED = REPO.parent / "shared" / "data"
BUNDLED = {
    "chicago": ("chicago-311", "America/Chicago", SHARED / "chicago" / "community_areas.geojson"),
    "chicago-open311": ("chicago-open311", "America/Chicago", SHARED / "chicago" / "community_areas.geojson"),
    "demo": ("demo-city-311", "America/Denver", BUNDLED_DIR / "demo-neighborhoods.geojson"),
    "los-angeles": ("la-311", "America/Los_Angeles", SHARED / "los-angeles" / "nc-boundary-2019.json"),
    "new-york-city": ("nyc-311", "America/New_York", SHARED / "new-york-city" / "community_districts.geojson"),
}


def test_bundled_profiles_are_the_expected_ones():
    assert sorted(p.stem for p in BUNDLED_DIR.glob("*.toml")) == sorted(BUNDLED)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_profile_loads(name):
    package, tz, boundaries = BUNDLED[name]
    profile = load_profile(name)
    assert (profile.name, profile.timezone) == (package, tz)
    assert profile.resolve(profile.boundaries["file"]) == boundaries.resolve()
    assert load_profile(str(BUNDLED_DIR / f"{name}.toml")) == profile


def test_fixture_profiles_load():
    assert load_profile(str(TINY / "profile.toml")).name == "tiny-city-311"


def test_every_section_is_declared():
    assert list(KEYS) == [
        "package",
        "input",
        "columns",
        "statuses",
        "channels",
        "boundaries",
        "targets",
        "privacy",
        "quality",
        "source",
    ]
