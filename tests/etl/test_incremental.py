"""Incremental refresh on the demo city: a delta on top of a release equals a full run over both.

Base: 2,000 demo rows published. Delta (bench/delta.py): 40 published requests marked closed one
day after their latest time (20 of them were open) and 30 new requests under new ids. Then:

* ``publish --incremental`` with the delta: its changelog counts exactly 30 added, 40 changed,
  0 removed, and 20 open->closed;
* a full run over base + delta (the delta's rows later in the file, so the latest update wins)
  publishes exactly the same rows, and the two databases hold the same rows.
"""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from bench import delta
from etl.demo import write_demo_input
from etl.pipeline import publish_release
from etl_testkit import read_text_csv

AS_OF = datetime.fromisoformat("2026-11-15T00:00:00+00:00")  # after the demo data ends (2026-10-31)
PACKAGE = "demo-city-311"
N_CHANGED, N_NEW = 40, 30


def _publish(input_csv, out, incremental=False):
    return publish_release("demo", input_csv, out=out, db_url=f"sqlite:///{out}/portal.db", as_of=AS_OF,
                           private_dir=out.parent / f"private-{out.name}", incremental=incremental)


def _db_rows(out) -> pd.DataFrame:
    engine = create_engine(f"sqlite:///{out}/portal.db")
    with engine.connect() as conn:
        rows = pd.read_sql(text("select * from service_requests order by service_request_id"), conn)
    engine.dispose()
    return rows.reset_index(drop=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    base = write_demo_input(tmp / "base", n_rows=2000, seed=311)
    candidates = write_demo_input(tmp / "candidates", n_rows=200, seed=312)
    incremental = tmp / "incremental"
    first = _publish(base, incremental)
    made = delta.make_delta(tmp / "delta.csv", base, incremental / PACKAGE, "demo", candidates, N_CHANGED, N_NEW, AS_OF)
    second = _publish(made.path, incremental, incremental=True)
    full = tmp / "full"
    _publish(delta.concatenate(base, made.path, tmp / "base+delta.csv"), full)
    return {"first": first, "second": second, "delta": made, "incremental": incremental, "full": full}


def test_incremental_changelog_counts_exactly_the_delta(runs):
    changelog = json.loads((runs["incremental"] / PACKAGE / "changelog.json").read_text(encoding="utf-8"))
    assert runs["delta"].expected == {"added": N_NEW, "removed": 0, "changed": N_CHANGED,
                                      "status_changes": {"open->closed": N_CHANGED // 2}}
    assert delta.changelog_counts(changelog) == runs["delta"].expected
    assert changelog["previous_version"] == runs["first"].version
    assert runs["second"].report["mode"] == "incremental"
    assert runs["second"].report["rows_read"] == N_CHANGED + N_NEW
    assert runs["second"].report["rows_quarantined"] == 0


def test_incremental_changes_csv_names_each_changed_and_added_id(runs):
    changes = read_text_csv(runs["incremental"] / PACKAGE / "data" / "changes.csv")
    assert sorted(changes.loc[changes["change"] == "changed", "service_request_id"]) == sorted(runs["delta"].changed_ids)
    assert sorted(changes.loc[changes["change"] == "added", "service_request_id"]) == sorted(runs["delta"].new_ids)


def test_incremental_release_equals_a_full_run_over_base_plus_delta(runs):
    inc = read_text_csv(runs["incremental"] / PACKAGE / "data" / "service_requests.csv")
    full = read_text_csv(runs["full"] / PACKAGE / "data" / "service_requests.csv")
    assert len(inc) == len(full) == runs["first"].report["rows_published"] + N_NEW
    pd.testing.assert_frame_equal(inc.sort_values("service_request_id", ignore_index=True),
                                  full.sort_values("service_request_id", ignore_index=True))


def test_incremental_database_equals_the_full_runs_database(runs):
    pd.testing.assert_frame_equal(_db_rows(runs["incremental"]), _db_rows(runs["full"]))
