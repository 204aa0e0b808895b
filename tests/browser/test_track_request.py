"""Track a real New York City request, open and closed, by URL and through the home page's box."""

from __future__ import annotations

import csv
import re

import pytest

pytestmark = pytest.mark.shared  # the New York City release, from ../shared/data


def pick_request(site, status: str) -> dict:
    """The first request with ``status`` in the published CSV; for 'open', one whose city wording
    is not simply "Open" when there is one (so the city's own word is really shown)."""
    with site.file("service_requests").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == status]
    assert rows, f"no {status} request in {site.file('service_requests')}"
    worded = [r for r in rows if r["status_description"].lower() != status]
    return (worded or rows)[0]


def expect_request_shown(page, row: dict) -> None:
    rid = row["service_request_id"]
    label = {"open": "Open", "closed": "Marked closed"}[row["status"]]
    page.get_by_role("heading", name=f"{rid}: {row['service_name']}").wait_for()
    status = page.locator('[data-testid="stMetric"]', has_text="Status")
    assert status.locator('[data-testid="stMetricValue"]').inner_text().strip() == label
    wording = f"City's wording: {row['status_description']}"
    assert page.get_by_text(wording, exact=True).is_visible(), wording
    assert page.get_by_text(f"Agency: {row['agency_responsible']}").is_visible()
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.get_by_text(re.compile("No request with the id")).count()


@pytest.mark.parametrize("status", ["open", "closed"])
def test_track_by_url_on_a_phone(nyc_site, tab, wait_for_streamlit, full_height, run_axe, save_screenshot, status):
    row = pick_request(nyc_site, status)
    page = tab("390")
    page.goto(nyc_site.url(f"/track?id={row['service_request_id']}"))
    wait_for_streamlit(page)
    expect_request_shown(page, row)
    assert page.get_by_label("Request id").input_value() == row["service_request_id"]
    with full_height(page):  # the answer page itself: screenshot and accessibility
        save_screenshot(page, f"nyc-track-{status}-390")
        serious = [
            f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:8])
            for v in run_axe(page)
            if v.get("impact") in ("serious", "critical")
        ]
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize("status", ["open", "closed"])
def test_track_from_the_home_page_box(nyc_site, page, wait_for_streamlit, status):
    row = pick_request(nyc_site, status)
    page.goto(nyc_site.url("/"))
    wait_for_streamlit(page)
    page.get_by_label("Request id").fill(f"  {row['service_request_id']} ")  # pasted with spaces
    page.get_by_role("button", name="Track").click()
    page.wait_for_url(re.compile(rf"/track\?id={row['service_request_id']}$"))
    wait_for_streamlit(page)
    expect_request_shown(page, row)
