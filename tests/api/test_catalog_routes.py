"""The DCAT-US catalog over real HTTP: every downloadURL serves the exact published file (its bytes
hash to datapackage.json's checksum), every describedBy answers, old releases' files are gone."""

from __future__ import annotations

import hashlib
import json

import httpx


def test_every_download_url_serves_the_exact_published_file(api):
    doc = api.get("/catalog/data.json").json()
    package = (
        json.loads((api.release_dir / "datapackage.json").read_text())
        if (api.release_dir / "datapackage.json").exists()
        else None
    )
    declared = {}
    for dataset in doc["dataset"]:
        dist = dataset["distribution"][0]
        resp = httpx.get(dist["downloadURL"], timeout=30)
        assert resp.status_code == 200
        assert resp.headers["content-type"].split(";")[0] == dist["mediaType"]
        assert resp.headers["x-release-version"] == "2024.04.01-test"
        assert "immutable" in resp.headers["cache-control"]
        declared[dataset["identifier"]] = ("sha256:" + hashlib.sha256(resp.content).hexdigest(), dist["description"])
    assert len(declared) == 4 and package is None  # the sample keeps its descriptor in the database only
    for digest, description in declared.values():
        assert description.endswith(f"checksum {digest}.")  # the checksum datapackage.json declares
    on_disk = (api.release_dir / "data" / "service_requests.csv").read_bytes()
    assert declared["test-city-311/service_requests"][0] == "sha256:" + hashlib.sha256(on_disk).hexdigest()


def test_described_by_is_the_table_schema(api):
    doc = api.get("/catalog/data.json").json()
    url = doc["dataset"][0]["distribution"][0]["describedBy"]
    schema = httpx.get(url, timeout=30).json()
    assert [f["name"] for f in schema["fields"]][:3] == ["service_request_id", "status", "status_description"]
    assert schema["primaryKey"] == ["service_request_id"]


def test_files_of_other_releases_and_other_paths_are_404(api):
    for path, text in [
        (
            "/catalog/files/2024.03.01-test/data/service_requests.csv",
            "Release '2024.03.01-test' is not the current one (2024.04.01-test); see /catalog/data.json.",
        ),
        ("/catalog/files/2024.04.01-test/../portal.db", "No such address; see /openapi.json."),
        (
            "/catalog/files/2024.04.01-test/data/%2e%2e/%2e%2e/portal.db",
            "'data/../../portal.db' is not a published file of release 2024.04.01-test on this server.",
        ),
        ("/catalog/files/2024.04.01-test/datapackage.json", None),
        (
            "/catalog/schemas/neighborhoods.json",
            "No table 'neighborhoods' with a Table Schema in release 2024.04.01-test.",
        ),
    ]:
        resp = api.get(path)
        assert resp.status_code == 404, path
        if text:
            assert resp.json() == [{"code": 404, "description": text}], path


def test_head_answers_like_get_without_a_body(api):
    url = api.get("/catalog/data.json").json()["dataset"][0]["distribution"][0]["downloadURL"]
    head, get = httpx.head(url, timeout=30), httpx.get(url, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert (
        head.headers["content-length"] == get.headers["content-length"] and head.headers["etag"] == get.headers["etag"]
    )


def test_catalog_page_carries_the_dataset_json_ld(api):
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.scripts, self.links, self.h1, self._in = [], [], "", None

        def handle_starttag(self, tag, attrs):
            self._in = (tag, dict(attrs).get("type"))
            if tag == "a":
                self.links.append(dict(attrs)["href"])

        def handle_data(self, data):
            if self._in == ("script", "application/ld+json"):
                self.scripts.append(data)
            elif self._in and self._in[0] == "h1":
                self.h1 += data

        def handle_endtag(self, tag):
            self._in = None

    resp = api.get("/catalog/index.html")
    assert resp.status_code == 200 and resp.headers["content-type"] == "text/html; charset=utf-8"
    page = Page()
    page.feed(resp.text)
    (script,) = page.scripts
    doc = json.loads(script)
    assert (doc["@type"], doc["name"], doc["version"]) == ("Dataset", "Test City 311 <requests>", "2024.04.01-test")
    assert page.h1 == "Test City 311 <requests>"  # the title as text: escaped in the page
    assert "<requests>" not in resp.text and "\\u003crequests>" in script
    downloads = [d["distribution"][0]["downloadURL"] for d in api.get("/catalog/data.json").json()["dataset"]]
    assert page.links[: len(downloads)] == downloads
    assert page.links[len(downloads) :] == [
        f"{api.base}/catalog/data.json",
        f"{api.base}/open311/v2/discovery.json",
        "http://localhost:8501/data",
    ]
