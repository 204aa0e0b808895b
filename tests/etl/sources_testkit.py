"""Helpers for the live-source tests: Riverton (tests/fixtures/replay/riverton) served by a loopback source.

Imported by tests/etl/test_fetch.py, test_source_faults.py and test_source_kinds.py (tests/etl is on
sys.path, as for etl_testkit).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

from etl_testkit import REPO

from etl.profile import load_profile
from replay import Dataset, Options, ReplayServer
from replay.profiles import with_source

RIVERTON = REPO / "tests" / "fixtures" / "replay" / "riverton"
RIVERTON_CSV = RIVERTON / "requests.csv"
RIVERTON_IDS = [f"R-{k:04d}" for k in range(1, 41)]
NOW = datetime(2024, 3, 9, tzinfo=UTC)  # "now" for fetches: the end of the last Open311 window
KINDS = ("socrata", "open311", "ckan", "arcgis")
# kind -> [source] changes that point Riverton's profile at that kind (open311 has its own profile file)
KIND_SOURCE = {
    "socrata": {},
    "open311": {},
    "ckan": {"kind": "ckan", "dataset": "rvtn-0311", "watermark": "Updated"},
    "arcgis": {"kind": "arcgis", "watermark": "Updated"},
}


def profile_file(kind: str):
    return RIVERTON / ("open311.toml" if kind == "open311" else "profile.toml")


def riverton(kind: str = "socrata", **changes):
    """Riverton's profile reading from a ``kind`` source, with other [source] keys changed."""
    return with_source(load_profile(str(profile_file(kind))), **{**KIND_SOURCE[kind], **changes})


@contextmanager
def serving(kind: str, options: Options | None = None):
    """Riverton's export served as a ``kind`` source on loopback."""
    dataset = Dataset.from_file(RIVERTON_CSV, load_profile(str(RIVERTON / "profile.toml")))
    with ReplayServer(dataset, kinds=[kind], options=options) as server:
        yield server
