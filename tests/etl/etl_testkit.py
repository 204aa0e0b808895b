"""Helpers for tests/etl: fixture paths, the real cities' files, running the CLI, reading releases.

Imported by tests/etl/conftest.py and the test modules (tests/etl is on sys.path, as for
tests/portal/sample_release.py).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "etl"
TINY = FIXTURES / "tiny"
AS_OF = "2025-01-01T00:00:00+00:00"  # fixed "now" so that no run depends on the clock
REAL_AS_OF = "2026-01-01T00:00:00+00:00"

# city profile -> (package name, folder in ../shared/data, raw file, boundary file)
CITIES = {
    "new-york-city": ("nyc-311", "new-york-city", "test_sample3.csv", "community_districts.geojson"),
    "los-angeles": ("la-311", "los-angeles", "MyLA311_Service_Request_Data_2017_Subset.csv", "nc-boundary-2019.json"),
    "chicago": ("chicago-311", "chicago", "chicago_311_data.csv", "community_areas.geojson"),
}


def read_text_csv(path: Path) -> pd.DataFrame:
    """A CSV exactly as text ('' for empty cells), as frictionless reads it."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


def db_scalar(db_url: str, sql: str):
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def publish_cmd(
    profile: str,
    input_path: Path,
    out: Path,
    db_url: str,
    boundaries: Path | None = None,
    as_of: str = AS_OF,
    private_dir: Path | None = None,
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "etl",
        "publish",
        "--profile",
        str(profile),
        "--input",
        str(input_path),
        "--out",
        str(out),
        "--db",
        db_url,
        "--as-of",
        as_of,
    ]
    if boundaries:
        cmd += ["--boundaries", str(boundaries)]
    if private_dir:
        cmd += ["--private-dir", str(private_dir)]
    return cmd


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)


@dataclass
class CityRun:
    """One real city published by the real CLI (run 1), with lazily made repeat runs."""

    city: str
    package: str
    raw_path: Path
    boundaries: Path
    base: Path
    first: subprocess.CompletedProcess
    _repeat: dict = field(default_factory=dict)

    @property
    def out(self) -> Path:
        return self.base / "out"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.base / 'portal.db'}"

    @property
    def release(self) -> Path:
        return self.out / self.package

    def command(self, out: Path, db_url: str) -> list[str]:
        return publish_cmd(
            self.city, self.raw_path, out, db_url, self.boundaries, REAL_AS_OF, self.base / f"private-{out.name}"
        )

    def profile(self):
        from etl.profile import load_profile

        return load_profile(self.city)

    def profile_id_column(self) -> str:
        return self.profile().columns["service_request_id"]

    @property
    def report(self) -> dict:
        return json.loads((self.release / "report.json").read_text(encoding="utf-8"))

    @property
    def datapackage(self) -> dict:
        return json.loads((self.release / "datapackage.json").read_text(encoding="utf-8"))

    def published(self) -> pd.DataFrame:
        if "published" not in self._repeat:
            self._repeat["published"] = read_text_csv(self.release / "data" / "service_requests.csv")
        return self._repeat["published"]

    def raw(self) -> pd.DataFrame:
        if "raw" not in self._repeat:
            self._repeat["raw"] = read_text_csv(self.raw_path)
        return self._repeat["raw"]

    def repeat(self) -> dict:
        """Snapshot after run 1, then run 2 into the same OUT and database, then run 3 into a fresh OUT and database."""
        if not self._repeat.get("done"):
            before = snapshot(self.out, self.package, self.db_url)
            second = run(self.command(self.out, self.db_url))
            after = snapshot(self.out, self.package, self.db_url)
            fresh_out, fresh_db = self.base / "fresh", f"sqlite:///{self.base / 'fresh.db'}"
            third = run(self.command(fresh_out, fresh_db))
            fresh = snapshot(fresh_out, self.package, fresh_db)
            self._repeat.update(done=True, before=before, second=second, after=after, third=third, fresh=fresh)
        return self._repeat


def file_hashes(release: Path) -> dict[str, str]:
    root = release.resolve()
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def snapshot(out: Path, package: str, db_url: str) -> dict:
    release = out / package
    dp = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    return {
        "target": release.resolve(),
        "version": dp["version"],
        "resource_hashes": {r["name"]: r["hash"] for r in dp["resources"]},
        "files": file_hashes(release),
        "db_rows": db_scalar(db_url, "select count(*) from service_requests"),
        "db_ids": db_scalar(db_url, "select count(distinct service_request_id) from service_requests"),
        "db_version": db_scalar(db_url, "select version from releases where is_current"),
        "db_releases": db_scalar(db_url, "select count(*) from releases"),
    }


class CityReleases:
    def __init__(self, base: Path):
        self.base = base
        self.runs: dict[str, CityRun] = {}

    def get(self, city: str, shared_data: Path) -> CityRun:
        if city not in self.runs:
            package, folder, raw, bounds = CITIES[city]
            base = self.base / city
            base.mkdir(parents=True)
            raw_path, bounds_path = shared_data / folder / raw, shared_data / folder / bounds
            first = run(
                publish_cmd(
                    city,
                    raw_path,
                    base / "out",
                    f"sqlite:///{base / 'portal.db'}",
                    bounds_path,
                    REAL_AS_OF,
                    base / "private-out",
                )
            )
            self.runs[city] = CityRun(city, package, raw_path, bounds_path, base, first)
        return self.runs[city]
