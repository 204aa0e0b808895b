"""Open311 GeoReport v2: parameters -> query (or one message per problem), records and documents."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.filters import Filters, Vocabulary
from portal.georeport import (
    EXTENSION_FIELDS,
    SPEC_FIELDS,
    RequestQuery,
    discovery,
    parse_requests,
    render,
    request_record,
    service_record,
)

VOCAB = Vocabulary({"pothole", "graffiti"}, {"N1", "N2"}, date(2024, 1, 1), date(2024, 3, 31))
AS_OF = datetime(2024, 4, 1)
DEFAULT = Filters(after=AS_OF - timedelta(days=90))


@pytest.mark.parametrize(
    "params, query",
    [
        ({}, RequestQuery(filters=DEFAULT)),
        ({"service_code": "pothole,graffiti", "status": "closed", "neighborhood": "N1"},
         RequestQuery(filters=Filters(("pothole", "graffiti"), "closed", neighborhood="N1", after=DEFAULT.after))),
        ({"status": ["open", "closed"]}, RequestQuery(filters=DEFAULT)),
        ({"start_date": "2024-01-10T00:00:00Z"},
         RequestQuery(filters=Filters(after=datetime(2024, 1, 10), before=datetime(2024, 4, 9)))),
        ({"end_date": "2024-03-01T00:00:00-07:00"},
         RequestQuery(filters=Filters(after=datetime(2023, 12, 2, 7), before=datetime(2024, 3, 1, 7)))),
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-03-31T00:00:00Z"},
         RequestQuery(filters=Filters(after=datetime(2024, 1, 1), before=datetime(2024, 3, 31)))),
        ({"bbox": "-105,39,-104,40", "page": "2", "page_size": "10"},
         RequestQuery(filters=Filters(bbox=(-105.0, 39.0, -104.0, 40.0), after=DEFAULT.after), page=2, page_size=10)),
        ({"service_request_id": "SR-2, SR-1,SR-2", "jurisdiction_id": "x", "api_key": "k"},
         RequestQuery(ids=("SR-2", "SR-1"), filters=DEFAULT)),
    ],
)  # fmt: skip
def test_parse_requests(params, query):
    assert parse_requests(params, VOCAB, AS_OF, 5000) == (query, [])


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"service_code": "pothole,nope"}, ["Unknown service_code 'nope'; see services.json."]),
        ({"status": "open,pending"}, ["Unknown status 'pending'; use open, closed or open,closed."]),
        ({"neighborhood": "N9"}, ["Unknown neighborhood 'N9'; use a neighborhood_code of the release."]),
        ({"start_date": "2024-03-01", "end_date": "soon"}, [
            "start_date '2024-03-01' is not a W3C datetime with a time zone, e.g. 2024-03-01T00:00:00Z.",
            "end_date 'soon' is not a W3C datetime with a time zone, e.g. 2024-03-01T00:00:00Z.",
        ]),
        ({"start_date": "2024-03-02T00:00:00Z", "end_date": "2024-03-01T00:00:00Z"},
         ["start_date 2024-03-02T00:00:00Z is after end_date 2024-03-01T00:00:00Z."]),
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-03-31T00:00:01Z"}, [
            "start_date to end_date spans more than 90 days, the Open311 limit; ask for several windows, "
            "or use /api/requests.json for longer periods."
        ]),
        ({"bbox": "1,2,3"}, ["bbox takes four numbers: min_long,min_lat,max_long,max_lat; got '1,2,3'."]),
        ({"page_size": "1000000000"}, ["page_size must be from 1 to 5,000; got 1,000,000,000."]),
        ({"service_request_id": ",".join(map(str, range(10_000)))}, ["At most 1,000 service_request_id values at once; got 10,000."]),
        ({"service_request_id": "x" * 65}, [
            "service_request_id: A request id has at most 64 characters; '" + "x" * 39 + "…' is longer."
        ]),
        ({"lat": "40", "radius": "5"}, [
            "Unknown parameter 'lat'; this address takes " + ", ".join(sorted([
                "api_key", "bbox", "end_date", "jurisdiction_id", "neighborhood", "page", "page_size",
                "service_code", "service_request_id", "start_date", "status"])) + ".",
            "Unknown parameter 'radius'; this address takes " + ", ".join(sorted([
                "api_key", "bbox", "end_date", "jurisdiction_id", "neighborhood", "page", "page_size",
                "service_code", "service_request_id", "start_date", "status"])) + ".",
        ]),
    ],
)  # fmt: skip
def test_parse_requests_reports_every_problem(params, errors):
    assert parse_requests(params, VOCAB, AS_OF, 5000)[1] == errors


def test_request_record_is_the_specification_then_the_extensions():
    row = {"service_request_id": "SR-1", "status": "open", "requested_datetime": datetime(2024, 3, 1, 7), "lat": 39.751}
    record = request_record(row, "America/Denver")
    assert list(record) == [*SPEC_FIELDS, *EXTENSION_FIELDS]
    assert len(record) == 27 and EXTENSION_FIELDS[:3] == ("status_description", "closed_datetime", "channel")
    assert (record["requested_datetime"], record["lat"], record["media_url"]) == (
        "2024-03-01T00:00:00-07:00",
        39.751,
        None,
    )


def test_service_record():
    plain = {"service_code": "noise", "service_name": "Noise", "agency_responsible": None, "target_days": None}
    assert service_record(plain) == {
        "service_code": "noise",
        "service_name": "Noise",
        "description": "Noise requests.",
        "metadata": False,
        "type": "realtime",
        "keywords": "noise",
        "group": None,
    }
    target = {**plain, "agency_responsible": "Police", "target_days": 2.5, "is_sensitive": True}
    assert service_record(target)["description"] == (
        "Noise requests, handled by Police. Target: marked closed within 2.5 days. "
        "Locations are published at neighborhood level only."
    )


def test_discovery_type_is_test_for_a_demo_release():
    doc = discovery("2024-04-01T06:00:00Z", "Demo City", "http://x/open311/v2", production=False)
    assert doc["endpoints"][0]["type"] == "test" and list(doc) == ["changeset", "contact", "key_service", "endpoints"]


def test_render_json_and_xml():
    assert render("errors", [{"code": 400, "description": "é"}], "json") == '[{"code":400,"description":"é"}]'.encode()
    assert render("errors", [{"code": 400, "description": "é"}], "xml").endswith(
        "<errors><error><code>400</code><description>é</description></error></errors>".encode()
    )
