"""The docs cannot drift from the code (like datasette's tests/test_docs.py).

- docs/profiles.md has a table per profile section listing exactly the keys of etl.profile.KEYS,
  with their type and default; its onboarding example profile loads and publishes as described.
- docs/data-rules.md lists exactly the quality flags, redaction reasons and quarantine reasons the
  code can emit (found by reading etl/ with ast), and its per-city counts are the real ones.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from datetime import datetime

import pytest
from etl_testkit import AS_OF, FIXTURES, REPO, read_text_csv

from etl.profile import KEYS, REQUIRED_MAPPINGS, load_profile

PROFILES_MD = REPO / "docs" / "profiles.md"
RULES_MD = REPO / "docs" / "data-rules.md"
TOML_TYPES = {str: "string", bool: "boolean", list: "array", dict: "table", int: "integer", float: "float"}


def _section(markdown: str, heading: str) -> str:
    """The text under ``heading`` (a whole line) up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = markdown.index(f"\n{heading}\n") + len(heading) + 2
    nxt = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(markdown, start)
    return markdown[start : nxt.start() if nxt else len(markdown)]


def _table(text: str) -> list[list[str]]:
    """Rows of the first Markdown table in ``text`` (header and rule lines left out)."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]


def _default(key_section: str, key: str, default) -> str:
    if default is ... or (key_section == "columns" and key in REQUIRED_MAPPINGS):
        return "required"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{json.dumps(default)}`"


@pytest.mark.parametrize("section", list(KEYS))
def test_profiles_md_documents_every_key(section):
    rows = _table(_section(PROFILES_MD.read_text(encoding="utf-8"), f"### [{section}]"))
    documented = [(r[0], r[1], r[2]) for r in rows]
    expected = [
        (f"`{key}`", TOML_TYPES[typ], _default(section, key, default))
        for key, (typ, default, _help) in KEYS[section].items()
    ]
    assert documented == expected
    assert all(r[3] for r in rows)  # every key has a meaning


def _example_profile() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", PROFILES_MD.read_text(encoding="utf-8"), re.S)
    (example,) = [b for b in blocks if 'name = "springfield-311"' in b]
    return example


def test_profiles_md_example_profile_publishes(tmp_path):
    (tmp_path / "springfield.toml").write_text(_example_profile(), encoding="utf-8")
    shutil.copy(FIXTURES / "json_city" / "springfield-wards.geojson", tmp_path)
    profile = load_profile(str(tmp_path / "springfield.toml"))
    assert (profile.name, profile.input["format"]) == ("springfield-311", "json")

    from etl.pipeline import publish_release

    result = publish_release(
        str(tmp_path / "springfield.toml"),
        FIXTURES / "json_city" / "requests.jsonl",
        out=tmp_path / "out",
        db_url=f"sqlite:///{tmp_path / 'portal.db'}",
        as_of=datetime.fromisoformat(AS_OF),
        private_dir=tmp_path / "private",
    )
    report = result.report
    assert (report["rows_read"], report["rows_published"], report["rows_quarantined"]) == (6, 4, 2)
    assert report["quarantine_reasons"] == {"duplicate_id_superseded": 1, "malformed_row": 1}
    published = read_text_csv(result.release_dir / "data" / "service_requests.csv").set_index("service_request_id")
    cols = [
        "status",
        "service_name",
        "requested_datetime",
        "address",
        "lat",
        "long",
        "neighborhood_code",
        "channel",
        "quality_flags",
    ]
    assert published.loc["SPR-1", cols].tolist() == [
        "closed",
        "Streetlight Out",
        "2024-05-01T08:30:00-05:00",
        "700 block of EVERGREEN TERRACE",
        "41.951",
        "-87.655",
        "1",
        "mobile",
        "",
    ]
    assert published.loc["SPR-2", ["status", "neighborhood_code", "quality_flags"]].tolist() == [
        "closed",
        "2",
        "missing_coordinates;neighborhood_from_area_code",
    ]
    assert published.loc["SPR-3", "description"] == "Deep hole, call me on [phone removed]"
    text = (result.release_dir / "data" / "service_requests.csv").read_text(encoding="utf-8")
    assert "homer@example.com" not in text and "caller_email" not in text


def _api_examples() -> list[dict]:
    import tomllib

    text = _section(PROFILES_MD.read_text(encoding="utf-8"), "## Onboarding a city from its API")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    return [tomllib.loads("\n".join(line.strip() for line in b.splitlines())) for b in blocks]


def test_profiles_md_api_examples_are_the_bundled_profiles():
    """The [source] (and Open311 [input], [columns], [statuses]) shown are the bundled profiles' own."""
    nyc, chicago = _api_examples()
    assert nyc["source"].items() <= load_profile("new-york-city").source.items()
    profile = load_profile("chicago-open311")
    assert chicago["source"].items() <= profile.source.items()
    assert chicago["input"].items() <= profile.input.items()
    assert chicago["columns"].items() <= profile.columns.items()
    assert chicago["statuses"] == profile.statuses


