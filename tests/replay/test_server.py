"""The loopback server speaks each source's wire format, injects faults and changes its data, over real
HTTP (httpx against a real ThreadingHTTPServer); and ``python -m replay`` serves from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from etl.profile import load_profile
from replay import Dataset, Fault, Options, ReplayServer

REPO = Path(__file__).resolve().parents[2]
RIVERTON = REPO / "tests" / "fixtures" / "replay" / "riverton"
ARC = "/arcgis/rest/services/riverton-311/FeatureServer/0"


@pytest.fixture
def server():
    dataset = Dataset.from_file(RIVERTON / "requests.csv", load_profile(str(RIVERTON / "profile.toml")))
    with ReplayServer(dataset, options=Options(open311_cap=5, arcgis_max_records=4)) as s:
        yield s


def get(server, path, **params):
    return httpx.get(server.url + path, params=params)


# --- Socrata ----------------------------------------------------------------------------------------


def test_socrata_rows_as_socrata_writes_them(server):
    r = get(server, "/resource/rvtn-0311.json", **{"$order": "created", "$limit": "1", "$offset": "30"})
    assert r.status_code == 200
    assert r.json() == [
        {
            "request_id": "R-0031",
            "created": "2024-03-05T10:30:30.000",
            "updated": "2024-03-05T13:00:30.000",
            "closed": "2024-03-05T13:00:30.000",
            "status": "Closed",
            "type": "Pothole",
            "agency": "Streets",
            "notes": "Work completed",
            "address": "1210 S OAK AVE",
            "zip": "60601",
            "latitude": "41.979",
            "longitude": "-87.633",
            "location": {
                "latitude": "41.979",
                "longitude": "-87.633",
                "human_address": '{"address": "", "city": "", "state": "", "zip": ""}',
            },
            "channel": "Phone",
            "ward": "1",
        }
    ]


def test_socrata_where_order_select(server):
    params = {
        "$select": ":*, *",
        "$where": "created >= '2024-03-06T00:00:00.000' AND agency = 'Police'",
        "$order": "created DESC",
    }
    rows = get(server, "/resource/rvtn-0311.json", **params).json()
    assert [r["request_id"] for r in rows] == ["R-0040"]
    assert (rows[0][":created_at"], rows[0][":updated_at"]) == ("2024-03-06T22:03:03.000Z", "2024-03-07T15:30:03.000Z")
    newest = get(server, "/resource/rvtn-0311.json", **{"$select": "max(:updated_at) AS newest"}).json()
    assert newest == [{"newest": "2024-03-07T15:30:03.000Z"}]
    since = get(server, "/resource/rvtn-0311.json", **{"$where": ":updated_at > '2024-03-07T12:00:00.000Z'"}).json()
    assert sorted(r["request_id"] for r in since) == ["R-0036", "R-0040"]  # default order: :id


@pytest.mark.parametrize(
    "params, message",
    [
        ({"$where": "created >> 1"}, "cannot parse the condition 'created >> 1'"),
        ({"$where": "nope = 'x'"}, "no such column: nope"),
        ({"$limit": "50001"}, "$limit may not exceed 50000"),
        ({"$select": "request_id, status"}, "unsupported $select 'request_id, status'"),
    ],
)
def test_socrata_refuses_what_it_cannot_run(server, params, message):
    r = get(server, "/resource/rvtn-0311.json", **params)
    assert (r.status_code, r.json()) == (400, {"code": "query.compiler.malformed", "error": True, "message": message})


def test_socrata_metadata(server):
    meta = get(server, "/api/views/rvtn-0311.json").json()
    assert (meta["id"], meta["name"], meta["rowsUpdatedAt"]) == ("rvtn-0311", "Riverton 311 (test fixture)", 1709825403)
    assert [(c["name"], c["fieldName"], c["dataTypeName"]) for c in meta["columns"]][:3] == [
        ("Request ID", "request_id", "text"),
        ("Created", "created", "calendar_date"),
        ("Updated", "updated", "calendar_date"),
    ]
    assert get(server, "/api/views/nope-nope.json").status_code == 404


# --- Open311 ----------------------------------------------------------------------------------------


def test_open311_json_with_extensions(server):
    window = {"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-03-02T00:00:00Z", "extensions": "true"}
    found = get(server, "/open311/v2/requests.json", **window).json()
    assert [r["service_request_id"] for r in found] == ["R-0004", "R-0003", "R-0002", "R-0001"]  # newest first
    assert found[0] == {
        "service_request_id": "R-0004",
        "status": "open",
        "status_notes": "Crew assigned",
        "service_name": "Missed Pickup",
        "service_code": None,
        "description": None,
        "agency_responsible": "Sanitation",
        "service_notice": None,
        "requested_datetime": "2024-03-01T17:51:51-06:00",
        "updated_datetime": "2024-03-02T11:30:51-06:00",
        "expected_datetime": None,
        "address": "211 E LAKE DR",
        "address_id": None,
        "zipcode": "60616",
        "lat": 41.8169,
        "long": -87.6843,
        "media_url": None,
        "extended_attributes": {"channel": "Phone", "ward": "4", "closed_datetime": None},
        "notes": [{"datetime": "2024-03-01T17:51:51-06:00", "summary": "Request opened", "type": "opened"}],
    }
    closed = [r for r in found if r["service_request_id"] == "R-0001"][0]
    assert closed["notes"][-1] == {
        "datetime": "2024-03-01T10:00:00-06:00",
        "summary": "Request closed",
        "type": "closed",
    }


def test_open311_cap_window_and_filters(server):
    wide = {"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-03-08T00:00:00Z"}
    assert len(get(server, "/open311/v2/requests.json", **wide).json()) == 5  # the cap
    police = get(server, "/open311/v2/requests.json", **wide, agency_responsible="Police").json()
    assert [r["service_request_id"] for r in police] == ["R-0040", "R-0035", "R-0030", "R-0025", "R-0020"]
    updated = {"updated_after": "2024-03-07T12:00:00Z", "updated_before": "2024-03-08T00:00:00Z"}
    assert [r["service_request_id"] for r in get(server, "/open311/v2/requests.json", **updated).json()] == [
        "R-0040",
        "R-0036",
    ]
    r = get(server, "/open311/v2/requests.json", start_date="2024-01-01T00:00:00Z", end_date="2024-06-01T00:00:00Z")
    assert (r.status_code, r.json()) == (
        400,
        [{"code": 400, "description": "start_date and end_date may not span more than 90 days"}],
    )


def test_open311_xml(server):
    r = get(server, "/open311/v2/requests.xml", start_date="2024-03-01T00:00:00Z", end_date="2024-03-01T18:00:00Z")
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    assert r.text.startswith(
        '<?xml version="1.0" encoding="utf-8"?>\n<service_requests><request><service_request_id>R-0002<'
    )
    assert "<lat>41.8123</lat><long>-87.6881</long><media_url/></request>" in r.text


def test_open311_wrapped_and_jurisdiction():
    dataset = Dataset.from_file(RIVERTON / "requests.csv", load_profile(str(RIVERTON / "profile.toml")))
    options = Options(open311_wrap="requests", jurisdiction_id="riverton.example")
    with ReplayServer(dataset, kinds=["open311"], options=options) as s:
        window = {"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-03-01T18:00:00Z"}
        assert list(get(s, "/open311/v2/requests.json", **window).json()) == ["requests"]
        r = get(s, "/open311/v2/requests.json", **window, jurisdiction_id="elsewhere")
        assert (r.status_code, r.json()) == (
            404,
            [{"code": 404, "description": "jurisdiction_id 'elsewhere' not found"}],
        )
        assert get(s, "/resource/rvtn-0311.json").status_code == 404  # only the kinds asked for are served


# --- CKAN -------------------------------------------------------------------------------------------


def test_ckan_search(server):
    params = {"resource_id": "rvtn-0311", "limit": 2, "offset": 5, "filters": json.dumps({"Agency": "Police"})}
    body = get(server, "/api/3/action/datastore_search", **params).json()
    assert body["success"] is True
    result = body["result"]
    assert (result["total"], result["limit"], result["offset"]) == (8, 2, 5)
    assert result["fields"][:3] == [
        {"id": "_id", "type": "int"},
        {"id": "Request ID", "type": "text"},
        {"id": "Created", "type": "timestamp"},
    ]
    assert result["records"][0] == {
        "_id": 30,
        "Request ID": "R-0030",
        "Created": "2024-03-05T07:13:53",
        "Updated": "2024-03-06T10:30:53",
        "Closed": None,
        "Status": "Assigned",
        "Type": "Noise",
        "Agency": "Police",
        "Notes": "Sent to the department",
        "Address": "1173 W ELM ST",
        "ZIP": 60616,
        "Latitude": 41.8767,
        "Longitude": -87.6349,
        "Location": "(41.8767, -87.6349)",
        "Channel": "Mobile",
        "Ward": 5,
    }


def test_ckan_sql(server):
    sql = 'SELECT * FROM "rvtn-0311" WHERE "Created" >= \'2024-03-06T00:00:00\' ORDER BY "Created" LIMIT 2 OFFSET 1'
    records = get(server, "/api/3/action/datastore_search_sql", sql=sql).json()["result"]["records"]
    assert [r["Request ID"] for r in records] == ["R-0037", "R-0038"]
    newest = get(server, "/api/3/action/datastore_search_sql", sql='SELECT max("Updated") AS newest FROM "rvtn-0311"')
    assert newest.json()["result"]["records"] == [{"newest": "2024-03-07T09:30:03"}]


@pytest.mark.parametrize(
    "path, params, status, message",
    [
        ("datastore_search", {"resource_id": "nope"}, 404, "Resource was not found."),
        ("datastore_search_sql", {"sql": "DELETE FROM x"}, 409, "cannot run this SQL: 'DELETE FROM x'"),
        ("datastore_search_sql", {"sql": 'SELECT * FROM "other"'}, 409, 'relation "other" does not exist'),
    ],
)
def test_ckan_errors(server, path, params, status, message):
    r = get(server, f"/api/3/action/{path}", **params)
    assert (r.status_code, r.json()["success"], r.json()["error"]["message"]) == (status, False, message)


# --- ArcGIS -----------------------------------------------------------------------------------------


def test_arcgis_layer_and_json_query(server):
    layer = get(server, ARC, f="json").json()
    assert (layer["objectIdField"], layer["maxRecordCount"]) == ("OBJECTID", 4)
    assert layer["fields"][:3] == [
        {"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"},
        {"name": "request_id", "type": "esriFieldTypeString", "alias": "Request ID"},  # not an identifier: renamed
        {"name": "Created", "type": "esriFieldTypeDate", "alias": "Created"},
    ]
    where = "Created >= TIMESTAMP '2024-03-06 06:00:00'"  # UTC: midnight in Riverton
    body = get(server, f"{ARC}/query", where=where, outFields="*", orderByFields="Created", f="json").json()
    assert [f["attributes"]["request_id"] for f in body["features"]] == ["R-0036", "R-0037", "R-0038", "R-0039"]
    assert body["exceededTransferLimit"] is True  # R-0040 is beyond maxRecordCount
    last = body["features"][-1]
    assert (last["attributes"]["Created"], last["geometry"]) == (1709750786000, {"x": -87.6178, "y": 41.9174})


def test_arcgis_geojson_statistics_and_errors(server):
    body = get(server, f"{ARC}/query", where="1=1", outFields="*", resultOffset=36, f="geojson").json()
    assert [f["id"] for f in body["features"]] == [37, 38, 39, 40]
    assert "properties" not in body  # the last page: no exceededTransferLimit
    assert body["features"][-1]["geometry"] == {"type": "Point", "coordinates": [-87.6159, 41.8197]}
    stat = json.dumps([{"statisticType": "max", "onStatisticField": "Updated", "outStatisticFieldName": "newest"}])
    assert get(server, f"{ARC}/query", outStatistics=stat, f="json").json() == {
        "features": [{"attributes": {"newest": 1709825403000}}]
    }
    error = get(server, f"{ARC}/query", where="Created >>", f="json")
    assert (error.status_code, error.json()["error"]["details"]) == (200, ["cannot parse the condition 'Created >>'"])


# --- faults and changes -----------------------------------------------------------------------------


def test_faults_count_data_requests_only(server):
    server.inject(Fault("status", status=429, retry_after="2", page=2), Fault("not_json", page=3))
    assert get(server, "/api/views/rvtn-0311.json").status_code == 200  # metadata: not counted
    assert get(server, "/resource/rvtn-0311.json").status_code == 200
    throttled = get(server, "/resource/rvtn-0311.json")
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "2")
    html = get(server, "/resource/rvtn-0311.json")
    assert (html.status_code, html.headers["content-type"], html.text[:6]) == (
        200,
        "text/html; charset=utf-8",
        "<html>",
    )
    assert get(server, "/resource/rvtn-0311.json").status_code == 200


def test_truncated_answer(server):
    server.inject(Fault("truncate"))
    with pytest.raises(httpx.RemoteProtocolError):
        get(server, "/resource/rvtn-0311.json")


def test_repeat_page(server):
    server.inject(Fault("repeat_page", page=2))
    first = get(server, "/resource/rvtn-0311.json", **{"$limit": "5", "$order": "created"}).json()
    second = get(server, "/resource/rvtn-0311.json", **{"$limit": "5", "$offset": "5", "$order": "created"}).json()
    assert second == first


def test_fault_parse():
    assert Fault.parse("status:status=429,retry_after=2,times=3") == Fault(
        "status", status=429, retry_after="2", times=3
    )
    assert Fault.parse("rename_column:column=Status,to=State,page=2") == Fault(
        "rename_column", page=2, column="Status", to="State"
    )
    with pytest.raises(ValueError, match="unknown fault 'flood'"):
        Fault.parse("flood")
    with pytest.raises(ValueError, match="fault drop_column needs a column"):
        Fault.parse("drop_column")


def test_control_routes(server):
    changes = [{"op": "close", "id": "R-0003", "status": "Closed"}]
    r = httpx.post(f"{server.url}/_replay/changes", params={"at": "2024-03-08T12:00:00+00:00"}, json=changes)
    assert r.json() == {"version": 1}
    row = get(server, "/resource/rvtn-0311.json", **{"$where": "request_id = 'R-0003'"}).json()[0]
    assert (row["status"], row["closed"]) == ("Closed", "2024-03-08T06:00:00.000")
    assert httpx.post(f"{server.url}/_replay/faults", json={"kind": "status", "status": 500}).json() == {"armed": 1}
    assert get(server, "/resource/rvtn-0311.json").status_code == 500
    assert httpx.delete(f"{server.url}/_replay/faults").json() == {"armed": 0}
    state = get(server, "/_replay/state").json()
    assert state == {"version": 1, "rows": 40, "requests": 2}
    bad = httpx.post(f"{server.url}/_replay/changes", json=[{"op": "close", "id": "R-9999"}])
    assert (bad.status_code, bad.json()["message"]) == (400, "no request with id 'R-9999'")


def test_log_keeps_token_headers(server):
    httpx.get(f"{server.url}/resource/rvtn-0311.json", headers={"X-App-Token": "abc"})
    assert server.log[-1] == {
        "method": "GET",
        "path": "/resource/rvtn-0311.json",
        "params": {},
        "headers": {"X-App-Token": "abc"},
    }


def test_apply_at_the_clock():
    dataset = Dataset.from_file(RIVERTON / "requests.csv", load_profile(str(RIVERTON / "profile.toml")))
    with ReplayServer(dataset, kinds=["socrata"]) as s:
        before = datetime.now(UTC)
        s.apply([{"op": "status", "id": "R-0002", "status": "Open"}])
        assert s.dataset.system[":updated_at"][1] >= before.replace(microsecond=0)


# --- the command line -------------------------------------------------------------------------------


def test_command_line_serves_until_stopped():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replay",
            "--profile",
            str(RIVERTON / "profile.toml"),
            "--data",
            str(RIVERTON / "requests.csv"),
            "--kind",
            "socrata",
            "--kind",
            "open311",
            "--fault",
            "status:status=503",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        url = lines[0].split(" at ")[1].strip()
        assert lines[0] == f"replaying 40 rows of {RIVERTON / 'requests.csv'} at {url}\n"
        assert lines[1] == f"  socrata: source.url = '{url}'  (dataset rvtn-0311)\n"
        assert lines[2] == f"  open311: source.url = '{url}/open311/v2'  (dataset rvtn-0311)\n"
        assert httpx.get(f"{url}/resource/rvtn-0311.json").status_code == 503  # the armed fault
        assert len(httpx.get(f"{url}/resource/rvtn-0311.json").json()) == 40
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_command_line_bad_fault():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "replay",
            "--profile",
            str(RIVERTON / "profile.toml"),
            "--data",
            str(RIVERTON / "requests.csv"),
            "--fault",
            "flood",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stderr) == (
        2,
        "error: unknown fault 'flood'; known: status, truncate, not_json, repeat_page, ignore_where, rename_column, "
        "drop_column, move_back\n",
    )
