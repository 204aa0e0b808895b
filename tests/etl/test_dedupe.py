"""Duplicate ids: the latest update wins; on a tie, or without update times, the later row wins."""

from __future__ import annotations

import pytest
from etl_testkit import FIXTURES, TINY

from etl.dedupe import find_superseded
from etl.profile import load_profile
from etl.sources import read_header

DEDUPE = FIXTURES / "dedupe" / "requests.csv"


@pytest.fixture(scope="module")
def profile():
    return load_profile(str(TINY / "profile.toml"))


def test_find_superseded(profile):
    # rows (1-based): D-1 rows 1-3 (row 2 has the latest update), D-2 rows 4-5 (tie), D-3 rows 6-7
    # (row 7 has no update), D-4 rows 8-9 (neither has one), D-5 row 10 (unique), ' D-6'/'D-6' rows 11-12
    # (the same id once stripped), blank ids rows 13-14 (not duplicates: quarantined as missing_id).
    assert find_superseded(DEDUPE, profile, read_header(DEDUPE, "csv", "utf-8")) == {1, 3, 4, 7, 8, 11}


def test_find_superseded_without_an_update_column(profile):
    no_update = type(profile)(**{**profile.__dict__, "columns": {**profile.columns, "updated_datetime": ""}})
    # every id's last row in the file wins
    assert find_superseded(DEDUPE, no_update, read_header(DEDUPE, "csv", "utf-8")) == {1, 2, 4, 6, 8, 11}


def test_find_superseded_no_duplicates(profile):
    path = TINY / "requests.csv"
    assert find_superseded(path, profile, read_header(path, "csv", "utf-8")) == {8}


def test_publish_keeps_the_winner(tmp_path):
    from datetime import datetime

    from etl_testkit import AS_OF, read_text_csv

    from etl.pipeline import publish_release

    result = publish_release(
        str(TINY / "profile.toml"),
        DEDUPE,
        out=tmp_path / "out",
        db_url=f"sqlite:///{tmp_path / 'x.db'}",
        as_of=datetime.fromisoformat(AS_OF),
        private_dir=tmp_path / "private",
    )
    published = read_text_csv(result.release_dir / "data" / "service_requests.csv").set_index("service_request_id")
    assert published["status_notes"].to_dict() == {
        "D-1": "row 2: latest update wins",
        "D-2": "row 5: tie, later row wins",
        "D-3": "row 6: dated (ISO) wins over blank",
        "D-4": "row 9: both blank, later row wins",
        "D-5": "row 10: unique",
        "D-6": "row 12: later row wins",
    }
    assert result.report["quarantine_reasons"] == {"duplicate_id_superseded": 6, "missing_id": 2}
    assert (result.report["rows_read"], result.report["rows_published"]) == (14, 6)
