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
