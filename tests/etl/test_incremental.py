"""Incremental refresh on the demo city: a delta on top of a release equals a full run over both.

Base: 2,000 demo rows published. Delta (bench/delta.py): 40 published requests marked closed one
day after their latest time (20 of them were open) and 30 new requests under new ids. Then:

* ``publish --incremental`` with the delta: its changelog counts exactly 30 added, 40 changed,
  0 removed, and 20 open->closed;
* a full run over base + delta (the delta's rows later in the file, so the latest update wins)
  publishes exactly the same rows, and the two databases hold the same rows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from etl_testkit import read_text_csv
from sqlalchemy import create_engine, select, text

from bench import delta
from etl import runtime
from etl.demo import write_demo_input
from etl.io import csv_lines, delta_load, parquet
from etl.io.staging import Staging
from etl.pipeline import publish_release
from etl.profile import load_profile

_real_line_ends = csv_lines.line_ends

AS_OF = datetime.fromisoformat("2026-11-15T00:00:00+00:00")  # after the demo data ends (2026-10-31)
PACKAGE = "demo-city-311"
N_CHANGED, N_NEW = 40, 30


def _publish(input_csv, out, incremental=False):
    return publish_release(
        "demo",
        input_csv,
        out=out,
        db_url=f"sqlite:///{out}/portal.db",
        as_of=AS_OF,
        private_dir=out.parent / f"private-{out.name}",
        incremental=incremental,
    )


def _db_rows(out) -> pd.DataFrame:
    engine = create_engine(f"sqlite:///{out}/portal.db")
    with engine.connect() as conn:
        rows = pd.read_sql(text("select * from service_requests order by service_request_id"), conn)
    engine.dispose()
    return rows.reset_index(drop=True)


ROW_GROUP = 300  # the releases' Parquet row groups: several, so that most are carried over as they are


def _must_not_scan(_file):
    raise AssertionError("the CSV was read to find its lines")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    base = write_demo_input(tmp / "base", n_rows=2000, seed=311)
    candidates = write_demo_input(tmp / "candidates", n_rows=200, seed=312)
    incremental = tmp / "incremental"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parquet, "ROW_GROUP", ROW_GROUP)
        first = _publish(base, incremental)
        made = delta.make_delta(
            tmp / "delta.csv", base, incremental / PACKAGE, "demo", candidates, N_CHANGED, N_NEW, AS_OF
        )
        with pytest.MonkeyPatch.context() as no_scan:  # the base CSV's line lengths come from its index
            no_scan.setattr(csv_lines, "line_ends", _must_not_scan)
            second = _publish(made.path, incremental, incremental=True)
        full = tmp / "full"
        _publish(delta.concatenate(base, made.path, tmp / "base+delta.csv"), full)
    return {"first": first, "second": second, "delta": made, "incremental": incremental, "full": full, "base_csv": base}


def test_incremental_changelog_counts_exactly_the_delta(runs):
    changelog = json.loads((runs["incremental"] / PACKAGE / "changelog.json").read_text(encoding="utf-8"))
    assert runs["delta"].expected == {
        "added": N_NEW,
        "removed": 0,
        "changed": N_CHANGED,
        "status_changes": {"open->closed": N_CHANGED // 2},
    }
    assert delta.changelog_counts(changelog) == runs["delta"].expected
    assert changelog["previous_version"] == runs["first"].version
    assert runs["second"].report["mode"] == "incremental"
    assert runs["second"].report["rows_read"] == N_CHANGED + N_NEW
    assert runs["second"].report["rows_quarantined"] == 0


def test_incremental_changes_csv_names_each_changed_and_added_id(runs):
    changes = read_text_csv(runs["incremental"] / PACKAGE / "data" / "changes.csv")
    assert sorted(changes.loc[changes["change"] == "changed", "service_request_id"]) == sorted(
        runs["delta"].changed_ids
    )
    assert sorted(changes.loc[changes["change"] == "added", "service_request_id"]) == sorted(runs["delta"].new_ids)


def test_incremental_release_equals_a_full_run_over_base_plus_delta(runs):
    inc = read_text_csv(runs["incremental"] / PACKAGE / "data" / "service_requests.csv")
    full = read_text_csv(runs["full"] / PACKAGE / "data" / "service_requests.csv")
    assert len(inc) == len(full) == runs["first"].report["rows_published"] + N_NEW
    pd.testing.assert_frame_equal(
        inc.sort_values("service_request_id", ignore_index=True),
        full.sort_values("service_request_id", ignore_index=True),
    )


def test_incremental_datapackage_hashes_and_sizes_are_the_files_on_disk(runs):
    """The CSV is hashed as soon as it is closed, before the Parquet file is finished
    (``Staging.close_csv``): the package still describes the files as they ended up."""
    release = runs["incremental"] / PACKAGE
    package = json.loads((release / "datapackage.json").read_text())
    described = {r["path"]: (r["hash"], r["bytes"]) for r in package["resources"]}
    on_disk = {
        path: ("sha256:" + hashlib.sha256((release / path).read_bytes()).hexdigest(), (release / path).stat().st_size)
        for path in described
    }
    assert described == on_disk
    assert {"data/service_requests.csv", "data/service_requests.parquet"} <= described.keys()


def test_incremental_database_equals_the_full_runs_database(runs):
    pd.testing.assert_frame_equal(_db_rows(runs["incremental"]), _db_rows(runs["full"]))


def _lines(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_incremental_csv_copies_the_carried_records_byte_for_byte(runs):
    """Carried-over records are the previous release's bytes, in order, minus the replaced ids;
    the delta's records follow, with the same bytes a full run writes for them."""
    base = _lines(runs["incremental"] / "releases" / PACKAGE / runs["first"].version / "data" / "service_requests.csv")
    inc = _lines(runs["incremental"] / PACKAGE / "data" / "service_requests.csv")
    full = _lines(runs["full"] / PACKAGE / "data" / "service_requests.csv")
    changed = {i.encode() for i in runs["delta"].changed_ids}
    carried = [line for line in base[1:] if line.split(b",", 1)[0].strip(b'"') not in changed]
    assert len(base) - 1 - len(carried) == N_CHANGED
    assert inc[0] == base[0] == full[0]
    assert inc[1 : 1 + len(carried)] == carried
    assert len(inc) == 1 + len(carried) + N_CHANGED + N_NEW
    assert sorted(inc) == sorted(full)


