"""The API never reveals more than the published CSV: for the three real cities with planted PII
(tests/security/pii.py), every kind of answer (Open311 JSON and XML, the feed of every event, the
catalog, the query API in CSV and JSON) holds none of the planted values, every request record is
exactly its row of the published CSV (the same columns, the same text, the same precision), and
every file the catalog links to is the published file byte for byte.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter

import api_answers
import httpx
import published
import pytest
from test_pii_planted import _describe, _plants


@pytest.fixture
def served(city, serve_api):
    """(city, base URL, every answer): the planted release (1.1.0) served by a real API."""
    base = serve_api(city.db_url, "--feed-entries", api_answers.FEED_LIMIT)
    with (city.release_dir / "data" / "service_requests.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["service_request_id"]: r for r in csv.DictReader(f)}
    tables = [
        r["name"] for r in json.loads((city.release_dir / "datapackage.json").read_text())["resources"] if "schema" in r
    ]
    return city, base, rows, api_answers.fetch_all(base, list(rows), tables)


def _same(record: dict, row: dict) -> list[str]:
    """The fields where a JSON record differs from its CSV row (text equal, numbers equal, '' is null)."""
    bad = [] if list(record) == list(row) or set(record) == set(row) else ["<columns>"]
    for name, cell in row.items():
        value = record.get(name)
        if cell == "":
            ok = value is None
        elif isinstance(value, float):
            ok = math.isfinite(value) and value == float(cell)
        else:
            ok = str(value) == cell
        if not ok:
            bad.append(name)
    return bad


def test_planted_pii_absent_from_every_api_answer(served):
    city, _, rows, answers = served
    scanner = published.Scanner(_plants(city))
    hits, cells = [], 0
    for answer in answers:
        found = api_answers.cells(answer)
        cells += len(found)
        hits += scanner.scan(answer.path[:80], found)
    kinds = Counter(a.kind for a in answers)
    published.write_artifact(
        f"api-pii-{city.city}",
        {
            "city": city.city,
            "answers": len(answers),
            "by_kind": dict(kinds),
            "cells_scanned": cells,
            "found": len(hits),
        },
    )
    assert kinds["xml"] >= 8 and kinds["json"] >= 8 and kinds["csv"] >= 1
    assert cells > 20 * len(rows)
    assert not hits, f"{len(hits)} planted values in API answers:\n{_describe(hits)}"


def test_every_record_is_exactly_its_published_row(served):
    _, _, rows, answers = served
    for prefix in ("/open311/v2/requests.json?service_request_id=", "/api/requests.json"):
        found = api_answers.records(answers, prefix)
        assert sorted(r["service_request_id"] for r in found) == sorted(rows), prefix
        differ = {r["service_request_id"]: _same(r, rows[r["service_request_id"]]) for r in found}
        assert not {k: v for k, v in differ.items() if v}, prefix


def test_the_feed_holds_every_event_and_only_published_points(served):
    _, _, rows, answers = served
    import feedparser

    (feed,) = [a for a in answers if a.path == "/feeds/requests.atom"]
    parsed = feedparser.parse(feed.body)
    assert parsed.bozo == 0
    opened = [e for e in parsed.entries if e.title.startswith("Opened")]
    assert len(opened) == len(rows)
    points = {(r["lat"], r["long"]) for r in rows.values() if r["lat"]}
    for entry in parsed.entries:
        if "where" in entry:
            lon, lat = entry.where["coordinates"]
            assert (repr(lat), repr(lon)) in points or (f"{lat:g}", f"{lon:g}") in points


def test_catalog_files_are_the_published_files(served):
    city, base, _, _ = served
    catalog = httpx.get(base + "/catalog/data.json", timeout=60).json()
    declared = {
        r["path"]: r["hash"] for r in json.loads((city.release_dir / "datapackage.json").read_text())["resources"]
    }
    for dataset in catalog["dataset"]:
        url = dataset["distribution"][0]["downloadURL"]
        path = url.split(f"/catalog/files/{city.release_dir.name}/", 1)[1]
        body = httpx.get(url, timeout=120).content
        assert body == (city.release_dir / path).read_bytes(), path
        import hashlib

        assert "sha256:" + hashlib.sha256(body).hexdigest() == declared[path]
