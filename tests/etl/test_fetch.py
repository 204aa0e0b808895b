"""etl.sources.fetch against a real loopback source (replay/) serving Riverton: every kind, paging,
the files a fetch writes, incremental fetches after the source changed, tokens, and the proof that a
source only changes how raw rows arrive (the fetched rows publish exactly as the export does).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from etl_testkit import AS_OF, read_text_csv
from sources_testkit import KINDS, NOW, RIVERTON, RIVERTON_CSV, RIVERTON_IDS, profile_file, riverton, serving

from etl.errors import InputError
from etl.sources.base import SourceError
from etl.sources.fetch import fetch
from replay import Options

AT = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)  # a change at the source, after every row of the export
CHANGES = [
    {"op": "close", "id": "R-0003", "status": "Closed"},
    {"op": "status", "id": "R-0004", "status": "Assigned"},
    {"op": "reopen", "id": "R-0001", "status": "Open"},
    {
        "op": "new",
        "row": {"Request ID": "R-0041", "Created": "03/08/2024 05:45:00 AM", "Status": "Open", "Type": "Pothole"},
    },
]


def fetch_all(kind: str, folder, **kw):
    profile = kw.pop("profile", None) or riverton(kind)
    with serving(kind, kw.pop("options", None)) as server:
        return fetch(profile, folder, url=server.source_url(kind), now=NOW, **kw), server


# --- a full fetch of every kind ---------------------------------------------------------------------

# kind -> (rows per page, requests, rows file, new watermark: R-0040's update 03/07/2024 09:30:03 AM in Chicago)
BACKFILL = {
    # metadata, five pages of $limit 10 (the fifth is empty), metadata again
    "socrata": ([10, 10, 10, 10, 0], 7, "rows.csv", "2024-03-07T15:30:03.000Z"),
    # eight 3-day windows from 2024-02-15; windows holding page_size (8) or more are split in two
    "open311": ([0, 0, 0, 0, 0, 4, 5, 6, 5, 5, 6, 5, 4, 0], 20, "rows.jsonl", "2024-03-06T16:03:03-06:00"),
    "ckan": ([10, 10, 10, 10, 0], 5, "rows.csv", "2024-03-07T09:30:03"),
    # the layer's description, then pages until exceededTransferLimit stops
    "arcgis": ([10, 10, 10, 10], 5, "rows.csv", "2024-03-07T15:30:03Z"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_backfill(kind, tmp_path):
    result, server = fetch_all(kind, tmp_path)
    page_rows, requests, rows_file, watermark = BACKFILL[kind]
    assert (result.rows, result.page_rows, result.requests, result.retries) == (40, page_rows, requests, 0)
    assert (result.rows_file, result.watermark, result.since, result.lower) == (
        tmp_path / rows_file,
        watermark,
        None,
        None,
    )
    assert [p.name for p in result.pages] == [f"page-{n:05d}.{'json'}" for n in range(1, len(page_rows) + 1)]
    assert all(p.read_bytes() for p in result.pages)  # each answer kept byte for byte
    manifest = json.loads((tmp_path / "fetch.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == 40 and manifest["rows_file"] == rows_file and manifest["watermark"] == watermark
    assert manifest["pages"] == [p.name for p in result.pages]
    assert not list(tmp_path.glob("*.part"))
    id_column = riverton(kind).columns["service_request_id"]
    if rows_file == "rows.csv":
        ids = read_text_csv(result.rows_file)[id_column].tolist()
    else:
        ids = [json.loads(line)[id_column] for line in result.rows_file.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == RIVERTON_IDS


def test_socrata_rows_are_named_and_written_as_the_export(tmp_path):
    """Column names from the metadata, a location as the export writes it, dates as the API floats them."""
    result, _ = fetch_all("socrata", tmp_path)
    rows = read_text_csv(result.rows_file).set_index("Request ID")
    assert list(rows.columns) == [
        ":id",
        ":created_at",
        ":updated_at",
        "Created",
        "Updated",
        "Closed",
        "Status",
        "Type",
        "Agency",
        "Notes",
        "Address",
        "ZIP",
        "Latitude",
        "Longitude",
        "Location",
        "Channel",
        "Ward",
    ]
    assert rows.loc["R-0001", ["Created", "Closed", "Location", ":updated_at"]].tolist() == [
        "2024-03-01T08:00:00.000",
        "2024-03-01T10:00:00.000",
        "(41.91, -87.69)",
        "2024-03-01T16:00:00.000Z",
    ]
    assert rows.loc["R-0008", ["Latitude", "Location"]].tolist() == ["", ""]  # no point: left out by the API


@pytest.mark.parametrize("kind", KINDS)
def test_fetched_rows_publish_as_the_export_does(kind, tmp_path):
    """A source only changes how raw rows arrive: the same rows are published from the API as from the
    export, with the same profile (Open311 says only open/closed, so the city's wording is not there)."""
    from etl.pipeline import publish_release

    result, _ = fetch_all(kind, tmp_path / "fetch")
    as_of = datetime.fromisoformat(AS_OF)

    def published(profile, raw, name):
        out = tmp_path / name
        publish_release(str(profile), raw, out=out, db_url=f"sqlite:///{out}.db", as_of=as_of, private_dir=out / "p")
        table = read_text_csv(next(out.glob("*/data/service_requests.csv")))
        return table.sort_values("service_request_id").reset_index(drop=True)

    export = published(RIVERTON / "profile.toml", RIVERTON_CSV, "export")
    api = published(profile_file(kind), result.rows_file, "api")
    assert len(export) == 40
    if kind == "open311":
        assert sorted(set(api["status_description"])) == ["closed", "open"]
        assert (api["status"] == export["status"]).all()
        export, api = export.drop(columns="status_description"), api.drop(columns="status_description")
    assert api.to_dict("records") == export.to_dict("records")


# --- incremental fetches ----------------------------------------------------------------------------

# kind -> (ids fetched after CHANGES, new watermark)
INCREMENTAL = {
    # the three changed requests and the new one; R-0040 is inside the 10-minute overlap of the old watermark
    "socrata": (["R-0001", "R-0003", "R-0004", "R-0040", "R-0041"], "2024-03-08T12:00:00.000Z"),
    "ckan": (["R-0001", "R-0003", "R-0004", "R-0040", "R-0041"], "2024-03-08T06:00:00"),
    "arcgis": (["R-0001", "R-0003", "R-0004", "R-0040", "R-0041"], "2024-03-08T12:00:00Z"),
    # standard Open311 windows select by request date: only the new request (and R-0040, in the overlap)
    "open311": (["R-0040", "R-0041"], "2024-03-08T05:45:00-06:00"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_incremental_after_changes(kind, tmp_path):
    profile = riverton(kind)
    with serving(kind) as server:
        first = fetch(profile, tmp_path / "1", url=server.source_url(kind), now=NOW)
        server.apply(CHANGES, AT)
        second = fetch(profile, tmp_path / "2", since=first.watermark, url=server.source_url(kind), now=AT)
        third = fetch(profile, tmp_path / "3", since=second.watermark, url=server.source_url(kind), now=AT)
    ids, watermark = INCREMENTAL[kind]
    id_column = profile.columns["service_request_id"]
    if second.rows_file.suffix == ".csv":
        rows = read_text_csv(second.rows_file)
    else:
        rows = [json.loads(line) for line in second.rows_file.read_text(encoding="utf-8").splitlines()]
        rows = {id_column: [r[id_column] for r in rows]}
    assert sorted(rows[id_column]) == ids
    assert (second.since, second.watermark) == (first.watermark, watermark)
    assert second.lower < first.watermark  # the overlap
    # a fetch with nothing new at the source still reads the overlap: here, the rows changed at AT
    assert (third.rows, third.watermark) == (1 if kind == "open311" else 4, watermark)


def test_incremental_rows_carry_the_new_status(tmp_path):
    profile = riverton("socrata")
    with serving("socrata") as server:
        first = fetch(profile, tmp_path / "1", url=server.source_url("socrata"))
        server.apply(CHANGES, AT)
        second = fetch(profile, tmp_path / "2", since=first.watermark, url=server.source_url("socrata"))
    rows = read_text_csv(second.rows_file).set_index("Request ID")
    assert rows.loc[["R-0001", "R-0003", "R-0004"], ["Status", "Updated", "Closed"]].values.tolist() == [
        ["Open", "2024-03-08T06:00:00.000", ""],
        ["Closed", "2024-03-08T06:00:00.000", "2024-03-08T06:00:00.000"],
        ["Assigned", "2024-03-08T06:00:00.000", ""],
    ]


def test_source_behind_the_stored_watermark(tmp_path):
    with serving("socrata") as server:
        url = server.source_url("socrata")
        with pytest.raises(SourceError) as exc:
            fetch(riverton("socrata"), tmp_path, since="2030-01-01T00:00:00.000Z", url=url)
    assert str(exc.value) == (
        f"{url}, field ':updated_at': the source's newest value is 2024-03-07T15:30:03.000Z, before the stored "
        "watermark 2030-01-01T00:00:00.000Z: the watermark moved backwards (data restored at the source, or "
        "another dataset?)"
    )


# --- what is asked -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, changes, ids",
    [
        ("socrata", {"filters": {"agency": "Police"}}, [f"R-{k:04d}" for k in range(5, 41, 5)]),
        ("ckan", {"filters": {"Agency": "Police"}}, [f"R-{k:04d}" for k in range(5, 41, 5)]),
        ("arcgis", {"filters": {"Agency": "Police"}}, [f"R-{k:04d}" for k in range(5, 41, 5)]),
        # created on or after 2024-03-06 00:00 in Riverton: R-0036 (03/06/2024 02:55:35 AM) onwards
        ("socrata", {"start": "2024-03-06"}, [f"R-{k:04d}" for k in range(36, 41)]),
        ("ckan", {"start": "2024-03-06T00:00:00"}, [f"R-{k:04d}" for k in range(36, 41)]),
        ("arcgis", {"start": "2024-03-06T00:00:00-06:00"}, [f"R-{k:04d}" for k in range(36, 41)]),
    ],
)
def test_filters_and_start(kind, changes, ids, tmp_path):
    result, _ = fetch_all(kind, tmp_path, profile=riverton(kind, **changes))
    assert sorted(read_text_csv(result.rows_file)["Request ID"]) == ids


def test_socrata_asks_in_a_stable_order_from_the_lower_watermark(tmp_path):
    with serving("socrata") as server:
        fetch(riverton("socrata"), tmp_path, since="2024-03-07T15:30:03.000Z", url=server.source_url("socrata"))
    data = [e["params"] for e in server.log if e["path"] == "/resource/rvtn-0311.json"]
    assert data == [
        {"$select": "max(:updated_at) AS newest", "$where": "created >= '2024-01-01'"},
        {
            "$select": ":*, *",
            "$order": ":updated_at ASC, :id ASC",
            "$limit": "10",
            "$offset": "0",
            "$where": ":updated_at >= '2024-03-07T15:20:03.000Z' AND created >= '2024-01-01'",
        },
    ]


def test_open311_xml_and_wrapped_json_give_the_same_rows(tmp_path):
    json_rows, _ = fetch_all("open311", tmp_path / "json")
    wrapped, _ = fetch_all("open311", tmp_path / "wrapped", options=Options(open311_wrap="service_requests"))
    xml, _ = fetch_all("open311", tmp_path / "xml", profile=riverton("open311", format="xml"))
    lines = {
        name: r.rows_file.read_text(encoding="utf-8") for name, r in (("j", json_rows), ("w", wrapped), ("x", xml))
    }
    assert lines["w"] == lines["j"]
    as_rows = {k: [json.loads(line) for line in v.splitlines()] for k, v in lines.items()}
    # XML has no null: an empty extended attribute is '' where JSON has null inside the object's JSON text
    drop = ("extended_attributes",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in as_rows["x"]] == [
        {k: v for k, v in r.items() if k not in drop} for r in as_rows["j"]
    ]
    assert [p.suffix for p in xml.pages][:1] == [".xml"]


def test_open311_splits_a_capped_window(tmp_path):
    """A server that answers at most 3 requests: windows are halved until each answer is below the cap."""
    result, server = fetch_all(
        "open311", tmp_path, options=Options(open311_cap=3), profile=riverton("open311", page_size=3)
    )
    assert result.rows == 40 and max(result.page_rows) < 3
    answered = [e for e in server.log if e["path"].endswith("requests.json")]
    assert len(answered) == result.requests > len(result.pages)


# --- credentials, progress, files -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, header, value",
    [
        ("socrata", "X-App-Token", "s3cret"),
        ("ckan", "Authorization", "s3cret"),
        ("arcgis", "X-Esri-Authorization", "Bearer s3cret"),
    ],
)
def test_token_goes_in_a_header_only(kind, header, value, tmp_path, monkeypatch):
    monkeypatch.setenv("RIVERTON_TOKEN", "s3cret")
    result, server = fetch_all(kind, tmp_path, profile=riverton(kind, app_token_env="RIVERTON_TOKEN"))
    assert result.rows == 40
    assert {e["headers"].get(header) for e in server.log} == {value}
    assert all("s3cret" not in json.dumps(e["params"]) for e in server.log)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and b"s3cret" in p.read_bytes()]


