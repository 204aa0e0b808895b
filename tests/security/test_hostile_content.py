"""Hostile content: spreadsheet formulas are neutralised in every published and exported CSV, markup
never survives the ETL (with the default privacy settings), and the neighborhood brief's PDF and PNG
show payload text inert (no PDF actions or links, no matplotlib mathtext).

The payloads (tests/security/hostile.py) sit in request types, descriptions, status notes, agencies,
addresses, a raw status wording, request ids, media links and a neighborhood name. Two releases:
``scrubbed`` (the demo profile's settings) and ``raw`` (a profile without markup scrubbing, so the
report code gets the payloads as they are).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess

import hostile
import pytest
from sqlalchemy import create_engine

from etl.validate import load_schema

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SCHEMA = {f["name"]: f for f in load_schema("service_requests")["fields"]}
TEXT_FIELDS = [n for n, f in SCHEMA.items() if f["type"] == "string"]
PDF_ACTIONS = [
    b"/JavaScript",
    b"/JS",
    b"/OpenAction",
    b"/AA",
    b"/URI",
    b"/Launch",
    b"/Annots",
    b"/Link",
    b"/EmbeddedFile",
    b"/SubmitForm",
    b"/ImportData",
    b"/RichMedia",
    b"/XFA",
    b"/AcroForm",
    b"/GoToR",
]


def formula_cells(text: str, columns: list[str] | None = None) -> list[tuple[str, str]]:
    """(column, cell) of every cell a spreadsheet would run as a formula, in ``columns`` (default: all)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = []
    for row in reader:
        for col in columns or reader.fieldnames:
            if row.get(col) and row[col].startswith(FORMULA_START):
                out.append((col, row[col]))
    return out


# --- CSV formula injection -------------------------------------------------------------------------


def test_published_csvs_neutralise_formulas(hostile_release):
    data = hostile_release.release_dir / "data"
    text = (data / "service_requests.csv").read_text(encoding="utf-8")
    assert formula_cells(text, TEXT_FIELDS) == []
    # the payloads are there, neutralised (so the check above is not vacuous)
    for neutralised in ["'=HYPERLINK(", "'+1+1", "'-2+3", "'@SUM(1+1)", "'=1+1", "'=1+2"]:
        assert neutralised in text, neutralised
    assert (
        formula_cells(
            (data / "service_types.csv").read_text(encoding="utf-8"),
            ["service_code", "service_name", "agency_responsible"],
        )
        == []
    )
    assert formula_cells((data / "changes.csv").read_text(encoding="utf-8")) == []


def test_real_city_csv_has_no_formula_cells(city):
    text = (city.release_dir / "data" / "service_requests.csv").read_text(encoding="utf-8")
    assert formula_cells(text, TEXT_FIELDS) == []


def _release(url: str):
    from portal import db

    engine = create_engine(url)
    return engine, db.read_release(engine, db.current_version(engine))


def test_dashboard_csv_exports_neutralise_formulas(hostile_release):
    """The Data page's export (portal.cache.export_file, as its button runs it) and the neighborhood
    report's CSV (portal.export.rows_csv over portal.brief.brief_rows)."""
    from portal import brief, cache, export, queries
    from portal.filters import Filters

    engine, rel = _release(hostile_release.db_url)
    try:
        with engine.connect() as conn:
            behind = brief.brief_rows(conn, brief.period_for(conn, rel.as_of, 30), hostile.HOOD)
    finally:
        engine.dispose()
    everything = cache.export_file(hostile_release.db_url, rel, Filters(), "csv", 200_000).decode("utf-8")
    report_rows = export.rows_csv(behind, rel.timezone).decode("utf-8")
    assert everything.count("\n") == rel.rows_published + 1 and len(behind) > 100
    columns = [c for c in queries.PUBLIC_COLUMNS if c in TEXT_FIELDS]
    for text in (everything, report_rows):
        assert formula_cells(text, columns) == []
        assert "'=HYPERLINK(" in text


# --- markup never survives the ETL (default settings) ------------------------------------------------


