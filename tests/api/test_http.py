"""HTTP done properly, over real HTTP: caching headers from the release, 304s, gzip, CORS, HEAD, the
release in every answer, a clear 400 for every malformed parameter (never a 500), a new release
seen at once, and 503 before the first one."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from urllib.parse import quote

import httpx
import pytest
from sample_release import build_release_db

ADDRESSES = [
    "/open311/v2/discovery.json",
    "/open311/v2/services.xml",
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml?status=open",
    "/open311/v2/requests/SR-1.json",
    "/feeds/requests.atom?neighborhood=N1",
    "/catalog/data.json",
    "/catalog/schemas/service_requests.json",
    "/api/requests.csv?status=open",
    "/api/requests.json",
]


@pytest.mark.parametrize("path", ADDRESSES)
def test_release_headers_and_conditional_answers(api, path):
    first = api.get(path)
    assert first.status_code == 200
    assert first.headers["x-release-version"] == "2024.04.01-test"
    assert first.headers["last-modified"] == "Mon, 01 Apr 2024 06:00:00 GMT"
    assert first.headers["cache-control"] == "public, max-age=300"
    etag = first.headers["etag"]
    assert etag.startswith('W/"2024.04.01-test-')
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert api.get(path, headers={"If-None-Match": f'"x", {etag}'}).status_code == 304
    assert api.get(path, headers={"If-None-Match": 'W/"2024.03.01-test-0"'}).status_code == 200
    assert api.get(path, headers={"If-Modified-Since": "Mon, 01 Apr 2024 06:00:00 GMT"}).status_code == 304
    assert api.get(path, headers={"If-Modified-Since": "Sun, 31 Mar 2024 06:00:00 GMT"}).status_code == 200
    assert api.get(path).content == first.content  # the same bytes (from the worker's cache or not)


def test_etags_differ_per_address(api_sqlite):
    tags = {api_sqlite.get(p).headers["etag"] for p in ADDRESSES}
    assert len(tags) == len(ADDRESSES)


def test_gzip_and_cors(api_sqlite):
    resp = httpx.get(
        api_sqlite.base + "/open311/v2/requests.json",
        headers={"Accept-Encoding": "gzip", "Origin": "https://news.example"},
    )
    assert resp.headers["content-encoding"] == "gzip" and len(resp.json()) == 14
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "X-Release-Version" in resp.headers["access-control-expose-headers"]
    preflight = httpx.options(
        api_sqlite.base + "/api/requests.json",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]
    post = httpx.options(
        api_sqlite.base + "/api/requests.json",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"},
    )
    assert post.status_code == 400  # read-only: no cross-origin POST


def test_openapi_document(api_sqlite):
    doc = api_sqlite.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    for fmt in ("json", "xml"):
        for name in ("discovery", "services", "requests", "requests/{service_request_id}"):
            assert f"/open311/v2/{name}.{fmt}" in paths
    assert {"/feeds/requests.atom", "/catalog/data.json", "/api/requests.csv", "/api/requests.json"} <= paths
    params = [p["name"] for p in doc["paths"]["/open311/v2/requests.json"]["get"]["parameters"]]
    assert params[:5] == ["jurisdiction_id", "api_key", "service_request_id", "start_date", "end_date"]
    item = doc["paths"]["/open311/v2/requests.json"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["items"]
    assert len(item["required"]) == 27 and item["additionalProperties"] is False


TEN_THOUSAND = ",".join(str(i) for i in range(10_000))  # 48,889 characters
BAD = [  # (address, a phrase its one description holds)
    ("/open311/v2/requests.json?start_date=2024-03-01", "is not a W3C datetime with a time zone"),
    ("/open311/v2/requests.json?end_date=31/03/2024T00:00:00Z", "is not a W3C datetime with a time zone"),
    ("/open311/v2/requests.json?start_date=2024-03-02T00:00:00Z&end_date=2024-03-01T00:00:00Z", "is after end_date"),
    ("/open311/v2/requests.json?page_size=1000000000", "page_size must be from 1 to 5,000"),
    ("/open311/v2/requests.json?page_size=-5", "page_size must be a whole number"),
    ("/open311/v2/requests.json?bbox=1,2,3", "bbox takes four numbers"),
    ("/feeds/requests.atom?bbox=1,2,3", "bbox takes four numbers"),
    ("/open311/v2/requests.json?service_code=" + quote("x' OR 1=1; --"), "Unknown service_code"),
    ("/open311/v2/requests.json?status=" + quote("<status>&amp;</status>"), "Unknown status"),
    ("/feeds/requests.atom?neighborhood=" + quote("]]><x/>"), "Unknown neighborhood"),
    ("/api/requests.csv?nbhd=" + quote("'; DROP TABLE service_requests; --"), "Ignored unknown neighborhood"),
    ("/open311/v2/requests.json?service_code=%FF%FE", "is not UTF-8 text"),
    ("/api/requests.json?status=%C3%28", "is not UTF-8 text"),
    ("/feeds/requests.atom?%FF=1", "is not UTF-8 text"),
    ("/open311/v2/requests.json?service_request_id=" + TEN_THOUSAND, "At most 1,000 service_request_id values"),
    ("/open311/v2/requests/" + "x" * 65 + ".json", "at most 64 characters"),
    ("/open311/v2/requests/%FF.xml", "is not a request id"),
    ("/open311/v2/services.json?foo=bar", "Unknown parameter 'foo'"),
    ("/catalog/data.json?page=2", "Unknown parameter 'page'"),
]


@pytest.mark.parametrize("path, phrase", BAD, ids=[p[:60] for p, _ in BAD])
def test_malformed_parameters_are_a_400_with_a_description(api, path, phrase):
    resp = httpx.get(api.base + path, timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.headers["x-release-version"] == "2024.04.01-test"  # an error names the release it is about
    if path.split("?")[0].endswith((".xml", ".atom")):
        assert resp.headers["content-type"] == "text/xml; charset=utf-8"
        assert phrase.replace("&", "&amp;").replace("<", "&lt;") in resp.text
    else:
        (error,) = resp.json()
        assert error["code"] == 400 and phrase in error["description"]


def test_unknown_addresses_and_methods(api_sqlite):
    assert api_sqlite.get("/open311/v2/requests.csv").json() == [
        {"code": 404, "description": "No such address; see /openapi.json."}
    ]
    assert api_sqlite.get("/open311/v2/requests.json/").status_code == 404  # no redirects
    post = httpx.post(api_sqlite.base + "/open311/v2/requests.json", data={"service_code": "pothole"})
    assert post.status_code == 405 and post.json()[0]["code"] == 405


def test_a_new_release_is_served_at_once(serve_api, tmp_path):
    sample = build_release_db(tmp_path)
    base = serve_api(sample.url)
    before = httpx.get(base + "/open311/v2/services.json")
    assert before.headers["x-release-version"] == "2024.04.01-test"
    with sqlite3.connect(sample.db_path) as conn:  # what the ETL's switch does, in one transaction
        conn.execute("UPDATE releases SET version = '2024.05.01-test', created = '2024-05-01T06:00:00Z'")
        conn.execute("DELETE FROM service_types WHERE service_code = 'welfare'")
    for _ in range(4):  # every worker
        after = httpx.get(base + "/open311/v2/services.json", headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["x-release-version"] == "2024.05.01-test"
        assert [s["service_code"] for s in after.json()] == ["graffiti", "noise", "pothole"]
        assert after.headers["last-modified"] == "Wed, 01 May 2024 06:00:00 GMT"


def test_no_release_yet_is_a_503(serve_api, tmp_path):
    base = serve_api(f"sqlite:///{tmp_path}/empty.db")
    for path in ("/health", "/open311/v2/requests.xml", "/api/requests.json"):
        resp = httpx.get(base + path)
        assert resp.status_code == 503 and resp.headers["retry-after"] == "60"
        assert "No release is published in this database yet" in resp.text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--workers", "0"], "--workers: '0' must be positive"),
        (["--max-page-size", "many"], "--max-page-size: 'many' is not a int"),
        (["--query-timeout", "-1"], "--query-timeout: '-1' must be positive"),
    ],
)
def test_bad_settings_stop_the_command(args, message):
    proc = subprocess.run([sys.executable, "-m", "portal.api", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr


def test_a_configured_jurisdiction_id_must_match(serve_api, sample_sqlite):
    base = serve_api(sample_sqlite.url, "--jurisdiction-id", "test.city")
    assert httpx.get(base + "/open311/v2/services.json?jurisdiction_id=test.city").status_code == 200
    assert httpx.get(base + "/open311/v2/requests.json").status_code == 200  # optional with one jurisdiction
    wrong = httpx.get(base + "/open311/v2/requests.xml?jurisdiction_id=other.city")
    assert wrong.status_code == 404
    assert (
        "<description>jurisdiction_id 'other.city' not found; this endpoint serves 'test.city'.</description>"
        in wrong.text
    )