def test_token_variable_not_set(tmp_path, monkeypatch):
    monkeypatch.delenv("RIVERTON_TOKEN", raising=False)
    with pytest.raises(SourceError) as exc:
        fetch(riverton("socrata", app_token_env="RIVERTON_TOKEN"), tmp_path)
    assert str(exc.value) == (
        "https://data.riverton.example: the environment variable RIVERTON_TOKEN (source.app_token_env) is not set"
    )


@pytest.mark.parametrize("start, action", [("", "datastore_search"), ("2024-01-01", "datastore_search_sql")])
def test_progress_after_each_page(start, action, tmp_path):
    """CKAN: datastore_search when equalities say it all, datastore_search_sql for a lower bound."""
    seen = []
    progress = lambda pages, rows, url: seen.append((pages, rows, url.split("?")[0].rsplit("/", 1)[1]))  # noqa: E731
    fetch_all("ckan", tmp_path, profile=riverton("ckan", start=start), progress=progress)
    assert seen == [(1, 10, action), (2, 20, action), (3, 30, action), (4, 40, action), (5, 40, action)]


def test_rows_not_representable_in_the_profile_encoding(tmp_path):
    import dataclasses

    profile = riverton("socrata")
    profile = dataclasses.replace(profile, input={**profile.input, "encoding": "latin-1"})
    with serving("socrata") as server:
        server.apply([{"op": "status", "id": "R-0002", "status": "Closed ✓"}], AT)
        with pytest.raises(InputError) as exc:
            fetch(profile, tmp_path, url=server.source_url("socrata"))
    assert str(exc.value) == f"{tmp_path / 'rows.csv'}, row 40, field 'Status': text not representable in latin-1"