def test_markup_and_script_urls_are_removed_by_the_etl(hostile_scrubbed):
    data = hostile_scrubbed.release_dir / "data"
    with (data / "service_requests.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = [f for f in TEXT_FIELDS if f != "service_request_id"]  # ids are published as the city wrote them
    bad = [
        (f, r[f])
        for r in rows
        for f in fields
        if re.search(r"<[a-zA-Z/!?]|javascript\s*:|on(?:error|load)\s*=", r[f], re.I)
    ]
    assert bad == []
    payload_rows = [r for r in rows if r["service_request_id"].startswith("HX-")]
    assert len(payload_rows) == len(hostile.PAYLOADS) + 25 * len(hostile.TYPE_PAYLOADS) + 1
    texts = {r["description"] for r in payload_rows}
    assert {
        "Details {{7*7}}",
        "Details $x^2$",
        "Details ![x](https://evil.example/x.png)",
        "Details :red[RED] **bold** :material/warning:",
    } <= texts  # inert text is kept as text


# --- the brief as PDF and PNG -------------------------------------------------------------------------


def _brief(release):
    from portal import brief

    engine, rel = _release(release.db_url)
    try:
        with engine.connect() as conn:
            b = brief.build_brief(conn, rel.as_of, rel.timezone, hostile.HOOD, 30, "Last 30 days")
    finally:
        engine.dispose()
    return b, rel


def _expected_types(release) -> list[str]:
    if release.markup_scrub:
        return [
            '$x^2$ Graffiti "\u203a',
            "Noise [x]([link removed]alert(1)) ![x](https://evil.example/x.png) {{7*7}}",
            r"$\frac{1}{2}$ Streetlight alert(1)",
            "'=HYPERLINK(\"[link removed]",
        ]
    return [
        hostile.TYPE_PAYLOADS[0],
        hostile.TYPE_PAYLOADS[1],
        hostile.TYPE_PAYLOADS[2],
        hostile.TYPE_PAYLOADS[3],
        "'=HYPERLINK(\"[link removed]",
    ]


def test_brief_leads_with_the_payload_types(hostile_release):
    b, _ = _brief(hostile_release)
    assert b.name == hostile.HOOD_NAME
    top = [t for t, _ in b.top_types]
    assert set(_expected_types(hostile_release)) <= set(top[:6]), top
    assert [o["id"] for o in b.oldest_open][:5] == ["HX-OLD-00", "HX-OLD-01", "HX-OLD-02", "HX-OLD-03", "HX-OLD-04"]


def _imprint(rel, portal_url=None):
    from portal.wording import Imprint

    return Imprint(rel.title, rel.version, rel.license_name, rel.source_title, rel.is_demo, portal_url)


def test_brief_pdf_shows_payloads_as_literal_text(hostile_release, tmp_path):
    from portal import reports
    from portal.i18n import translator

    b, rel = _brief(hostile_release)
    pdf = reports.brief_pdf(b, _imprint(rel), translator("en"))
    assert pdf.startswith(b"%PDF-")
    found = [a.decode() for a in PDF_ACTIONS if re.search(re.escape(a) + rb"(?![A-Za-z])", pdf)]
    assert found == [], f"the PDF holds actions or links: {found}"
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    assert re.sub(r"\s+", " ", f"{hostile.HOOD_NAME}: 311 requests") in flat
    for name in _expected_types(hostile_release):
        assert re.sub(r"\s+", " ", name) in flat, name
    assert "HX-OLD-00" in flat


def test_brief_pdf_links_only_to_the_portals_track_page(hostile_release):
    """With the portal's address, the oldest open requests' ids link to Track: those are the only
    links, each to the portal with the id url-encoded, and nothing else acts."""
    from urllib.parse import parse_qs, urlsplit

    from portal import reports
    from portal.i18n import translator

    b, rel = _brief(hostile_release)
    pdf = reports.brief_pdf(b, _imprint(rel, "https://311.example.org"), translator("en"))
    acting = [a.decode() for a in PDF_ACTIONS if a not in (b"/URI", b"/Annots", b"/Link")]
    assert [a for a in acting if re.search(re.escape(a.encode()) + rb"(?![A-Za-z])", pdf)] == []
    uris = [u.decode("latin-1") for u in re.findall(rb"/URI \((.*?)\)", pdf)]
    assert len(uris) == len(b.oldest_open)
    for uri, row in zip(uris, b.oldest_open):
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.path) == ("https", "311.example.org", "/track")
        assert parse_qs(parts.query) == {"id": [row["id"]]}  # the hostile id is a parameter's value, never markup


@pytest.mark.parametrize("size", ["wide", "square"])
def test_brief_png_renders_payloads_without_mathtext(hostile_release, monkeypatch, size):
    from matplotlib.text import Text
    from PIL import Image

    from portal import images
    from portal.i18n import translator

    figures = []
    real_png = images._png
    monkeypatch.setattr(images, "_png", lambda fig, dpi=100: figures.append(fig) or real_png(fig, dpi))
    b, rel = _brief(hostile_release)
    png = images.brief_png(b, _imprint(rel), translator("en"), size)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert (image.format, image.size) == ("PNG", images.PNG_SIZES[size])
    texts = [t for fig in figures for t in fig.findobj(Text) if t.get_text()]
    shown = []
    for t in texts:
        displayed, is_math = t._preprocess_math(t.get_text())
        assert not is_math, f"parsed as mathtext: {t.get_text()!r}"
        shown.append(displayed)
    assert any(hostile.HOOD_NAME in s for s in shown), shown[:5]  # the name, literally, with its $...$
    assert any(s.startswith("$x^2$ Graffiti") for s in shown), shown
    assert any(s.startswith(r"$\frac{1}{2}$ Streetlight") for s in shown), shown
