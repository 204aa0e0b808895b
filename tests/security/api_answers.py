"""Every kind of answer the API gives about a release, fetched over HTTP and turned into text cells.

``fetch_all(base, ids)`` asks the running API (``python -m portal.api``) for: Open311 discovery,
services and requests (every published row by id, in JSON and XML, the default window, single
requests), the Atom feed of every event (the server runs with a feed limit above the release's
event count), the catalog, the Table Schemas, and every page of the query API in CSV and JSON.
``cells`` turns an answer into the strings a scan looks at: every JSON string, number and key,
every XML element text and attribute value, every CSV cell.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx
from published import json_strings

FEED_LIMIT = "50000"  # --feed-entries for these servers: every event of a real extract


@dataclass(frozen=True)
class Answer:
    path: str
    content_type: str
    body: bytes
    link: str = ""  # the Link header (the query API's next page)

    @property
    def kind(self) -> str:
        media = self.content_type.split(";")[0]
        return {"application/json": "json", "text/csv": "csv"}.get(media, "xml")


def get(base: str, path: str) -> Answer:
    resp = httpx.get(base + path, timeout=120)
    assert resp.status_code == 200, f"{path}: {resp.status_code} {resp.text[:300]}"
    return Answer(path, resp.headers["content-type"], resp.content, resp.headers.get("link", ""))


def _pages(base: str, path: str) -> list[Answer]:
    out, page = [], 1
    while True:
        out.append(get(base, f"{path}?page={page}&page_size=5000"))
        if 'rel="next"' not in out[-1].link:
            return out
        page += 1


def fetch_all(base: str, ids: list[str], tables: list[str]) -> list[Answer]:
    fixed = [
        "/",
        "/open311/v2/discovery.json",
        "/open311/v2/discovery.xml",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml?status=closed",
        "/feeds/requests.atom",
        "/catalog/data.json",
        *(f"/catalog/schemas/{t}.json" for t in tables),
        *(f"/open311/v2/requests/{i}.{fmt}" for i in ids[:10] for fmt in ("json", "xml")),
    ]
    answers = [get(base, p) for p in fixed]
    for start in range(0, len(ids), 1000):
        batch = ",".join(ids[start : start + 1000])
        answers += [get(base, f"/open311/v2/requests.{fmt}?service_request_id={batch}") for fmt in ("json", "xml")]
    answers += _pages(base, "/api/requests.json") + _pages(base, "/api/requests.csv")
    return answers


def cells(answer: Answer) -> list[str]:
    if answer.kind == "json":
        import json

        return [text for _, text in json_strings(json.loads(answer.body))]
    if answer.kind == "csv":
        return [c for row in csv.reader(io.StringIO(answer.body.decode("utf-8"), newline="")) for c in row]
    root = ET.fromstring(answer.body)
    return [t for el in root.iter() for t in (el.text, *el.attrib.values()) if t]


def records(answers: list[Answer], path_prefix: str) -> list[dict]:
    """The request records of the JSON answers under ``path_prefix`` (Open311 lists, query API pages)."""
    import json

    out = []
    for answer in answers:
        if answer.path.startswith(path_prefix) and answer.kind == "json":
            doc = json.loads(answer.body)
            out += doc["rows"] if isinstance(doc, dict) else doc
    return out
