"""Datetime text of the published CSV and of the SQLite database: fast Arrow casts that must give
exactly the text strftime gives (etl/cells.py)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from etl.cells import iso_local, sql_text

# every zone a profile might use, with whole-hour, half-hour and 45-minute offsets, both signs
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "UTC",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
]


def _stamps(tz: str) -> pa.ChunkedArray:
    rng = np.random.default_rng(311)
    spring, autumn = 1710054000, 1730613600  # 2024-03-10 and 2024-11-03 around 2 a.m. in New York
    seconds = np.concatenate(
        [
            rng.integers(631152000, 1_800_000_000, 5000),
            np.arange(spring - 7200, spring + 7200, 60),
            np.arange(autumn - 7200, autumn + 7200, 60),
        ]
    )
    first = pa.array(seconds[:3000], pa.timestamp("s", tz=tz))
    second = pa.concat_arrays(
        [pa.array(seconds[3000:], pa.timestamp("s", tz=tz)), pa.array([None], pa.timestamp("s", tz=tz))]
    )
    return pa.chunked_array([first, second])


@pytest.mark.parametrize("tz", ZONES)
def test_iso_local_is_strftime_with_a_colon_in_the_offset(tz):
    stamps = _stamps(tz)
    expected = pc.replace_substring_regex(
        pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%S%z"), pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2"
    )
    assert iso_local(stamps).to_pylist() == expected.to_pylist()


def test_iso_local_examples():
    stamps = pa.array([1710052200, 1710055800, 1730611800, 1730615400, None], pa.timestamp("s", tz="America/New_York"))
    assert iso_local(stamps).to_pylist() == [
        "2024-03-10T01:30:00-05:00",
        "2024-03-10T03:30:00-04:00",
        "2024-11-03T01:30:00-04:00",
        "2024-11-03T01:30:00-05:00",
        None,
    ]
    assert iso_local(pa.array([0], pa.timestamp("s", tz="America/St_Johns"))).to_pylist() == [
        "1969-12-31T20:30:00-03:30"
    ]


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kolkata"])
def test_sql_text_is_naive_utc_with_microseconds(tz):
    stamps = _stamps(tz)
    naive = stamps.cast(pa.timestamp("s", tz="UTC")).cast(pa.timestamp("s"))
    assert sql_text(stamps).to_pylist() == pc.strftime(naive, format="%Y-%m-%d %H:%M:%S.000000").to_pylist()
    assert sql_text(pa.array([1710052200], pa.timestamp("s", tz=tz))).to_pylist() == ["2024-03-10 06:30:00.000000"]