def test_file_source(tmp_path):
    profile = riverton("socrata")
    import dataclasses

    profile = dataclasses.replace(profile, source={**profile.source, "kind": "file", "path": str(RIVERTON_CSV)})
    first = fetch(profile, tmp_path)
    assert (first.rows_file, first.rows, first.pages) == (RIVERTON_CSV, None, [RIVERTON_CSV])
    assert first.watermark.startswith("sha256:") and len(first.watermark) == 71
    again = fetch(profile, tmp_path, since=first.watermark)
    assert (again.rows_file, again.rows, again.watermark) == (None, 0, first.watermark)


def test_command_line(tmp_path, capsys):
    from etl.sources.__main__ import main

    with serving("socrata") as server:
        args = [
            "--profile",
            str(RIVERTON / "profile.toml"),
            "--dest",
            str(tmp_path),
            "--url",
            server.source_url("socrata"),
        ]
        assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"source:        socrata {server.url}",
        "rows:          40",
        "pages:         5 (7 requests, 0 retries)",
        f"rows file:     {tmp_path / 'rows.csv'}",
        "watermark:     2024-03-07T15:30:03.000Z",
        "newest update: 2024-03-07T09:30:03.000",
    ]
    assert err.splitlines()[0] == "  page 1: 10 rows so far"
    # the server is gone: a failed connection, no retries in this profile, one line naming the URL
    quick = tmp_path / "quick.toml"
    quick.write_text(
        (RIVERTON / "profile.toml").read_text(encoding="utf-8").replace("[source]\n", "[source]\nretries = 0\n")
    )
    assert main(["--profile", str(quick), "--dest", str(tmp_path / "2"), "--url", server.url]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"error: {server.url}/api/views/rvtn-0311.json: connection failed (ConnectError: ")
    assert err[-1].endswith("; gave up after 0 retries")
