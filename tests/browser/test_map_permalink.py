"""A map view set through the widgets is a permalink: the URL alone restores every filter.

Runs on the demo release: its requests span months (the New York City sample covers one day,
so it has no date range to narrow).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

TAGS = '[data-testid="stMultiSelect"] [data-tag]'  # the chosen request types
DATES = '[data-testid="stDateInput"] input[type="date"]'  # the widget's hidden ISO values
DATE_LABEL = "Requested between (city time)"


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select or multiselect labelled ``label`` (the list is opened again if
    a rerun closed it before it showed: on a busy machine a click can land during one)."""
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        page.get_by_role("combobox", name=label, exact=True).click()
        try:
            wanted.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    wanted.click()


def type_date(page, which: str, day: date) -> None:
    """Type ``day`` into the start or end half of the date range, segment by segment."""
    for part, text in [("year", f"{day.year:04d}"), ("month", f"{day.month:02d}"), ("day", f"{day.day:02d}")]:
        page.get_by_role("spinbutton", name=f"{part}, {DATE_LABEL} {which} date", exact=True).click()
        page.keyboard.type(text)


def widget_state(page) -> dict:
    """What the map's filter widgets show."""
    tags = page.locator(TAGS)
    return {
        "types": [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())],
        "status": page.get_by_role("combobox", name="Status", exact=True).input_value(),
        "neighborhood": page.get_by_role("combobox", name="Neighborhood", exact=True).input_value(),
        "dates": page.locator(DATES).evaluate_all("els => els.map(e => e.value)"),
        "matching": page.get_by_text(re.compile(r"requests match the filters")).inner_text().split(" requests")[0],
    }


def open_filters(page) -> None:
    """The filters are collapsed under the map: open their box."""
    page.locator('[data-testid="stExpander"] summary', has_text="Filters").click()


def test_map_permalink_restores_its_filters(demo_site, page, browser, wait_for_streamlit):
    page.goto(demo_site.url("/map"))
    wait_for_streamlit(page)
    open_filters(page)
    wait_for_streamlit(page)
    page.locator(DATES).last.wait_for(state="attached")
    first, last = (date.fromisoformat(v) for v in page.locator(DATES).evaluate_all("els => els.map(e => e.value)"))
    start, end = first + timedelta(days=10), last - timedelta(days=10)

    choose(page, "Request types", "Pothole")
    choose(page, "Request types", "Streetlight Out")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"type=pothole&type=streetlight-out"))
    wait_for_streamlit(page)
    choose(page, "Status", "Open")
    page.wait_for_url(re.compile(r"status=open"))
    wait_for_streamlit(page)
    choose(page, "Neighborhood", "Maple Hill")
    page.wait_for_url(re.compile(r"nbhd="))
    wait_for_streamlit(page)
    type_date(page, "start", start)
    type_date(page, "end", end)
    page.get_by_role("heading", name="Map of requests").click()  # the range is sent on blur
    page.wait_for_url(re.compile(rf"from={start}&to={end}"))
    wait_for_streamlit(page)

    expected = {
        "types": ["Pothole", "Streetlight Out"],
        "status": "Open",
        "neighborhood": "Maple Hill",
        "dates": [start.isoformat(), end.isoformat()],
    }
    shown = widget_state(page)
    assert {k: shown[k] for k in expected} == expected  # the UI took every choice
    permalink = page.url
    query = parse_qs(urlsplit(permalink).query)
    assert query["type"] == ["pothole", "streetlight-out"] and query["status"] == ["open"]
    assert query["from"] == [start.isoformat()] and query["to"] == [end.isoformat()]

    fresh = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        again = fresh.new_page()
        again.goto(permalink)
        wait_for_streamlit(again)
        again.get_by_text(re.compile(r"requests match the filters")).wait_for()
        expect(again.locator('[data-testid="stExpander"] summary', has_text="Filters (4 set)")).to_be_visible()
        open_filters(again)
        expect(again.locator(TAGS)).to_have_count(len(shown["types"]))  # tags render a beat later
        expect(again.locator(DATES)).to_have_count(2)  # and so may the date range (a CI run read none)
        assert widget_state(again) == shown  # same widgets, same number of matching requests
        assert parse_qs(urlsplit(again.url).query) == query  # and the URL is kept as it was
        assert not again.get_by_text(re.compile(r"^Ignored")).count()
    finally:
        fresh.close()
