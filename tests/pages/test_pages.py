"""Every page on the hand-built release: renders, shows exact numbers, survives bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from core.tables import metadata
from tests.pages.conftest import html_tables

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["home", "map", "track", "neighborhood", "performance", "data"]


def _texts(at) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "warning", "info", "title", "subheader") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_attribution(run_page, sample, page):
    at = run_page(sample.url, page)
    assert not at.exception, at.exception
    footer = at.markdown[-1].value  # the attribution, last on every page
    assert "CC0" in footer or "Creative Commons" in footer
    assert "Test City 311 export" in footer
    assert "2024\\.04\\.01\\-test" in footer  # the release version, Markdown-escaped
    assert not any("DEMO DATA" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_page_demo_banner(run_page, demo_sample, page):
    at = run_page(demo_sample.url, page)
    assert not at.exception
    assert any("DEMO DATA" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_page_without_release_explains(run_page, tmp_path, page):
    empty = f"sqlite:///{tmp_path}/empty.db"
    metadata.create_all(create_engine(empty))
    for url in (empty, f"sqlite:///{tmp_path}/missing.db"):
        at = run_page(url, page)
        assert not at.exception
        assert "No release loaded" in at.info[0].value
        assert "python -m etl publish" in at.code[0].value
    assert not (tmp_path / "missing.db").exists()  # looking did not create the file


def test_home_headline_exact(run_page, sample):
    at = run_page(sample.url, "home")
    assert _metrics(at) == {
        "New requests": "11",
        "Open backlog": "6",
        "Median days to close": "5.0 days",
        "Closed within target": "60.0%",
    }
    text = _texts(at).replace("\u202f", " ")
    assert "3 of them overdue" in text
    assert (
        "n = 6 closed; 4 still open and 1 closed without a usable close date, not counted"
        " · :orange-badge[small sample (n < 20)]"
    ) in text
    assert "n = 5 closed; 3 still open, not counted · :orange-badge" in text
    # the share's n is smaller than the median's by the closed requests of types without a target (SR-6)
    assert "1 closed request of a type without a target is not counted here." in text
    # the latest 30 days of requests end at the last request (SR-13), not at data_through
    assert (
        "Requests received Mar 1, 2024, 5\\:00 AM MST to Mar 31, 2024, 6\\:00 AM MDT, the 30 "
        "days ending at the last request"
    ) in text
    assert "Mar 31, 2024, 6\\:00 PM MDT" in text  # data current through, in the city's zone
    assert "release **2024\\.04\\.01\\-test**" in text


def test_home_track_box_goes_to_track(run_page, sample):
    at = run_page(sample.url, "home")
    at.text_input[0].input("  sr-9 ")  # any case: the lookup finds SR-9
    at.button[0].click().run()
    assert not at.exception
    assert at.query_params.get("id") in ("sr-9", ["sr-9"])
    assert _metrics(at)["Open for"] == "8 days"
    assert "Showing request SR\\-9 (you typed sr\\-9)." in _texts(at)


def test_track_known_request(run_page, sample):
    at = run_page(sample.url, "track", id="SR-9")
    assert not at.exception
    assert _metrics(at) == {"Status": "Open", "Open for": "8 days"}
    text = _texts(at).replace("\u202f", " ")
    assert "Overdue" in text
    assert "as of Mar 31, 2024, 6\\:00 PM MDT, when this release's data ends \\(not today\\)" in text
    assert "median of 3\\.0 days" in text and "n \\= 3" in text
    assert "City's wording: In Progress" in text
    assert [t.value for t in at.text] == ["Deep [hole](http://x.test)", "Crew <b>scheduled</b> & notified"]


def test_track_closed_request(run_page, sample):
    at = run_page(sample.url, "track", id="SR-4")
    assert _metrics(at) == {"Status": "Marked closed", "Time to close": "12 days"}
    assert "City's wording: Cancelled" in _texts(at)
    assert "not published" not in _texts(at)


def test_track_explains_a_nulled_close_date_and_no_point(run_page, sample):
    at = run_page(sample.url, "track", id="SR-15")  # closed_before_requested;missing_coordinates
    assert _metrics(at) == {"Status": "Marked closed", "Time to close": "—"}
    text = _texts(at)
    assert "- **Marked closed:** —" in text
    assert (
        ":material/info: The city's close date for this request \\(before it was received\\) "
        "was not published, so there is no time to close\\."
    ) in text
    assert "no point on the map\\." in text


def test_track_second_lookup_in_the_same_box(run_page, sample):
    at = run_page(sample.url, "track", id="SR-9")
    assert _metrics(at)["Status"] == "Open"
    at.text_input(key="track_id").set_value("SR-4")
    at.button[0].click().run()
    assert at.query_params["id"] == ["SR-4"] or at.query_params["id"] == "SR-4"
    assert _metrics(at) == {"Status": "Marked closed", "Time to close": "12 days"}


def test_track_sensitive_type_note(run_page, sample):
    text = _texts(run_page(sample.url, "track", id="SR-13"))
    assert "its location is shown only as its neighborhood" in text


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("1' OR '1'='1", "No request with the id"),
        ("SR-9; DROP TABLE service_requests;--", "No request with the id"),
        ("nope", "No request with the id"),
        ("x" * 65, "at most 64 characters"),
        ("SR-9\x00", "control characters"),
    ],
)
def test_track_bad_ids_explain(run_page, sample, raw, shown):
    at = run_page(sample.url, "track", id=raw)
    assert not at.exception
    assert shown in " ".join(w.value for w in at.warning).replace("\\", "")
    assert not at.metric
    again = run_page(sample.url, "track", id="SR-1")  # the table is still there
    assert _metrics(again)["Status"] == "Marked closed"


def test_map_bad_params_dropped_with_message(run_page, sample):
    at = run_page(
        sample.url,
        "map",
        type=["pothole", "<script>"],
        status="maybe",
        nbhd="N2",
        measure="median_days",
        **{"from": "2024-13-01"},
    )
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "unknown request type '<script>'" in warnings
    assert "unknown status 'maybe'" in warnings
    assert "start date '2024-13-01'" in warnings
    assert at.query_params == {"type": "pothole", "nbhd": "N2", "measure": "median_days"}
    assert at.multiselect[0].value == ["pothole"]
    assert "1 requests match" in _texts(at) or "2 requests match" in _texts(at)


def test_map_permalink_round_trip(run_page, sample):
    at = run_page(sample.url, "map")
    at.selectbox(key="map_status").select("overdue").run()
    at.selectbox(key="map_measure").select("backlog").run()
    assert at.query_params == {"status": "overdue", "measure": "backlog"}
    assert "3 requests match" in _texts(at)


def test_neighborhood_brief_numbers_and_downloads(run_page, sample):
    at = run_page(sample.url, "neighborhood", nbhd="N2", period="30")
    assert not at.exception
    assert _metrics(at) == {
        "New requests": "4",
        "Open backlog": "2",
        "Overdue": "0",
        "Median days to close, here": "10.0 days",
        "Median days to close, citywide": "5.0 days",
        "Closed within target, here": "0.0%",
    }
    text = _texts(at).replace("\u202f", " ")
    assert "n = 2 closed; 2 still open, not counted" in text  # SR-3, SR-4; SR-10, SR-12
    assert "n = 2 closed; 1 still open, not counted" in text  # within target: SR-10 has one
    assert "Last 30 days\\: requests received Mar 1, 2024 to Mar 31, 2024, 6\\:00 AM MDT" in text
    top, oldest = html_tables(at)[:2]
    assert top == [
        {"Request type": "Pothole", "Requests": "2"},
        {"Request type": "Graffiti", "Requests": "1"},
        {"Request type": "Noise Complaint", "Requests": "1"},
    ]
    assert [(r["Request id"], r["Open for"], r["Overdue"]) for r in oldest] == [
        ("SR-12", "3 days", "no"),
        ("SR-10", "2 days", "no"),
    ]
    labels = [b.label for b in at.download_button]
    assert any("PDF" in label for label in labels)
    assert sum("PNG" in label for label in labels) == 2
    assert any("The 4 rows behind this report (CSV)" in label for label in labels)


def test_performance_table(run_page, sample):
    at = run_page(sample.url, "performance", by="service", period="30")
    assert not at.exception
    row = next(r for r in html_tables(at)[0] if r["Request type"] == "Pothole")
    assert row == {
        "Request type": "Pothole",
        "Requests": "5",
        "Closed (n)": "3",
        "Still open": "2",
        "Median days": "4.0",
        "p90 days": "8.0",
        "Within target": "66.7%",
        "Open backlog": "2",
        "Backlog median age (days)": "5.0",
        "Note": "small sample",
    }


def test_data_page_files_and_dictionary(run_page, sample):
    at = run_page(sample.url, "data")
    assert not at.exception
    text = _texts(at).replace("\\", "")
    assert text.count("check: verified") == 4
    names = [b.label for b in at.download_button]
    assert "Download service\\_requests\\.csv" in names and "Download datapackage.json" in names
    assert "Download the data dictionary (CSV)" in names
    assert any(label.startswith("Export 15 matching rows") for label in names)
    dictionary = next(t for t in html_tables(at) if t and "Field" in t[0])
    assert "days_to_close" in {r["Field"] for r in dictionary}
    assert "How to cite this release:" in text


def test_legacy_pages_folder_mode_is_left_for_the_app_frame(monkeypatch, demo_sample):
    """AppTest.from_file sees pages/ beside app.py and starts in Streamlit's legacy
    pages-folder mode, like a fresh server whose first visit is /data: the page must still
    end up inside app.py's frame (navigation, DEMO banner, attribution)."""
    monkeypatch.setenv("PORTAL_DB_URL", demo_sample.url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any("DEMO DATA" in w.value for w in at.warning)
    assert "License:" in at.markdown[-1].value
