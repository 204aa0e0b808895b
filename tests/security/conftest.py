"""Fixtures for the security tests: planted-PII releases of the three real cities, hostile Demo City
releases, and the app under AppTest.

Every release is built once per session, in-process (``etl.pipeline.publish_release``), in the
session's tmp dir. The real extracts are read where they are (``shared_data``: skips locally, fails
in CI when ../shared is absent); only modified copies are written, to tmp.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import hostile
import pii
import pytest

ROOT = Path(__file__).resolve().parents[2]
CITIES = pii.CITIES


@dataclass(frozen=True)
class CityReleases:
    """A real city published twice into one folder: its extract as is (1.0.0), then the planted copy (1.1.0)."""

    city: str
    profile: object
    raw: Path
    planted: pii.Planted
    original_dir: Path  # release 1.0.0: the real extract
    release_dir: Path  # release 1.1.0: the planted copy (current)
    db_url: str  # SQLite, holding 1.1.0

    def published_ids(self) -> set[str]:
        import csv

        with (self.release_dir / "data" / "service_requests.csv").open(newline="", encoding="utf-8") as f:
            return {r["service_request_id"] for r in csv.DictReader(f)}


@pytest.fixture(scope="session")
def _city_releases(tmp_path_factory):
    from etl.pipeline import publish_release
    from etl.profile import load_profile

    built: dict[str, CityReleases] = {}

    def get(shared: Path, city: str) -> CityReleases:
        if city not in built:
            out = tmp_path_factory.mktemp(f"planted-{city}")
            raw = shared / city / CITIES[city]
            profile = load_profile(city)
            planted = pii.plant(raw, profile, out / "input" / f"planted-{CITIES[city]}")
            db_url = f"sqlite:///{out / 'portal.db'}"
            kw = dict(out=out / "datasets", db_url=db_url, private_dir=out / "private")
            first = publish_release(city, raw, **kw)
            second = publish_release(city, planted.path, **kw)
            assert (first.version, second.version) == ("1.0.0", "1.1.0")
            built[city] = CityReleases(
                city, profile, raw, planted, Path(first.release_dir), Path(second.release_dir), db_url
            )
        return built[city]

    return get


@pytest.fixture(params=list(CITIES))
def city(request, shared_data, _city_releases) -> CityReleases:
    """Each real city, planted and published (parametrized over the three cities)."""
    return _city_releases(shared_data, request.param)


@pytest.fixture(scope="session")
def _hostile(tmp_path_factory):
    built: dict[bool, hostile.HostileRelease] = {}

    def get(markup_scrub: bool) -> hostile.HostileRelease:
        if markup_scrub not in built:
            out = tmp_path_factory.mktemp(f"hostile-{'scrubbed' if markup_scrub else 'raw'}")
            built[markup_scrub] = hostile.build_hostile_release(out, markup_scrub)
        return built[markup_scrub]

    return get


@pytest.fixture
def hostile_scrubbed(_hostile) -> hostile.HostileRelease:
    """Demo City with payload rows, published with the demo profile's own privacy settings."""
    return _hostile(True)


@pytest.fixture
def hostile_raw(_hostile) -> hostile.HostileRelease:
    """Demo City with payload rows, published without markup scrubbing: the payloads reach the dashboard as they are."""
    return _hostile(False)


@pytest.fixture(params=["scrubbed", "raw"])
def hostile_release(request, _hostile) -> hostile.HostileRelease:
    return _hostile(request.param == "scrubbed")
