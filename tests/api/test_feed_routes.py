"""The Atom feed over real HTTP, read by a real feed parser (feedparser), in both databases."""

from __future__ import annotations

import feedparser
import pytest


def _feed(api, query: str):
    resp = api.get(f"/feeds/requests.atom?{query}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(resp.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def _events(parsed) -> list[tuple[str, str]]:
    return [(e.title.split(":")[0], e.link.rsplit("=", 1)[1]) for e in parsed.entries]


def test_a_neighborhood_feed_has_its_events_newest_first(api):
    parsed = _feed(api, "neighborhood=N2")
    assert _events(parsed) == [
        ("Updated", "SR-10"),
        ("Updated", "SR-12"),
        ("Opened", "SR-10"),
        ("Marked closed", "SR-4"),
        ("Opened", "SR-12"),
        ("Opened", "SR-4"),
        ("Marked closed", "SR-3"),
        ("Opened", "SR-3"),
    ]
    assert parsed.feed.links[0].href == f"{api.base}/feeds/requests.atom?neighborhood=N2"
    assert parsed.feed.links[1].href == "http://localhost:8501/map?nbhd=N2"
    assert parsed.entries[0].link == "http://localhost:8501/track?id=SR-10"


def test_closures_appear_with_their_time_and_place(api):
    parsed = _feed(api, "event=closed&service_code=pothole")
    assert _events(parsed) == [
        ("Marked closed", "SR-2"),
        ("Marked closed", "SR-3"),
        ("Marked closed", "SR-1"),
        ("Marked closed", "SR-7"),
    ]
    sr2 = parsed.entries[0]
    assert sr2.updated == "2024-03-26T00:00:00+00:00"  # T-10 + 4 days
    assert sr2.where["coordinates"] == (-104.998, 39.752)
    assert "Marked closed 2024-03-25 18:00 MDT." in sr2.content[0].value


@pytest.mark.parametrize(
    "query, count",
    [("", 30), ("status=open", 12), ("bbox=-104.98,39.75,-104.97,39.76", 8), ("event=opened,closed", 23)],
)
def test_filters(api, query, count):
    # all: 15 opened, 8 closed (SR-15 has no close date), 7 updated (the 6 open ones and SR-15);
    # open: 6 opened + 6 updated; N3's square: SR-5, SR-6 (opened, closed), SR-11, SR-13 (opened, updated)
    assert len(_feed(api, query).entries) == count


def test_entry_ids_are_the_same_on_every_fetch(api):
    first = [e.id for e in _feed(api, "neighborhood=N1").entries]
    again = [e.id for e in _feed(api, "neighborhood=N1&event=all").entries]
    assert first == again and len(set(first)) == len(first)


def test_bad_parameters_are_400_in_xml(api):
    resp = api.get("/feeds/requests.atom?event=sometimes&bbox=1,2,3")
    assert resp.status_code == 400 and resp.headers["content-type"] == "text/xml; charset=utf-8"
    assert b"<description>Unknown event 'sometimes'; use opened, closed, updated or all.</description>" in resp.content
