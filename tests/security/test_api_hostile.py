"""Hostile content through the API: the payload rows of tests/security/hostile.py (markup, script
URLs, template and math syntax, spreadsheet formulas, in types, texts, statuses, ids and a
neighborhood name) come out of every answer as inert text, in both releases (``scrubbed``: the demo
profile's settings; ``raw``: markup kept, so the payloads reach the API as they are).

* XML answers (Open311, the feed) parse with a real XML parser and hold only the elements their
  format defines: a payload never becomes markup, and each element's text is the published cell.
* JSON records are the published rows; the feed parses in a real feed reader, its text as text.
* The query API's CSV neutralises formulas like the published files; every answer says nosniff.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from urllib.parse import quote

import feedparser
import hostile
import httpx
import pytest
from test_hostile_content import TEXT_FIELDS, formula_cells

from portal.georeport import EXTENSION_FIELDS, SPEC_FIELDS

ATOM, GEORSS = "{http://www.w3.org/2005/Atom}", "{http://www.georss.org/georss}"
ATOM_TAGS = {
    ATOM + t for t in "feed id title subtitle updated author name link generator rights entry content category".split()
}
REQUEST_TAGS = {"service_requests", "request", *SPEC_FIELDS, *EXTENSION_FIELDS}
SERVICE_TAGS = {
    "services",
    "service",
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}


@pytest.fixture
def served(hostile_release, serve_api):
    base = serve_api(hostile_release.db_url, "--feed-entries", "50000")
    with hostile_release.csv.open(newline="", encoding="utf-8") as f:
        rows = {r["service_request_id"]: r for r in csv.DictReader(f)}
    payload_ids = [i for i, r in rows.items() if i.startswith("HX-") or r["description"].startswith("Id payload")]
    assert len(payload_ids) == len(hostile.PAYLOADS) + 25 * len(hostile.TYPE_PAYLOADS) + len(hostile.ID_PAYLOADS) + 1
    return hostile_release, base, rows, payload_ids


def _get(base: str, path: str) -> httpx.Response:
    resp = httpx.get(base + path, timeout=120)
    assert resp.status_code == 200, f"{path}: {resp.text[:300]}"
    assert resp.headers["x-content-type-options"] == "nosniff"
    return resp


def _by_ids(base: str, ids: list[str], fmt: str) -> httpx.Response:
    return _get(base, f"/open311/v2/requests.{fmt}?service_request_id={quote(','.join(ids), safe=',')}")


def test_open311_xml_keeps_payloads_as_element_text(served):
    release, base, rows, ids = served
    root = ET.fromstring(_by_ids(base, ids, "xml").content)
    assert {el.tag for el in root.iter()} <= REQUEST_TAGS
    assert len(root) == len(ids)
    for request in root:
        row = rows[request.findtext("service_request_id")]
        for element in request:
            assert (element.text or "") == row[element.tag], (row["service_request_id"], element.tag)
    if not release.markup_scrub:
        texts = {el.text for el in root.iter() if el.text}
        assert {hostile.SCRIPT, hostile.IMG, hostile.IFRAME, hostile.STATUS_PAYLOAD} <= texts
    services = ET.fromstring(_get(base, "/open311/v2/services.xml").content)
    assert {el.tag for el in services.iter()} <= SERVICE_TAGS
    names = {el.text for el in services.iter("service_name")}
    with (release.release_dir / "data" / "service_types.csv").open(newline="", encoding="utf-8") as f:
        assert names == {r["service_name"] for r in csv.DictReader(f)}


def test_open311_json_records_are_the_published_rows(served):
    _, base, rows, ids = served
    records = _by_ids(base, ids, "json").json()
    assert [r["service_request_id"] for r in records] == ids
    for record in records:
        row = rows[record["service_request_id"]]
        for name, cell in row.items():
            value = record[name]
            assert (cell == "" and value is None) or str(value) == cell or float(cell) == value, name


@pytest.mark.parametrize("rid", hostile.ID_PAYLOADS)
def test_hostile_ids_are_looked_up_as_text(served, rid):
    _, base, rows, _ = served
    rid = rid if rid in rows else "'" + rid  # a formula-like id is published neutralised
    root = ET.fromstring(_get(base, f"/open311/v2/requests/{quote(rid, safe='')}.xml").content)
    assert root.findtext("request/service_request_id") == rid
    assert _get(base, f"/open311/v2/requests/{quote(rid, safe='')}.json").json()[0]["service_request_id"] == rid


def test_feed_of_the_payload_neighborhood(served):
    release, base, rows, _ = served
    body = _get(base, f"/feeds/requests.atom?neighborhood={hostile.HOOD}").content
    root = ET.fromstring(body)
    assert {el.tag for el in root.iter()} <= ATOM_TAGS | {GEORSS + "point"}
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and len(parsed.entries) >= len(hostile.PAYLOADS)
    entries = root.findall(ATOM + "entry")
    assert all(e.find(ATOM + "content").get("type") == "text" for e in entries)
    titles = {e.findtext(ATOM + "title") for e in entries}
    hood = {r["neighborhood"] for r in rows.values() if r["neighborhood_code"] == hostile.HOOD}
    (name,) = hood
    if not release.markup_scrub:
        assert name == hostile.HOOD_NAME
    for kind in {r["service_name"] for r in rows.values() if r["service_request_id"].startswith("HX-NEW-")}:
        assert f"Opened: {kind} at ASPEN ST & BIRCH ST, {name}" in titles, kind
    links = {e.find(ATOM + "link").get("href") for e in entries}
    assert "http://localhost:8501/track?id=%3Cimg%20src%3Dx%20onerror%3Dalert%287%29%3E" in links


def test_query_api_csv_neutralises_formulas(served):
    _, base, rows, _ = served
    text = _get(base, "/api/requests.csv?page_size=5000").text
    more = _get(base, "/api/requests.csv?page=2&page_size=5000").text if len(rows) > 5000 else ""
    columns = [c for c in TEXT_FIELDS if c != "service_request_id"]
    assert formula_cells(text, columns) == [] and formula_cells(more, columns) == []
    assert "'=HYPERLINK(" in text + more
    numbers = ("lat", "long", "days_to_close")  # the same numbers, written -105.0 here and -105 in the file
    for row in csv.DictReader(io.StringIO(text)):
        published = rows[row["service_request_id"]]
        assert row.keys() == published.keys()
        assert {k: v for k, v in row.items() if k not in numbers and v != published[k]} == {}
        assert all(row[k] == published[k] or float(row[k]) == float(published[k]) for k in numbers)