# --- data-rules.md against the code -----------------------------------------------------------------


def _literal(node) -> str | None:
    """A flag name from a str constant, or a template from an f-string ('invalid_{col}' -> 'invalid_<field>')."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "<field>" for v in node.values)
    return None  # a variable: the caller passes its own literal, found at that call


def emitted_names() -> dict[str, set[str]]:
    """Every flag / reason literal passed to add_flag, Chunk.reject, rejects.append, add_rows and on_bad_row in etl/."""
    found: dict[str, set[str]] = {"quality_flags": set(), "redaction_reason": set(), "quarantine": set()}
    for path in sorted((REPO / "etl").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "add_flag" and len(node.args) >= 3:
                column = (
                    node.args[3]
                    if len(node.args) > 3
                    else next((k.value for k in node.keywords if k.arg == "column"), None)
                )
                found[_literal(column) if column is not None else "quality_flags"].add(_literal(node.args[2]))
            elif name == "reject" and len(node.args) >= 2:
                found["quarantine"].add(_literal(node.args[1]))
            elif name in ("add_rows", "on_bad_row") and len(node.args) >= 3:
                found["quarantine"].add(_literal(node.args[2]))
            elif (
                name == "append"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "rejects"
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                found["quarantine"].add(_literal(node.args[0].elts[1]))
    return {k: v - {None} for k, v in found.items()}


def documented_names(heading: str) -> list[str]:
    rows = _table(_section(RULES_MD.read_text(encoding="utf-8"), heading))
    return [r[0].strip("`") for r in rows]


def test_scanner_finds_the_known_names():
    names = emitted_names()
    assert {"closed_before_requested", "placeholder_location", "outside_boundaries", "mojibake_fixed_<field>"} <= names[
        "quality_flags"
    ]
    assert {"sensitive_type", "text_scrubbed_<field>"} <= names["redaction_reason"]
    assert {
        "missing_id",
        "unknown_status",
        "malformed_row",
        "invalid_encoding",
        "duplicate_id_superseded",
        "schema_violation",
    } <= names["quarantine"]


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("## Quality flags", "quality_flags"),
        ("## Redactions", "redaction_reason"),
        ("## Quarantine reasons", "quarantine"),
    ],
)
def test_data_rules_md_documents_every_name(heading, kind):
    documented = documented_names(heading)
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(emitted_names()[kind])


def _matches(name: str, documented: list[str]) -> list[str]:
    """The documented entries that stand for ``name``: itself if listed, else the templates it fits."""
    if name in documented:
        return [name]
    return [d for d in documented if "<field>" in d and re.fullmatch(re.escape(d).replace("<field>", "[a-z_]+"), name)]


def test_every_flag_in_a_report_is_documented(tiny_release):
    report = tiny_release.report
    for heading, key in (
        ("## Quality flags", "quality_flags"),
        ("## Redactions", "redactions"),
        ("## Quarantine reasons", "quarantine_reasons"),
    ):
        documented = documented_names(heading)
        assert [n for n in report[key] if len(_matches(n, documented)) != 1] == []


CITY_COLUMNS = {"new-york-city": 2, "los-angeles": 3, "chicago": 4}


@pytest.mark.shared
@pytest.mark.parametrize("heading, key", [("## Quality flags", "quality_flags"), ("## Redactions", "redactions")])
def test_data_rules_md_counts_are_the_real_ones(city, heading, key):
    rows = _table(_section(RULES_MD.read_text(encoding="utf-8"), heading))
    report = city.report[key]
    column = CITY_COLUMNS[city.city]
    documented = [r[0].strip("`") for r in rows]
    for row in rows:
        name = row[0].strip("`")
        measured = sum(n for flag, n in report.items() if _matches(flag, documented) == [name])
        assert int(row[column].replace(",", "")) == measured, (name, city.city)