def test_incremental_parquet_service_types_and_index_equal_a_full_run(runs):
    key = ["service_request_id"]
    inc = pq.read_table(runs["incremental"] / PACKAGE / "data" / "service_requests.parquet").to_pandas()
    full = pq.read_table(runs["full"] / PACKAGE / "data" / "service_requests.parquet").to_pandas()
    assert len(inc) == len(full) == runs["first"].report["rows_published"] + N_NEW
    pd.testing.assert_frame_equal(inc.sort_values(key, ignore_index=True), full.sort_values(key, ignore_index=True))
    for name in ("service_types.csv", "neighborhoods.geojson"):
        assert (runs["incremental"] / PACKAGE / "data" / name).read_bytes() == (
            runs["full"] / PACKAGE / "data" / name
        ).read_bytes()
    index = {}
    for which in ("incremental", "full"):
        release = (runs[which] / PACKAGE).resolve().name
        index[which] = pq.read_table(runs[which] / "releases" / PACKAGE / ".index" / f"{release}.parquet").to_pandas()
    pd.testing.assert_frame_equal(
        index["incremental"].sort_values(key, ignore_index=True), index["full"].sort_values(key, ignore_index=True)
    )
    assert (
        runs["second"].report["data_through"]
        == json.loads((runs["full"] / PACKAGE / "report.json").read_text())["data_through"]
    )


