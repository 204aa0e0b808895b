"""Fixtures for the ETL tests: hand-written fixture folders, and the real cities built once a session.

- ``tiny_release``: tests/fixtures/etl/tiny (one row per data rule) published once per session.
- ``city_releases``: a session cache; ``city_releases.get(city, shared_data)`` runs the real
  ``python -m etl publish`` on a real city once and returns a ``CityRun``.
- ``city`` (each real city in turn), ``nyc``, ``la``, ``chicago``: those runs; they ask for
  ``shared_data`` first, so they skip locally and fail in CI when ../shared/data is absent.
- ``run_cli``: ``python -m etl ...`` in-process; returns (exit code, stdout, stderr).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from etl_testkit import AS_OF, CITIES, TINY, CityReleases, CityRun, read_text_csv

from etl.cli import main as cli_main


@pytest.fixture(scope="session")
def city_releases(tmp_path_factory) -> CityReleases:
    return CityReleases(tmp_path_factory.mktemp("cities"))


def _built(name: str, shared_data: Path, city_releases: CityReleases) -> CityRun:
    result = city_releases.get(name, shared_data)
    assert result.first.returncode == 0, result.first.stderr
    return result


@pytest.fixture(params=list(CITIES))
def city(request, shared_data, city_releases) -> CityRun:
    """Each real city in turn, published by the real CLI (once per session)."""
    return _built(request.param, shared_data, city_releases)


@pytest.fixture
def nyc(shared_data, city_releases) -> CityRun:
    return _built("new-york-city", shared_data, city_releases)


@pytest.fixture
def la(shared_data, city_releases) -> CityRun:
    return _built("los-angeles", shared_data, city_releases)


@pytest.fixture
def chicago(shared_data, city_releases) -> CityRun:
    return _built("chicago", shared_data, city_releases)


@dataclass
class TinyRelease:
    out: Path
    db_url: str
    private: Path
    result: object

    @property
    def dir(self) -> Path:
        return self.out / "tiny-city-311"

    @property
    def report(self) -> dict:
        return json.loads((self.dir / "report.json").read_text(encoding="utf-8"))

    def published(self) -> pd.DataFrame:
        return read_text_csv(self.dir / "data" / "service_requests.csv")


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory) -> TinyRelease:
    """tests/fixtures/etl/tiny published once (in-process) into a session folder; read-only for tests."""
    from datetime import datetime

    from etl.pipeline import publish_release

    base = tmp_path_factory.mktemp("tiny")
    db_url = f"sqlite:///{base / 'portal.db'}"
    result = publish_release(
        str(TINY / "profile.toml"),
        TINY / "requests.csv",
        out=base / "out",
        db_url=db_url,
        as_of=datetime.fromisoformat(AS_OF),
        private_dir=base / "private",
    )
    return TinyRelease(base / "out", db_url, base / "private", result)


@pytest.fixture
def run_cli(capsys):
    """``python -m etl <args>`` in-process: (exit code, stdout, stderr)."""

    def call(*args: str) -> tuple[int, str, str]:
        code = cli_main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call
