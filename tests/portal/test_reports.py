"""The brief's PDF: every page numbered and imprinted, headings kept with their content, the
neighborhood's map, ids linked to Track, any language (CJK in a CJK font), markup in data harmless."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from sample_release import TZ, T

from portal import brief, geometry, queries, reports
from portal.i18n import translator
from portal.wording import Imprint

EN = translator("en")
IMPRINT = Imprint("Test <City> 311", "v1", "CC0-1.0", "Test", True, "https://311.example.org")


def _neighbors(conn):
    rows = queries.list_neighborhoods(conn, with_geometry=True)
    return [{**r, "label_point": geometry.label_point(r["geometry"])} for r in rows]


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: bash scripts/setup.sh --test installs poppler-utils")
    (tmp_path / "b.pdf").write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("code", ["N1", "N3"])
def test_pdf_pages_are_numbered_and_carry_the_imprint(conn, code, tmp_path):
    b = brief.build_brief(conn, T, TZ, code, None, "Whole release")
    pdf = reports.brief_pdf(b, IMPRINT, EN, _neighbors(conn))
    pages = _pages(pdf)
    text = _pdf_text(pdf, tmp_path)
    assert 1 <= pages <= 3
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    assert text.count("data through Mar 31, 2024, 6:00 PM MDT") == pages  # the footer of every page
    assert text.count("Test <City> 311 · release v1") == pages
    assert f"license: CC0-1.0 · https://311.example.org/neighborhood?nbhd={code}" in text
    assert b.name in text  # "Hill & <Dale>" arrives as text, not as markup
    assert "DEMO DATA" in text and "n = " in text and "marked closed" in text
    assert "Where the open requests are" in text  # the map's heading, with its picture
    assert "still open" in text and "not counted" in text  # not cut


def test_pdf_headings_stay_with_their_content(conn, tmp_path):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    pdf = reports.brief_pdf(b, IMPRINT, EN, _neighbors(conn))
    pages = _pdf_text(pdf, tmp_path).split("\f")
    for heading, follows in [("Oldest open requests", "Request id"), ("Requests per week", "Each bar counts")]:
        page = next(p for p in pages if heading in p)
        assert follows in page  # the heading is on the page of what it heads


def test_pdf_links_request_ids_to_track(conn):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    pdf = reports.brief_pdf(b, IMPRINT, EN)
    assert b"https://311.example.org/track?id=SR-14" in pdf and b"https://311.example.org/track?id=SR-9" in pdf
    assert b"/URI" in pdf  # link annotations, not only text


def test_pdf_without_the_portal_address_has_no_links(conn):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    pdf = reports.brief_pdf(b, replace(IMPRINT, portal_url=None), EN)
    assert b"/URI" not in pdf


def test_pdf_in_chinese_embeds_a_cjk_font(conn, tmp_path):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    pdf = reports.brief_pdf(b, IMPRINT, translator("zh_Hans"), _neighbors(conn))
    text = _pdf_text(pdf, tmp_path)
    assert b"WenQuanYi" in pdf or b"PortalCJK" in pdf
    assert "第 1 页，共" in text and "最早的未关闭请求" in text


def test_pdf_survives_markup_in_data(conn):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    nasty = replace(b, name="<b>Bold</b> & <font size=99>", top_types=[("<para>x</para>", 1)])
    assert reports.brief_pdf(nasty, IMPRINT, EN).startswith(b"%PDF")
