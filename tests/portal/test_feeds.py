"""Atom feeds: parameters, and the document as a real feed parser (feedparser) reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from sample_release import T

from portal import events, feeds, queries
from portal.feeds import FeedContext, FeedQuery, atom_feed, entry_id, parse_feed
from portal.filters import Filters, Vocabulary

VOCAB = Vocabulary({"pothole", "graffiti"}, {"N1", "N2"}, date(2024, 1, 1), date(2024, 3, 31))
CTX = FeedContext(
    package="test-city-311",
    title="Test City <311>",
    version="2024.04.01-test",
    created=datetime(2024, 4, 1, 6, tzinfo=UTC),
    publisher="Test City",
    license_name="CC0-1.0",
    self_url="http://api.test/feeds/requests.atom?neighborhood=N2",
    alternate_url="http://dash.test/map?nbhd=N2",
    dashboard_url="http://dash.test",
)


@pytest.mark.parametrize(
    "params, query, errors",
    [
        ({}, FeedQuery(), []),
        ({"neighborhood": "N2", "event": "closed"}, FeedQuery(Filters(neighborhood="N2"), ("closed",)), []),
        ({"event": "updated,opened"}, FeedQuery(events=("opened", "updated")), []),
        ({"event": ["closed", "all"]}, FeedQuery(), []),
        ({"service_code": "pothole", "status": "open", "bbox": "-105,39,-104,40"},
         FeedQuery(Filters(("pothole",), "open", bbox=(-105.0, 39.0, -104.0, 40.0))), []),
        ({"event": "reopened"}, FeedQuery(events=()), ["Unknown event 'reopened'; use opened, closed, updated or all."]),
        ({"nbhd": "N2"}, FeedQuery(), ["Unknown parameter 'nbhd'; this address takes bbox, event, neighborhood, service_code, status."]),
        ({"neighborhood": "N9", "bbox": "1,2"}, FeedQuery(Filters(neighborhood="N9")), [
            "Unknown neighborhood 'N9'; use a neighborhood_code of the release.",
            "bbox takes four numbers: min_long,min_lat,max_long,max_lat; got '1,2'.",
        ]),
    ],
)  # fmt: skip
def test_parse_feed(params, query, errors):
    assert parse_feed(params, VOCAB) == (query, errors)


def _feed(conn, query: FeedQuery):
    clauses = queries.filter_clauses(query.filters, T, "America/Denver", {})
    found = events.request_events(conn, clauses, query.events, 100)
    return found, feedparser.parse(atom_feed(found, query, CTX, "America/Denver"))


def test_feed_parses_with_one_entry_per_event(conn):
    query = FeedQuery(Filters(neighborhood="N2"))
    found, parsed = _feed(conn, query)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "Test City <311>: requests opened, marked closed and updated"
    assert parsed.feed.updated == "2024-03-31T00:00:00+00:00"  # the newest event (SR-10 updated at T-1)
    assert [link.rel for link in parsed.feed.links] == ["self", "alternate"]
    assert [e.title for e in parsed.entries[:4]] == [
        "Updated: Pothole at 1000 block of MAIN ST, Riverside",
        "Updated: Noise Complaint at 1200 block of MAIN ST, Riverside",
        "Opened: Pothole at 1000 block of MAIN ST, Riverside",
        "Marked closed: Graffiti at 400 block of MAIN ST, Riverside",
    ]
    assert [e.id for e in parsed.entries] == [entry_id("test-city-311", e) for e in found]
    assert len(set(e.id for e in parsed.entries)) == len(found) == 8


def test_a_closure_entry(conn):
    _, parsed = _feed(conn, FeedQuery(Filters(neighborhood="N2"), ("closed",)))
    sr4 = parsed.entries[0]
    assert sr4.link == "http://dash.test/track?id=SR-4"
    assert sr4.updated == (T - timedelta(days=3)).replace(tzinfo=UTC).isoformat()
    assert sr4.where == {"type": "Point", "coordinates": (-104.987, 39.752)}  # the published point, long/lat
    assert sr4.tags[0].term == "graffiti" and sr4.tags[0].label == "Graffiti"
    assert sr4.content[0].type == "text/plain"
    assert sr4.content[0].value.splitlines() == [
        "Request SR-4: Graffiti.",
        "Status: closed (Cancelled)",
        "Requested 2024-03-16 18:00 MDT.",
        "Marked closed 2024-03-28 18:00 MDT. Closed means marked closed by the city; it does not prove the problem was fixed.",
    ]


def test_entry_ids_are_stable_and_distinct_per_event(conn):
    first, _ = _feed(conn, FeedQuery(Filters(neighborhood="N2")))
    again, _ = _feed(conn, FeedQuery(Filters(neighborhood="N2"), ("opened",)))
    ids = {(e.kind, e.row["service_request_id"]): entry_id("p", e) for e in first}
    assert all(ids[("opened", e.row["service_request_id"])] == entry_id("p", e) for e in again)
    assert ids[("opened", "SR-10")] != ids[("updated", "SR-10")]


def test_no_location_no_point_and_an_empty_feed_is_valid(conn):
    _, parsed = _feed(conn, FeedQuery(Filters(("noise",), "closed"), ("updated",)))  # SR-15: no location
    assert [e.title for e in parsed.entries] == ["Updated: Noise Complaint"] and "where" not in parsed.entries[0]
    _, empty = _feed(conn, FeedQuery(Filters(neighborhood="N1", status="open"), ("closed",)))
    assert empty.bozo == 0 and empty.entries == [] and empty.feed.updated == "2024-04-01T06:00:00+00:00"


def test_text_that_xml_cannot_hold_is_dropped_not_fatal():
    row = {
        "service_request_id": "X\x01-1",
        "service_name": "Pothole <script>alert(1)</script>\x0b",
        "service_code": "pothole",
        "status": "open",
        "status_description": None,
        "requested_datetime": T,
        "closed_datetime": None,
        "address": None,
        "neighborhood": None,
        "lat": None,
        "long": None,
    }
    doc = atom_feed([events.Event("opened", T, row)], FeedQuery(), CTX, "UTC")
    parsed = feedparser.parse(doc)
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "Opened: Pothole <script>alert(1)</script>"
    assert parsed.entries[0].link == "http://dash.test/track?id=X%01-1"
    assert feeds.CAVEAT in parsed.feed.subtitle