def test_incremental_parquet_reads_back_with_the_published_types_and_honest_statistics(runs):
    """The carried-over row groups are written from dictionaries (``Staging.write_row_group``): the
    file still stores the published Arrow schema (strings, never dictionaries), each carried group
    is the base's group less its replaced rows, and every statistic is that of the rows written."""
    base_path = runs["incremental"] / "releases" / PACKAGE / runs["first"].version / "data" / "service_requests.parquet"
    inc_path = runs["incremental"] / PACKAGE / "data" / "service_requests.parquet"
    base_file, inc_file = pq.ParquetFile(base_path), pq.ParquetFile(inc_path)
    full_file = pq.ParquetFile(runs["full"] / PACKAGE / "data" / "service_requests.parquet")
    assert inc_file.metadata.metadata == full_file.metadata.metadata == base_file.metadata.metadata
    assert inc_file.schema_arrow == full_file.schema_arrow
    assert inc_file.schema.equals(full_file.schema)
    assert pq.read_table(inc_path).schema.field("status").type == pa.string()

    # row groups: the base's first six (300 rows each) less the rows the delta replaced in them;
    # then its last one (the other 178 rows) and the 70 winners, less its replaced rows
    base_ids = pq.read_table(base_path, columns=["service_request_id"])["service_request_id"].to_pylist()
    changed = set(runs["delta"].changed_ids)
    assert len(base_ids) == runs["first"].report["rows_published"] == 1978
    assert [base_file.metadata.row_group(i).num_rows for i in range(base_file.num_row_groups)] == [300] * 6 + [178]
    replaced = [sum(i in changed for i in base_ids[k * 300 : (k + 1) * 300]) for k in range(7)]
    assert sum(replaced) == N_CHANGED and min(replaced[:6]) > 0  # every carried group loses rows
    assert [inc_file.metadata.row_group(i).num_rows for i in range(inc_file.num_row_groups)] == [
        300 - r for r in replaced[:6]
    ] + [178 - replaced[6] + N_CHANGED + N_NEW]

    for i in range(inc_file.num_row_groups):
        group, meta = inc_file.read_row_group(i), inc_file.metadata.row_group(i)
        for j in range(meta.num_columns):
            name = meta.column(j).path_in_schema
            stats, column = meta.column(j).statistics, group.column(name)
            assert stats.null_count == column.null_count, (i, name)
            if column.null_count == len(column):
                continue
            low, high = pc.min_max(column).values()  # timestamps: aware datetimes, compared as instants
            assert (stats.min, stats.max) == (low.as_py(), high.as_py()), (i, name)


def test_each_release_keeps_its_csv_line_lengths_next_to_its_index(runs):
    """What the next incremental run reads instead of the CSV (``Staging.csv_line_lengths``): from
    the hash of a full run's file, and kept while an incremental run copies and adds lines."""
    for out, version in [
        (runs["incremental"], runs["first"].version),
        (runs["incremental"], runs["second"].version),
        (runs["full"], (runs["full"] / PACKAGE).resolve().name),
    ]:
        csv = out / "releases" / PACKAGE / version / "data" / "service_requests.csv"
        stored = np.load(out / "releases" / PACKAGE / ".index" / f"{version}.csv-lines.npy")
        assert stored.dtype == np.uint32
        assert stored.tolist() == [len(line) for line in _lines(csv)]


def _copy_state(src, dst):
    shutil.copytree(src, dst, symlinks=True)
    return dst


def _stored(out, sql: str) -> list[tuple]:
    engine = create_engine(f"sqlite:///{out}/portal.db")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def test_a_page_cache_too_small_for_the_delta_still_commits_or_rolls_back_whole(runs, tmp_path, monkeypatch):
    """The summaries run with a small SQLite page cache (``runtime.SQLITE_SUMMARY_CACHE_KIB``), so pages the
    delta changed may be written to the database file before the commit. With a cache of a few
    pages they are: a run that fails after the summaries still leaves the previous release, and one
    that succeeds stores what the run with the usual cache stored."""
    monkeypatch.setattr(runtime, "SQLITE_SUMMARY_CACHE_KIB", 1)  # SQLite keeps its minimum of 10 pages
    base = tmp_path / "base"
    first = _publish(runs["base_csv"], base)
    before = _db_rows(base)
    real_finish = delta_load.record_release

    def fail_after_summaries(*args, **kwargs):
        raise RuntimeError("injected: after the summaries, before the commit")

    monkeypatch.setattr(delta_load, "record_release", fail_after_summaries)
    with pytest.raises(RuntimeError, match="injected"):
        _publish(runs["delta"].path, base, incremental=True)
    pd.testing.assert_frame_equal(_db_rows(base), before)
    assert _stored(base, "select version from releases where is_current = 1") == [(first.version,)]

    monkeypatch.setattr(delta_load, "record_release", real_finish)
    _publish(runs["delta"].path, base, incremental=True)
    pd.testing.assert_frame_equal(_db_rows(base), _db_rows(runs["full"]))
    summaries = "select version, name, payload_json from summaries order by version, name"
    assert _stored(base, summaries) == _stored(runs["incremental"], summaries)


