"""Fixtures for the core.insight tests: the demo city, published once by the real CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

DEMO_AS_OF = "2026-11-01T00:00:00+00:00"


@dataclass(frozen=True)
class Published:
    dir: Path  # the release folder (holds data/ and datapackage.json)

    def requests(self) -> pd.DataFrame:
        return pd.read_parquet(self.dir / "data" / "service_requests.parquet")

    def targets(self) -> dict[str, float]:
        types = pd.read_csv(self.dir / "data" / "service_types.csv", dtype={"service_code": str})
        return {c: t for c, t in zip(types["service_code"], types["target_days"]) if t == t}


def publish(profile: str, raw: Path, out: Path, as_of: str, *extra: str) -> Path:
    """``python -m etl publish`` into ``out`` (its own SQLite file); the release folder."""
    cmd = [sys.executable, "-m", "etl", "publish", "--profile", profile, "--input", str(raw), "--out", str(out)]
    cmd += ["--db", f"sqlite:///{out}/portal.db", "--as-of", as_of, *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(p for p in out.iterdir() if (p / "datapackage.json").exists()).resolve()


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Published:
    base = tmp_path_factory.mktemp("insight-demo")
    made = subprocess.run(
        [sys.executable, "-m", "etl", "demo-data", "--out", str(base / "raw")], capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    return Published(publish("demo", base / "raw" / "requests.csv", base / "out", DEMO_AS_OF))


# --- the real cities (../shared/data), each published once a session --------------------------

REAL_AS_OF = "2026-01-01T00:00:00+00:00"
RAW = {
    "new-york-city": ("new-york-city", "test_sample3.csv"),
    "los-angeles": ("los-angeles", "MyLA311_Service_Request_Data_2017_Subset.csv"),
}


@pytest.fixture(scope="session")
def _real_cache(tmp_path_factory) -> dict:
    return {"base": tmp_path_factory.mktemp("insight-real")}


def _real(cache: dict, key: str, build) -> Published:
    if key not in cache:
        cache[key] = Published(build(cache["base"] / key))
    return cache[key]


@pytest.fixture
def nyc(shared_data, _real_cache) -> Published:
    folder, name = RAW["new-york-city"]
    return _real(_real_cache, "nyc", lambda out: publish("new-york-city", shared_data / folder / name, out, REAL_AS_OF))


@pytest.fixture
def la(shared_data, _real_cache) -> Published:
    folder, name = RAW["los-angeles"]
    return _real(_real_cache, "la", lambda out: publish("los-angeles", shared_data / folder / name, out, REAL_AS_OF))


@pytest.fixture
def la_history(shared_data, _real_cache) -> Published:
    """Los Angeles' extract rebuilt as 120 days of history (bench.history, seed 1), published."""
    from bench import history

    def build(out: Path) -> Path:
        raw = history.spread_extract(history.EXTRACTS["la"], out.parent / "la-history.csv", 120, seed=1)
        return publish("los-angeles", raw, out, "2100-01-01T00:00:00+00:00")

    return _real(_real_cache, "la_history", build)
