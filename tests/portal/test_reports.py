"""The neighborhood brief and its downloads: PDF pages and text, PNG size, CSV rows."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from PIL import Image
from sample_release import TZ, T

from portal import brief, export, reports
from portal.metrics import Measure, Period


@pytest.fixture
def n1(conn):
    return brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")


def test_brief_numbers_exact(n1):
    # the period ends at the last request (SR-13, T-0.5); N1's cohort is SR-1, SR-2, SR-9
    assert n1.period == Period(T - timedelta(days=30.5), T - timedelta(days=0.5))
    assert (n1.name, n1.new_requests, n1.open_backlog, n1.overdue) == ("Northside", 3, 2, 2)
    assert n1.top_types == [("Pothole", 3)]
    assert [o["id"] for o in n1.oldest_open] == ["SR-14", "SR-9"]
    assert n1.oldest_open[0] == {
        "id": "SR-14",
        "type": "Graffiti",
        "status": "In Progress",
        "requested": "2023-12-22",
        "age_days": 100.0,
        "overdue": True,
    }
    # SR-1 2, SR-2 4 (SR-8, received before the period and closed in it, is not counted)
    assert n1.median_local == Measure(3.0, 2, still_open=1)
    assert n1.median_city == Measure(5.0, 6, still_open=4, undated=1)
    assert n1.within_local == Measure(1.0, 2, still_open=1)
    # 5 full weeks ending at the last request; local start dates in Denver
    assert n1.weekly == [
        (date(2024, 2, 25), 0),
        (date(2024, 3, 3), 0),
        (date(2024, 3, 10), 1),
        (date(2024, 3, 17), 2),
        (date(2024, 3, 24), 0),
    ]


def test_brief_unknown_neighborhood(conn):
    assert brief.build_brief(conn, T, TZ, "N9", 30, "x") is None


def test_brief_rows_are_received_in_the_period_or_open(conn, n1):
    rows = brief.brief_rows(conn, n1.period, "N1")
    assert [r["service_request_id"] for r in rows] == ["SR-14", "SR-1", "SR-2", "SR-9"]


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext"):
        (tmp_path / "b.pdf").write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    return pdf.decode("latin-1")


@pytest.mark.parametrize("code", ["N1", "N3"])
def test_pdf_one_or_two_pages_with_the_name(conn, code, tmp_path):
    b = brief.build_brief(conn, T, TZ, code, None, "Whole release")
    pdf = reports.brief_pdf(b, title="Test <City>", version="v1", license_name="CC0-1.0", source="Test", is_demo=True)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2
    text = _pdf_text(pdf, tmp_path)
    assert b.name in text  # "Hill & <Dale>" arrives as text, not as markup
    assert "DEMO DATA" in text and "n = " in text and "marked closed" in text
    assert "requests received" in text and "still open" in text and "not counted)" in text  # not cut


def test_pdf_survives_markup_in_data(n1):
    from dataclasses import replace

    nasty = replace(n1, name="<b>Bold</b> & <font size=99>", top_types=[("<para>x</para>", 1)])
    assert reports.brief_pdf(nasty, title="t", version="v", license_name=None, source=None, is_demo=False).startswith(
        b"%PDF"
    )


@pytest.mark.parametrize("size", list(reports.PNG_SIZES))
def test_png_opens_with_the_expected_size(n1, size):
    png = reports.brief_png(n1, version="v1", is_demo=False, size=size)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", reports.PNG_SIZES[size])


def test_png_survives_mathtext_in_data(n1):
    from dataclasses import replace

    Image.open(io.BytesIO(reports.brief_png(replace(n1, name="$x^2$ fee $5"), version="v", is_demo=True))).verify()


def test_csv_rows_equal_the_rows_behind_the_brief(conn, n1):
    rows = brief.brief_rows(conn, n1.period, "N1")
    parsed = list(csv.DictReader(io.StringIO(export.rows_csv(rows, TZ).decode())))
    assert [r["service_request_id"] for r in parsed] == [r["service_request_id"] for r in rows]
    assert parsed[0]["requested_datetime"] == "2023-12-22T17:00:00-07:00"  # city offset, like the release
    assert parsed[-1]["status_notes"] == "Crew <b>scheduled</b> & notified"


@pytest.mark.parametrize(
    "m, share, text",
    [
        (Measure(6.0, 7), False, "6.0 days (n = 7 closed, small sample)"),
        (
            Measure(5.0, 6, 4, 1),
            False,
            "5.0 days (n = 6 closed, small sample; 4 still open and 1 closed without a usable close date, not counted)",
        ),
        (Measure(0.5, 20), True, "50% (n = 20 closed)"),
        (Measure(0.76, 4417, 580), False, "0.8 days (n = 4,417 closed; 580 still open, not counted)"),
        (Measure(None, 0), False, "no data (n = 0 closed)"),
        (Measure(None, 0, 3), True, "no data (n = 0 closed; 3 still open, not counted)"),
    ],
)
def test_measure_text(m, share, text):
    assert reports.measure_text(m, share=share) == text


def test_period_text_says_received(n1):
    assert reports.period_text(n1) == "Last 30 days: requests received 2024-03-01 to 2024-03-31 06:00 MDT"


def test_key_numbers_carry_n_and_what_is_left_out(n1):
    assert dict(reports.key_numbers(n1)) == {
        "New requests in the period": "3",
        "Open at the data's end (backlog)": "2",
        "Open and overdue": "2",
        "Median days to close, here": "3.0 days (n = 2 closed, small sample; 1 still open, not counted)",
        "Median days to close, citywide": "5.0 days (n = 6 closed, small sample; 4 still open and "
        "1 closed without a usable close date, not counted)",
        "Closed within target, here": "100% (n = 2 closed, small sample; 1 still open, not counted)",
    }


def test_trend_widens_buckets_beyond_two_years(make_release_db):
    from sqlalchemy import create_engine

    specs = [("A", "noise", "N1", "open", 800, None, {}), ("B", "noise", "N1", "open", 1, None, {})]
    with create_engine(make_release_db(specs=specs).url).connect() as c:
        days, buckets = brief.trend_counts(c, brief.period_for(c, T, None))
    assert days == 14 and len(buckets) == 58  # 799 days (and a second) from A to B: 58 buckets
    assert (buckets[0][1], buckets[-1][1], sum(n for _, n in buckets)) == (1, 1, 2)
