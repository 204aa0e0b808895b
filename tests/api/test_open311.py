"""Open311 GeoReport v2 over real HTTP, in SQLite and PostgreSQL: every endpoint in JSON and XML,
the specification's element names, defaults and filters, and records equal to the published CSV.

Expected ids come from the sample release (tests/portal/sample_release.py): data_through is
T = 2024-04-01 00:00 UTC, so the default window (the 90 days up to T) holds every request but
SR-14 (received T-100 days).
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET

import pytest

from portal.georeport import EXTENSION_FIELDS, SPEC, SPEC_FIELDS

NEWEST_FIRST = [
    "SR-13",
    "SR-10",
    "SR-12",
    "SR-6",
    "SR-15",
    "SR-9",
    "SR-2",
    "SR-5",
    "SR-4",
    "SR-1",
    "SR-3",
    "SR-11",
    "SR-8",
    "SR-7",
]
FIELDS = [*SPEC_FIELDS, *EXTENSION_FIELDS]


def ids(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [r["service_request_id"] for r in resp.json()]


def xml_root(resp) -> ET.Element:
    assert resp.headers["content-type"] == "text/xml; charset=utf-8"
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(resp.content)


def published_rows(api) -> dict[str, dict]:
    with (api.release_dir / "data" / "service_requests.csv").open(newline="", encoding="utf-8") as f:
        return {r["service_request_id"]: r for r in csv.DictReader(f)}


def same_as_published(record: dict, row: dict) -> bool:
    """A JSON record holds exactly the CSV row: the same fields, text equal, numbers equal."""
    if set(record) != set(row):
        return False
    for name, cell in row.items():
        value = record[name]
        if cell == "":
            if value is not None:
                return False
        elif isinstance(value, float):
            if not math.isclose(value, float(cell), rel_tol=0, abs_tol=0):
                return False
        elif str(value) != cell:
            return False
    return True


def test_discovery_json_and_xml(api):
    doc = api.get("/open311/v2/discovery.json").json()
    assert doc["changeset"] == "2024-04-01T06:00:00Z"
    assert doc["contact"] == "Test City 311 export"
    assert doc["key_service"].startswith("No key is needed")
    assert doc["endpoints"] == [
        {
            "specification": SPEC,
            "url": f"{api.base}/open311/v2",
            "changeset": "2024-04-01T06:00:00Z",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    root = xml_root(api.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert [c.tag for c in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_json_and_xml(api):
    services = api.get("/open311/v2/services.json").json()
    assert [s["service_code"] for s in services] == ["graffiti", "noise", "pothole", "welfare"]
    assert services[3] == {
        "service_code": "welfare",
        "service_name": "Welfare Check",
        "description": "Welfare Check requests, handled by Human Services. Target: marked closed within 1 days. "
        "Locations are published at neighborhood level only.",
        "metadata": False,
        "type": "realtime",
        "keywords": "welfare check, welfare, Human Services",
        "group": "Human Services",
    }
    root = xml_root(api.get("/open311/v2/services.xml"))
    assert root.tag == "services" and [c.tag for c in root] == ["service"] * 4
    first = root.find("service")
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert (first.findtext("metadata"), first.findtext("type")) == ("false", "realtime")


def test_requests_default_is_the_last_90_days_newest_first(api):
    assert ids(api.get("/open311/v2/requests.json")) == NEWEST_FIRST


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=open", ["SR-13", "SR-10", "SR-12", "SR-9", "SR-11"]),
        ("status=closed", ["SR-6", "SR-15", "SR-2", "SR-5", "SR-4", "SR-1", "SR-3", "SR-8", "SR-7"]),
        ("status=open,closed", NEWEST_FIRST),
        ("service_code=graffiti,welfare", ["SR-13", "SR-5", "SR-4", "SR-8"]),
        ("service_code=graffiti&service_code=welfare", ["SR-13", "SR-5", "SR-4", "SR-8"]),
        ("neighborhood=N2", ["SR-10", "SR-12", "SR-4", "SR-3"]),
        ("start_date=2023-12-01T00:00:00Z", ["SR-11", "SR-8", "SR-7", "SR-14"]),  # the 90 days from it
        (
            "start_date=2024-03-20T00:00:00Z&end_date=2024-03-26T00:00:00Z",
            ["SR-15", "SR-9", "SR-2", "SR-5"],
        ),  # both ends included
        ("end_date=2024-01-01T00:00:00-07:00", ["SR-14"]),  # the 90 days before it
        ("start_date=2024-03-24T00:00:00Z&end_date=2024-03-24T00:00:00Z", ["SR-9"]),  # SR-9 at exactly T-8
        ("bbox=-105.0,39.75,-104.99,39.76", ["SR-9", "SR-2", "SR-1", "SR-8", "SR-7"]),  # N1's square, in the window
        ("service_request_id=SR-7,SR-14,nope,SR-7", ["SR-7", "SR-14"]),  # overrides the window
        ("service_request_id=SR-1&status=open", ["SR-1"]),  # overrides the filters
        ("page_size=3", NEWEST_FIRST[:3]),
        ("page_size=3&page=2", NEWEST_FIRST[3:6]),
        ("page_size=5&page=3", NEWEST_FIRST[10:]),
        ("page=9", []),
        ("jurisdiction_id=test.city&api_key=anything", NEWEST_FIRST),
        ("status=&service_code=", NEWEST_FIRST),  # empty means absent (the specification's "optional")
    ],
)
def test_requests_filters(api, query, expected):
    assert ids(api.get(f"/open311/v2/requests.json?{query}")) == expected


def test_requests_xml_elements_are_the_specification_then_the_extensions(api):
    root = xml_root(api.get("/open311/v2/requests.xml?status=open"))
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        "SR-13",
        "SR-10",
        "SR-12",
        "SR-9",
        "SR-11",
    ]
    for request in root:
        assert request.tag == "request"
        assert [c.tag for c in request] == FIELDS
    sr9 = root.find("request[service_request_id='SR-9']")
    assert sr9.findtext("status_notes") == "Crew <b>scheduled</b> & notified"  # text, escaped by the XML writer
    assert sr9.findtext("lat") == "39.755" and sr9.findtext("expected_datetime") == ""


def test_every_record_is_exactly_the_published_csv_row(api):
    rows = published_rows(api)
    records = api.get("/open311/v2/requests.json?start_date=2023-12-01T00:00:00Z&end_date=2024-02-29T00:00:00Z").json()
    records += api.get("/open311/v2/requests.json").json()
    assert {r["service_request_id"] for r in records} == set(rows)
    for record in records:
        assert list(record) == FIELDS
        assert same_as_published(record, rows[record["service_request_id"]]), record


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request(api, fmt):
    resp = api.get(f"/open311/v2/requests/SR-13.{fmt}")
    assert resp.status_code == 200
    if fmt == "json":
        (record,) = resp.json()
        assert same_as_published(record, published_rows(api)["SR-13"])
        assert (record["lat"], record["location_precision"]) == (39.757, "neighborhood_random")
    else:
        root = xml_root(resp)
        assert [c.tag for c in root] == ["request"] and root.findtext("request/service_code") == "welfare"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("rid", ["SR-99", "SR-1' OR '1'='1", "<x>&amp;"])
def test_unknown_request_is_a_404_in_the_error_format(api, fmt, rid):
    from urllib.parse import quote

    resp = api.get(f"/open311/v2/requests/{quote(rid, safe='')}.{fmt}")
    assert resp.status_code == 404
    description = f"No service request '{rid}' in release 2024.04.01-test."
    if fmt == "json":
        assert resp.json() == [{"code": 404, "description": description}]
    else:
        root = xml_root(resp)
        assert root.tag == "errors" and [c.tag for c in root.find("error")] == ["code", "description"]
        assert (root.findtext("error/code"), root.findtext("error/description")) == ("404", description)


def test_errors_in_xml_for_xml_addresses(api):
    resp = api.get("/open311/v2/requests.xml?status=lost")
    assert resp.status_code == 400
    root = xml_root(resp)
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("400", "Unknown status 'lost'; use open, closed or open,closed.")
    ]
