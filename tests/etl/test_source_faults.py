"""A source's faults, injected by the real loopback server: retries with backoff and Retry-After, then
one clean line naming the URL, the page and the field, for each way a source can go wrong."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sources_testkit import NOW, riverton, serving

from etl.sources.base import SourceError
from etl.sources.fetch import fetch
from replay import Fault

SODA = "/resource/rvtn-0311.json?$select=:*, *&$order=:updated_at ASC, :id ASC&$limit=10&$offset={}&$where=created >= '2024-01-01'"
CKAN = (
    '/api/3/action/datastore_search_sql?sql=SELECT * FROM "rvtn-0311" WHERE "Created" >= \'2024-01-01\' '
    'ORDER BY "Updated", "_id" LIMIT 10 OFFSET {}'
)
ARCGIS = (
    "/arcgis/rest/services/riverton-311/FeatureServer/0/query?where=Created >= TIMESTAMP '2024-01-01 00:00:00'"
    "&outFields=*&orderByFields=Updated ASC,OBJECTID ASC&returnGeometry=true&resultOffset={}&resultRecordCount=10&f=json"
)
OPEN311 = "/open311/v2/requests.json?start_date={}&end_date={}&extensions=true"
HTML = "answer is not JSON: Expecting value at character 0 of 94; it begins '<html><head><title>502 Bad Gateway</title></head><body><h1>5'"


def run(folder: Path, kind: str, faults: list[Fault], **changes):
    """(result or None, error message with the server's address as URL, the waits between retries)."""
    waits: list[float] = []
    with serving(kind) as server:
        server.inject(*faults)
        try:
            result = fetch(
                riverton(kind, **changes),
                folder,
                url=server.source_url(kind),
                now=NOW,
                sleep=waits.append,
            )
        except SourceError as exc:
            return None, str(exc).replace(server.url, "URL"), waits
    return result, None, waits


# --- retried ----------------------------------------------------------------------------------------


def test_429_honours_retry_after_then_succeeds(tmp_path):
    result, error, waits = run(tmp_path, "socrata", [Fault("status", status=429, retry_after="7", times=2)])
    assert (error, waits, result.rows, result.retries) == (None, [7.0, 7.0], 40, 2)


def test_5xx_backs_off_then_fails_cleanly(tmp_path):
    result, error, waits = run(tmp_path, "socrata", [Fault("status", status=503, times=9)], retries=2)
    assert result is None and waits == [1.0, 2.0]
    assert error == f"URL{SODA.format(0)}, page 1: answered 503 Service Unavailable; gave up after 2 retries"


def test_5xx_on_a_later_page_names_that_page(tmp_path):
    _, error, waits = run(
        tmp_path, "ckan", [Fault("status", status=500, times=9, page=3)], retries=1, backoff_seconds=0.5
    )
    assert waits == [0.5]
    assert error == f"URL{CKAN.format(20)}, page 3: answered 500 Internal Server Error; gave up after 1 retry"


def test_retry_after_longer_than_allowed_fails_at_once(tmp_path):
    _, error, waits = run(tmp_path, "socrata", [Fault("status", status=503, retry_after="3600")])
    assert waits == []
    assert error == (
        f"URL{SODA.format(0)}, page 1: answered 503 Service Unavailable; asked to retry after 3600 s, "
        "more than source.max_wait_seconds (300 s)"
    )


def test_truncated_answer_is_retried(tmp_path):
    result, error, waits = run(tmp_path, "socrata", [Fault("truncate")])
    assert (error, waits, result.rows, result.retries) == (None, [1.0], 40, 1)


def test_truncated_answers_fail_cleanly(tmp_path):
    _, error, _ = run(tmp_path, "arcgis", [Fault("truncate", times=9)], retries=0)
    assert error == (
        f"URL{ARCGIS.format(0)}, page 1: answer cut short (peer closed connection without sending complete "
        "message body (received 2459 bytes, expected 4918)); gave up after 0 retries"
    )


def test_real_wait_for_retry_after(tmp_path):
    """With the real clock: a Retry-After of 1 second is waited for."""
    with serving("socrata") as server:
        server.inject(Fault("status", status=429, retry_after="1"))
        started = time.monotonic()
        result = fetch(riverton("socrata"), tmp_path, url=server.source_url("socrata"))
        elapsed = time.monotonic() - started
    assert (result.rows, result.retries) == (40, 1) and elapsed >= 1.0


# --- not retried: one line naming URL, page and field -----------------------------------------------

FAULTS = [
    ("socrata not JSON", "socrata", [Fault("not_json", page=2)], f"URL{SODA.format(10)}, page 2: {HTML}"),
    ("ckan not JSON", "ckan", [Fault("not_json")], f"URL{CKAN.format(0)}, page 1: {HTML}"),
    (
        "open311 not JSON",
        "open311",
        [Fault("not_json", page=7)],
        f"URL{OPEN311.format('2024-03-01T06:00:00Z', '2024-03-02T18:00:00Z')}, page 6: {HTML}",
    ),
    (
        "socrata repeats a page",
        "socrata",
        [Fault("repeat_page", page=3)],
        f"URL{SODA.format(20)}, page 3, field 'Request ID': 10 of 10 rows repeat rows of page 2 unchanged "
        "(first: id 'R-0010'): the source's paging is broken (offset ignored?)",
    ),
    (
        "arcgis repeats a page",
        "arcgis",
        [Fault("repeat_page", page=2)],
        f"URL{ARCGIS.format(10)}, page 2, field 'Request ID': 10 of 10 rows repeat rows of page 1 unchanged "
        "(first: id 'R-0019'): the source's paging is broken (offset ignored?)",
    ),
    (
        "open311 answer outside the window",
        "open311",
        [Fault("repeat_page", page=9)],
        f"URL{OPEN311.format('2024-03-02T00:00:00Z', '2024-03-02T18:00:00Z')}, page 7, field 'requested_datetime': "
        "row id 'R-0004' has 2024-03-01T17:51:51-06:00, outside the window asked (2024-03-02T00:00:00Z to "
        "2024-03-02T18:00:00Z): the server ignored the window",
    ),
    (
        "socrata column renamed",
        "socrata",
        [Fault("rename_column", column="Status", to="Status Name", page=2)],
        f"URL{SODA.format(10)}, page 2, field 'status_name': not a column of the dataset's metadata (renamed at "
        "the source during the fetch?)",
    ),
    (
        "socrata column removed",
        "socrata",
        [Fault("drop_column", column="Notes", page=2)],
        "URL/api/views/rvtn-0311.json, page 5, field 'Notes': column removed or renamed at the source during the "
        "fetch (it was there at the start; now: no new column)",
    ),
    (
        "ckan column renamed",
        "ckan",
        [Fault("rename_column", column="Status", to="State", page=2)],
        f"URL{CKAN.format(10)}, page 2, field 'Status': no longer in the answer (it was on page 1; it holds "
        "status); new: 'State': renamed or removed at the source",
    ),
    (
        "ckan column removed",
        "ckan",
        [Fault("drop_column", column="Notes", page=3)],
        f"URL{CKAN.format(20)}, page 3, field 'Notes': no longer in the answer (it was on page 1; it holds "
        "status_notes): renamed or removed at the source",
    ),
    (
        "arcgis field renamed",
        "arcgis",
        [Fault("rename_column", column="Status", to="State", page=2)],
        f"URL{ARCGIS.format(10)}, page 2, field 'State': not a field of the layer (renamed at the source?)",
    ),
    (
        "open311 field renamed",
        "open311",
        [Fault("rename_column", column="service_name", to="service_type", page=9)],
        f"URL{OPEN311.format('2024-03-02T00:00:00Z', '2024-03-02T18:00:00Z')}, page 7, field 'service_name': "
        "no longer in the answer (it was on page 6; it holds service_name); new: 'service_type': renamed or "
        "removed at the source",
    ),
    (
        "open311 field removed",
        "open311",
        [Fault("drop_column", column="lat", page=9)],
        f"URL{OPEN311.format('2024-03-02T00:00:00Z', '2024-03-02T18:00:00Z')}, page 7, field 'lat': no longer "
        "in the answer (it was on page 6; it holds lat): renamed or removed at the source",
    ),
    (
        "open311 field missing from the start",
        "open311",
        [Fault("rename_column", column="service_name", to="service_type")],
        f"URL{OPEN311.format('2024-03-01T06:00:00Z', '2024-03-02T00:00:00Z')}, page 6, field 'service_name': "
        "the source has no field 'service_name' (for service_name): is [columns] written for this source? "
        "It has 22 fields",
    ),
    (
        "socrata watermark moves backwards",
        "socrata",
        [Fault("move_back", column=":updated_at", seconds=30 * 86400, page=3)],
        f"URL{SODA.format(20)}, page 3, field ':updated_at': row id 'R-0025' has 2024-02-03T23:00:48.000Z, "
        "before 2024-03-04T20:00:20.000Z of the row before it (id 'R-0021') in the source's own order: the "
        "watermark moved backwards",
    ),
    (
        "ckan watermark moves backwards",
        "ckan",
        [Fault("move_back", column="Updated", seconds=30 * 86400, page=3)],
        f"URL{CKAN.format(20)}, page 3, field 'Updated': row id 'R-0025' has 2024-02-03T17:00:48, before "
        "2024-03-04T14:00:20 of the row before it (id 'R-0021') in the source's own order: the watermark moved "
        "backwards",
    ),
]


@pytest.mark.parametrize("kind, faults, message", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_fault_is_one_clear_line(kind, faults, message, tmp_path):
    result, error, _ = run(tmp_path, kind, faults)
    assert result is None
    assert error == message


def test_a_failed_fetch_keeps_its_pages_and_writes_no_result(tmp_path):
    with serving("socrata") as server:
        server.inject(Fault("repeat_page", page=3))
        with pytest.raises(SourceError):
            fetch(riverton("socrata"), tmp_path, url=server.source_url("socrata"), sleep=lambda s: None)
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == [
        "page-00001.json",
        "page-00002.json",
        "page-00003.json",
    ]
    assert not (tmp_path / "fetch.json").exists() and not (tmp_path / "rows.csv").exists()
    assert (tmp_path / "rows.jsonl.part").exists()  # half-written, named so that nobody takes it for a result


def test_a_lower_bound_the_source_ignores(tmp_path):
    """Rows older than the lower watermark asked for: the source ignored $where (or moved backwards)."""
    with serving("socrata") as server:
        server.inject(Fault("ignore_where", page=2))
        with pytest.raises(SourceError) as exc:
            # the first data request is the newest-value question; the second, page 1, ignores $where
            fetch(
                riverton("socrata"),
                tmp_path,
                since="2024-03-05T00:00:00.000Z",
                url=server.source_url("socrata"),
            )
    assert str(exc.value).replace(server.url, "URL") == (
        "URL/resource/rvtn-0311.json?$select=:*, *&$order=:updated_at ASC, :id ASC&$limit=10&$offset=0&$where="
        ":updated_at >= '2024-03-04T23:50:00.000Z' AND created >= '2024-01-01', page 1, field ':updated_at': "
        "row id 'R-0001' has 2024-03-01T16:00:00.000Z, before 2024-03-04T23:50:00.000Z asked for: the source "
        "ignored the lower bound, or its watermark moved backwards"
    )