def test_delta_rows_older_than_the_current_release_are_quarantined(runs, tmp_path):
    """A delta row whose update is older than the current release's row loses to it (latest update
    wins): it is quarantined as older_than_current_release and the release keeps its row."""
    prof = load_profile("demo")
    cols = prof.columns
    raw = pd.read_csv(runs["delta"].path, dtype=str, keep_default_na=False)
    changed = raw[raw[cols["service_request_id"]].isin(runs["delta"].changed_ids)]
    stale = changed[changed[cols["updated_datetime"]] != changed[cols["requested_datetime"]]].head(5).copy()
    stale[cols["updated_datetime"]] = stale[cols["requested_datetime"]]  # older than any update the release holds
    stale[cols["status"]] = prof.statuses["open"][0]
    stale[cols["closed_datetime"]] = ""
    fresh = raw[raw[cols["service_request_id"]].isin(runs["delta"].new_ids)].head(1).copy()
    fresh[cols["service_request_id"]] = fresh[cols["service_request_id"]] + "-x"
    path = tmp_path / "stale.csv"
    pd.concat([stale, fresh]).to_csv(path, index=False)
    out = _copy_state(runs["incremental"], tmp_path / "out")
    before = (
        pq.read_table(out / PACKAGE / "data" / "service_requests.parquet").to_pandas().set_index("service_request_id")
    )
    result = _publish(path, out, incremental=True)
    assert result.report["rows_read"] == 6
    assert result.report["quarantine_reasons"] == {"older_than_current_release": 5}
    assert sorted(e["row"] for e in result.report["quarantine_examples"]["older_than_current_release"]) == [
        1,
        2,
        3,
        4,
        5,
    ]
    changelog = json.loads((out / PACKAGE / "changelog.json").read_text(encoding="utf-8"))
    assert delta.changelog_counts(changelog) == {"added": 1, "removed": 0, "changed": 0, "status_changes": {}}
    after = (
        pq.read_table(out / PACKAGE / "data" / "service_requests.parquet").to_pandas().set_index("service_request_id")
    )
    ids = list(stale[cols["service_request_id"]])
    pd.testing.assert_frame_equal(after.loc[ids], before.loc[ids])
    assert len(after) == len(before) + 1
    assert len(_db_rows(out)) == len(after)


def test_incremental_loads_a_full_release_when_the_database_does_not_hold_the_base(runs, tmp_path):
    """The database is changed by the delta only when it holds the release the delta builds on."""
    out = _copy_state(runs["incremental"], tmp_path / "out")
    (out / "portal.db").unlink()
    shutil.copy(runs["full"] / "portal.db", out / "portal.db")  # holds another package's release history
    made = runs["delta"]
    raw = pd.read_csv(made.path, dtype=str, keep_default_na=False)
    cols = load_profile("demo").columns
    extra = raw[raw[cols["service_request_id"]].isin(made.new_ids)].head(2).copy()
    extra[cols["service_request_id"]] = extra[cols["service_request_id"]] + "-y"
    extra.to_csv(tmp_path / "extra.csv", index=False)
    engine = create_engine(f"sqlite:///{out}/portal.db")
    with engine.begin() as conn:  # the database now holds something else than the current release
        conn.execute(text("update releases set is_current = 0"))
        conn.execute(text("delete from service_requests where rowid % 2 = 0"))
    engine.dispose()
    result = _publish(tmp_path / "extra.csv", out, incremental=True)
    published = pq.read_table(out / PACKAGE / "data" / "service_requests.parquet").to_pandas()
    assert len(published) == runs["second"].report["rows_in_release"] + 2 == result.report["rows_in_release"]
    assert sorted(_db_rows(out)["service_request_id"]) == sorted(published["service_request_id"])


