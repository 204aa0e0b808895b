"""A replayed dataset: typed columns and API names from the extract, and the changes between syncs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from etl.profile import load_profile
from replay import Dataset
from replay.changes import ChangeError, drop_column, move_back, rename_column
from replay.dataset import field_name

RIVERTON = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "riverton"
CHICAGO = ZoneInfo("America/Chicago")
AT = datetime(2024, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 AM in Riverton


@pytest.fixture
def ds() -> Dataset:
    return Dataset.from_file(RIVERTON / "requests.csv", load_profile(str(RIVERTON / "profile.toml")))


@pytest.mark.parametrize(
    "name, field",
    [
        ("Unique Key", "unique_key"),
        ("X Coordinate (State Plane)", "x_coordinate_state_plane"),
        ("Resolution Action Updated Date", "resolution_action_updated_date"),
        ("sr_number", "sr_number"),
        ("ZIP", "zip"),
    ],
)
def test_field_name(name, field):
    assert field_name(name) == field


def test_columns_typed_from_the_profile(ds):
    kinds = {c.name: (c.field, c.kind) for c in ds.columns}
    assert kinds == {
        "Request ID": ("request_id", "text"),
        "Created": ("created", "datetime"),
        "Updated": ("updated", "datetime"),
        "Closed": ("closed", "datetime"),
        "Status": ("status", "text"),
        "Type": ("type", "text"),
        "Agency": ("agency", "text"),
        "Notes": ("notes", "text"),
        "Address": ("address", "text"),
        "ZIP": ("zip", "integer"),
        "Latitude": ("latitude", "number"),
        "Longitude": ("longitude", "number"),
        "Location": ("location", "location"),
        "Channel": ("channel", "text"),
        "Ward": ("ward", "integer"),
    }
    assert (len(ds), ds.dataset_id) == (40, "rvtn-0311")


def test_system_fields(ds):
    first = ds.system.iloc[0]
    # R-0001 was updated 03/01/2024 10:00:00 AM in Chicago: 16:00 UTC
    assert first[":updated_at"] == datetime(2024, 3, 1, 16, 0, tzinfo=UTC)
    assert first[":created_at"] == datetime(2024, 3, 1, 14, 0, tzinfo=UTC)
    assert first[":id"].startswith("row-") and ds.system[":id"].nunique() == 40
    # R-0019 has no update date: its :updated_at is its creation, 03/03/2024 07:06:06 PM in Chicago
    assert ds.row(18)["Updated"] == ""
    r19 = ds.system.iloc[18]
    assert r19[":updated_at"] == r19[":created_at"] == datetime(2024, 3, 4, 1, 6, 6, tzinfo=UTC)


def test_apply_changes(ds):
    version = ds.apply(
        [
            {"op": "close", "id": "R-0003", "status": "Closed"},
            {"op": "status", "id": "R-0004", "status": "Assigned"},
            {"op": "reopen", "id": "R-0001", "status": "Open"},
            {"op": "new", "row": {"Request ID": "R-0041", "Created": "03/10/2024 09:30:00 AM", "Status": "Open"}},
        ],
        AT,
    )
    assert version == 1
    row = {rid: ds.row(i) for rid, i in ds.by_id.items()}
    assert (row["R-0003"]["Status"], row["R-0003"]["Closed"], row["R-0003"]["Updated"]) == (
        "Closed",
        "03/10/2024 10:00:00 AM",
        "03/10/2024 10:00:00 AM",
    )
    assert (row["R-0004"]["Status"], row["R-0004"]["Closed"]) == ("Assigned", "")
    assert (row["R-0001"]["Status"], row["R-0001"]["Closed"]) == ("Open", "")
    assert row["R-0041"]["Type"] == "" and row["R-0041"]["Updated"] == "03/10/2024 10:00:00 AM"
    assert ds.system[":updated_at"][ds.by_id["R-0041"]] == AT
    assert ds.system[":updated_at"][ds.by_id["R-0002"]] == datetime(2024, 3, 1, 18, 30, 37, tzinfo=CHICAGO)  # untouched
    assert ds.history == {
        "R-0003": [(AT, "Open", "Closed")],
        "R-0004": [(AT, "In Progress", "Assigned")],
        "R-0001": [(AT, "Closed", "Open")],
        "R-0041": [(AT, "", "Open")],
    }


@pytest.mark.parametrize(
    "change, message",
    [
        ({"op": "explode", "id": "R-0001"}, "unknown op 'explode'; known: new, status, close, reopen"),
        ({"op": "close", "id": "R-9999"}, "no request with id 'R-9999'"),
        ({"op": "new", "row": {"Request ID": "R-0001"}}, "a new request needs a new id in 'Request ID', not 'R-0001'"),
    ],
)
def test_apply_refuses(ds, change, message):
    with pytest.raises(ChangeError) as exc:
        ds.apply([change], AT)
    assert str(exc.value) == message


def test_schema_changes(ds):
    rename_column(ds, "Status", "Status Name")
    assert ds.column("Status Name").field == "status_name" and ds.column("Status") is None
    assert ds.row(0)["Status Name"] == "Closed" and "Status" not in ds.row(0)
    drop_column(ds, "Notes")
    assert ds.column("Notes") is None and "Notes" not in ds.row(0)
    move_back(ds, ":updated_at", 86400)
    assert ds.system[":updated_at"][0] == datetime(2024, 2, 29, 16, 0, tzinfo=UTC)
    move_back(ds, "Created", 3600)
    assert ds.row(0)["Created"] == "03/01/2024 07:00:00 AM"
    assert ds.version == 4
