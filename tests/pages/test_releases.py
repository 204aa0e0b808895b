"""Pages on releases published by the ETL: the demo city and the three real cities.

The headline numbers are recomputed here, independently, with pandas over the release's own
published CSV (and report.json / service_types.csv), and must match the page exactly.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select

from portal import brief, db, reports
from portal.queries import SR

PAGES = ["home", "map", "track", "neighborhood", "performance", "data"]
CITIES = ["new-york-city", "los-angeles", "chicago"]

pytestmark = pytest.mark.slow


def expected_headline(release_dir: Path) -> dict[str, str]:
    """The four headline numbers, as the home page prints them, from the published files."""
    data = release_dir / "data"
    df = pd.read_csv(data / "service_requests.csv", dtype=str, keep_default_na=False)
    through = json.loads((release_dir / "report.json").read_text())["data_through"]
    end = pd.Timestamp(through).tz_convert("UTC")
    start = end - pd.Timedelta(days=30)

    def utc(col):
        return pd.to_datetime(df[col].replace("", None), utc=True, format="ISO8601")

    requested, closed = utc("requested_datetime"), utc("closed_datetime")
    days = pd.to_numeric(df["days_to_close"].replace("", None))
    closed_in = (closed > start) & (closed <= end) & days.notna()
    types = pd.read_csv(data / "service_types.csv", dtype={"service_code": str})
    target = df["service_code"].map(types.set_index("service_code")["target_days"])
    with_target = closed_in & target.notna()
    median = days[closed_in].median() if closed_in.any() else None
    share = (days[with_target] <= target[with_target]).mean() if with_target.any() else None
    return {
        "New requests": f"{int(((requested > start) & (requested <= end)).sum()):,}",
        "Open backlog": f"{int((df['status'] == 'open').sum()):,}",
        "Median days to close": "—" if median is None else f"{median:.1f} days",
        "Closed within target": "—" if share is None else f"{share:.0%}",
    }


def _check_release(run_page, url: str, release_dir: Path) -> None:
    home = run_page(url, "home")
    assert not home.exception, home.exception
    assert {m.label: m.value for m in home.metric} == expected_headline(release_dir)
    for page in PAGES[1:]:
        at = run_page(url, page)
        assert not at.exception, (page, at.exception)
        footer = at.caption[-1].value  # attribution on every page
        assert "License:" in footer and "Source:" in footer and "release **" in footer


def _check_brief_pdf(url: str) -> None:
    """The busiest neighborhood's whole-release brief still fits on one or two pages."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rel = db.load_release(engine, db.current_version(engine))
        code = conn.execute(select(SR.neighborhood_code).where(SR.neighborhood_code.is_not(None))
                            .group_by(SR.neighborhood_code).order_by(func.count().desc())).scalar()
        b = brief.build_brief(conn, rel.as_of, rel.timezone, code, None, "Whole release")
    engine.dispose()
    pdf = reports.brief_pdf(b, title=rel.title, version=rel.version, license_name=rel.license_name,
                            source=rel.source_title, is_demo=rel.is_demo)
    assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2


def _first_id(release_dir: Path) -> str:
    return pd.read_csv(release_dir / "data" / "service_requests.csv", dtype=str, nrows=1)[
        "service_request_id"][0]


def test_demo_release_pages(run_page, demo_release):
    url, release_dir = demo_release
    _check_release(run_page, url, release_dir)
    home = run_page(url, "home")
    assert any("DEMO DATA" in w.value for w in home.warning)
    track = run_page(url, "track", id=_first_id(release_dir))
    assert {m.label for m in track.metric} >= {"Status"}
    _check_brief_pdf(url)


@pytest.mark.shared
@pytest.mark.parametrize("city", CITIES)
def test_city_release_pages(run_page, city_release, city):
    url, release_dir = city_release(city)
    _check_release(run_page, url, release_dir)
    home = run_page(url, "home")
    assert not any("DEMO DATA" in w.value for w in home.warning)
    track = run_page(url, "track", id=_first_id(release_dir))
    assert not track.exception and track.metric[0].label == "Status"
    data = run_page(url, "data")
    assert "check: verified" in " ".join(m.value for m in data.markdown)
    _check_brief_pdf(url)