@pytest.mark.postgres
def test_incremental_on_postgres_equals_the_full_runs_database(runs, tmp_path, pg_url):
    """The same base and delta through PostgreSQL (COPY, then the delta's DELETE + COPY): its rows
    equal the SQLite database of the full run."""
    from core.tables import metadata, service_requests

    engine = create_engine(pg_url)
    metadata.drop_all(engine)
    engine.dispose()
    out = tmp_path / "pg"
    base_csv = tmp_path / "base.csv"
    shutil.copy(runs["base_csv"], base_csv)
    publish_release("demo", base_csv, out=out, db_url=pg_url, as_of=AS_OF, private_dir=tmp_path / "private")
    second = publish_release(
        "demo",
        runs["delta"].path,
        out=out,
        db_url=pg_url,
        as_of=AS_OF,
        private_dir=tmp_path / "private",
        incremental=True,
    )
    assert second.report["mode"] == "incremental"

    def typed_rows(url):
        eng = create_engine(url)
        with eng.connect() as conn:
            got = [
                tuple(r) for r in conn.execute(select(service_requests).order_by(service_requests.c.service_request_id))
            ]
        eng.dispose()
        return got

    pg_rows, full_rows = typed_rows(pg_url), typed_rows(f"sqlite:///{runs['full']}/portal.db")
    assert len(pg_rows) == len(full_rows) == runs["second"].report["rows_in_release"]
    assert pg_rows == full_rows


def test_copy_csv_records_copies_bytes_only_when_each_record_is_one_line(tmp_path):
    import numpy as np
    import pyarrow as pa

    schema = pa.schema([("a", pa.string())])
    src = tmp_path / "one-per-line.csv"
    src.write_bytes(b'"a"\n"x"\n"y, z"\n"v"\n')
    staging = Staging(tmp_path / "out", "UTC", schema)
    assert staging.copy_csv_records(src, 3, np.array([1]))
    staging.write_text(pa.table({"a": ["w"]}))
    staging.write_typed(pa.table({"a": ["x", "v", "w"]}))
    staging.close_requests()
    assert staging.csv_path.read_bytes() == b'"a"\n"x"\n"v"\n"w"\n'

    multi = tmp_path / "multi-line.csv"
    multi.write_bytes(b'"a"\n"x\ny"\n')
    staging = Staging(tmp_path / "out2", "UTC", schema)
    assert not staging.copy_csv_records(multi, 1, np.array([], dtype=np.int64))
    staging.write_text(pa.table({"a": ["x\ny"]}))  # the caller formats the rows instead
    staging.write_typed(pa.table({"a": ["x\ny"]}))
    staging.close_requests()
    assert staging.csv_path.read_bytes() == b'"a"\n"x\ny"\n'


def test_copy_csv_records_trusts_line_lengths_only_when_they_fit_the_file(tmp_path, monkeypatch):
    schema = pa.schema([("a", pa.string())])
    src = tmp_path / "source.csv"
    src.write_bytes(b'"a"\n"x"\n"y, z"\n"v"\n')
    expected = b'"a"\n"x"\n"v"\n"w"\n'
    scans = []
    monkeypatch.setattr(csv_lines, "line_ends", lambda f: scans.append(1) or _real_line_ends(f))
    for n, (lengths, scanned) in enumerate(
        [
            (np.array([4, 4, 7, 4]), 0),  # right: the file is not read
            (np.array([4, 4, 7, 5]), 1),  # do not add up to the file
            (np.array([4, 5, 6, 4]), 1),  # add up, but a dropped line would not end at a line break
            (np.array([4, 4, 11]), 1),  # too few lines
            (None, 1),  # none
        ]
    ):
        scans.clear()
        staging = Staging(tmp_path / f"out{n}", "UTC", schema)
        assert staging.copy_csv_records(src, 3, np.array([1]), lengths)
        staging.write_text(pa.table({"a": ["w"]}))
        staging.write_typed(pa.table({"a": ["x", "v", "w"]}))
        staging.close_requests()
        assert (staging.csv_path.read_bytes(), len(scans)) == (expected, scanned), n
        assert staging.csv_line_lengths().tolist() == [4, 4, 4, 4]


def test_the_delta_load_reads_sqlite_through_a_memory_map(tmp_path):
    """Pages the summaries only read are mapped, not copied into the page cache (runtime.SQLITE_DELTA_MMAP_BYTES)."""
    with delta_load.DeltaLoad(f"sqlite:///{tmp_path / 'portal.db'}") as loading:
        pragmas = [loading.conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("mmap_size", "cache_size")]
        assert pragmas == [runtime.SQLITE_DELTA_MMAP_BYTES, -runtime.SQLITE_CACHE_KIB]
