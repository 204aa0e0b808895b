"""Pages on releases published by the ETL: the demo city and the three real cities.

The headline numbers (with their n and what they leave out) and the per-agency performance
table are recomputed here, independently, with pandas over the release's own published CSV (and
service_types.csv), and must match the pages exactly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select

from portal import brief, db, reports
from portal.i18n import translator
from portal.queries import SR
from portal.wording import Imprint
from tests.pages.conftest import html_tables

PAGES = ["home", "map", "track", "neighborhood", "performance", "data"]
CITIES = ["new-york-city", "los-angeles", "chicago"]

N_LINE = r"n = [\d,]+ closed[^·\]]*"
pytestmark = pytest.mark.slow


def _published(release_dir: Path) -> pd.DataFrame:
    """The published requests with parsed times, days and target (pandas only, no portal code)."""
    data = release_dir / "data"
    df = pd.read_csv(data / "service_requests.csv", dtype=str, keep_default_na=False)
    df["requested"] = pd.to_datetime(df["requested_datetime"], utc=True, format="ISO8601")
    df["days"] = pd.to_numeric(df["days_to_close"].replace("", None))
    types = pd.read_csv(data / "service_types.csv", dtype={"service_code": str})
    df["target"] = df["service_code"].map(types.set_index("service_code")["target_days"])
    return df


def _cohort(df: pd.DataFrame, days: int = 30) -> pd.DataFrame:
    """The latest ``days`` days of requests: received in (last request - days, last request]."""
    end = df["requested"].max()
    return df[(df["requested"] > end - pd.Timedelta(days=days)) & (df["requested"] <= end)]


def _one_decimal(x: float, scale: int = 1) -> str:
    """As the pages print it (Babel: the value's shortest repr, halves to even)."""
    return f"{(Decimal(str(x)) * scale).quantize(Decimal('0.1'), ROUND_HALF_EVEN):,}"


def _n_text(n: int, still_open: int, undated: int) -> str:
    left = [f"{still_open:,} still open"] if still_open else []
    left += [f"{undated:,} closed without a usable close date"] if undated else []
    return f"n = {n:,} closed" + (f"; {' and '.join(left)}, not counted" if left else "")


def expected_headline(release_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The four headline numbers as the home page prints them, and the n lines under the median
    and the share, from the published files: medians and shares over the latest 30 days of
    requests (ending at the last request) that are marked closed."""
    df = _published(release_dir)
    cohort = _cohort(df)
    closed = cohort[cohort["status"] == "closed"]
    dated, undated = closed[closed["days"].notna()], closed[closed["days"].isna()]
    still_open = cohort[cohort["status"] == "open"]
    targeted = dated[dated["target"].notna()]
    median = dated["days"].median() if len(dated) else None
    share = (targeted["days"] <= targeted["target"]).mean() if len(targeted) else None
    numbers = {
        "New requests": f"{len(cohort):,}",
        "Open backlog": f"{int((df['status'] == 'open').sum()):,}",
        "Median days to close": "—" if median is None else f"{_one_decimal(median)} days",
        "Closed within target": "—" if share is None else f"{_one_decimal(share, 100)}%",
    }
    notes = [
        _n_text(len(dated), len(still_open), len(undated)),
        _n_text(len(targeted), int(still_open["target"].notna().sum()), int(undated["target"].notna().sum())),
    ]
    return numbers, notes


def expected_performance(release_dir: Path) -> dict[str, tuple[str, str, str, str]]:
    """Per agency over the latest 30 days of requests, as the page prints them: requests,
    closed_n, still_open, median days."""
    cohort = _cohort(_published(release_dir))
    agency = cohort["agency_responsible"].replace("", "(no agency)")
    dated = (cohort["status"] == "closed") & cohort["days"].notna()
    closed, still = agency[dated].value_counts(), agency[cohort["status"] == "open"].value_counts()
    medians = cohort["days"][dated].groupby(agency[dated]).median()
    return {
        name: (
            f"{n:,}",
            f"{closed.get(name, 0):,}",
            f"{still.get(name, 0):,}",
            _one_decimal(medians[name]) if name in medians else "—",
        )
        for name, n in agency.value_counts().items()
    }


def _check_release(run_page, url: str, release_dir: Path) -> None:
    home = run_page(url, "home")
    assert not home.exception, home.exception
    numbers, notes = expected_headline(release_dir)
    assert {m.label: m.value for m in home.metric} == numbers
    shown = [re.search(N_LINE, m.value) for m in home.markdown]  # whatever markup wraps them
    assert [found.group(0).strip() for found in shown if found] == notes
    perf = run_page(url, "performance")  # per agency, the latest 30 days of requests
    columns = ("Requests", "Closed (n)", "Still open", "Median days")
    got = {r["Agency"]: tuple(r[c] for c in columns) for r in html_tables(perf)[0]}
    assert got == expected_performance(release_dir)
    for page in PAGES[1:]:
        at = run_page(url, page)
        assert not at.exception, (page, at.exception)
        footer = at.markdown[-1].value  # attribution on every page
        assert "License:" in footer and "Source:" in footer and "release **" in footer


def _check_brief_pdf(url: str) -> None:
    """The busiest neighborhood's whole-release brief still fits on one or two pages."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rel = db.read_release(engine, db.current_version(engine))
        code = conn.execute(
            select(SR.neighborhood_code)
            .where(SR.neighborhood_code.is_not(None))
            .group_by(SR.neighborhood_code)
            .order_by(func.count().desc())
        ).scalar()
        b = brief.build_brief(conn, rel.as_of, rel.timezone, code, None, "Whole release")
    engine.dispose()
    imprint = Imprint(
        rel.title, rel.version, rel.license_name, rel.source_title, rel.is_demo, "https://311.example.org"
    )
    for lang in ("en", "es", "zh_Hans"):
        pdf = reports.brief_pdf(b, imprint, translator(lang))
        assert 1 <= len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 3


def _first_id(release_dir: Path) -> str:
    return pd.read_csv(release_dir / "data" / "service_requests.csv", dtype=str, nrows=1)["service_request_id"][0]


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
    assert "check: verified" in " ".join(m.value for m in data.markdown).replace("\\", "")
    _check_brief_pdf(url)


@pytest.mark.shared
def test_nyc_home_is_the_cohort_of_its_one_day(run_page, city_release):
    """NYC's extract: all 4,999 requests received on 2023-02-28, data through 2023-04-16 (late
    updates). The 30 days ending at data_through held no request and only the 332 slow
    stragglers closed in them (median 27.9 days); the latest 30 days of requests are that day's
    requests, whose median time to close is 0.76 days (pandas over the CSV, see
    expected_headline)."""
    url, release_dir = city_release("new-york-city")
    home = run_page(url, "home")
    assert {m.label: m.value for m in home.metric} == {
        "New requests": "4,999",
        "Open backlog": "580",
        "Median days to close": "0.8 days",
        "Closed within target": "—",
    }  # NYC's profile sets no targets
    text = "\n".join(m.value for m in home.markdown) + "\n".join(c.value for c in home.caption)
    assert ("n = 4,417 closed; 580 still open and 2 closed without a usable close date, not counted") in text
    text = text.replace("\u202f", " ")
    assert "Requests received Jan 29, 2023, 11\\:45 PM EST to Feb 28, 2023, 11\\:45 PM EST" in text
    assert "Data current through **Apr 16, 2023, 2\\:22 AM EDT**" in text
    track = run_page(url, "track", id="56923577")  # closed_before_requested: close date nulled
    assert "before it was received\\) was not published" in "\n".join(m.value for m in track.markdown)
