"""The benchmarks' inputs, generated into the work folder (never copied from ../shared/data).

* ``nyc``: ``../shared/tools/scale_sample.py`` over the New York City extract: N rows in that
  city's own layout (ids ``<Unique Key>-r<k>``, dates moved by whole days, points jittered).
* ``demo``: the project's demo generator (``etl.demo.write_demo_input``) at any size.

A generated file is reused when it already exists (its name holds the city, size and seed).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .measure import PYTHON, REPO, Run, run_command

SHARED = REPO.parent / "shared"
NYC_SOURCE = SHARED / "data" / "new-york-city" / "test_sample3.csv"
SCALE_SAMPLE = SHARED / "tools" / "scale_sample.py"
NYC_SCALE_ARGS = [
    "--id-col",
    "Unique Key",
    "--date-cols",
    "Created Date,Closed Date,Due Date,Resolution Action Updated Date",
    "--date-format",
    "%m/%d/%Y %I:%M:%S %p",
    "--lat-col",
    "Latitude",
    "--lon-col",
    "Longitude",
]


@dataclass(frozen=True)
class City:
    key: str  # nyc | demo
    profile: str  # bundled profile name
    package: str  # the package's name (folder under --out)


CITIES = {"nyc": City("nyc", "new-york-city", "nyc-311"), "demo": City("demo", "demo", "demo-city-311")}


def scale_command(out_csv: Path, rows: int, seed: int = 311) -> list[str]:
    return [
        PYTHON,
        str(SCALE_SAMPLE),
        str(NYC_SOURCE),
        str(out_csv),
        "--rows",
        str(rows),
        *NYC_SCALE_ARGS,
        "--seed",
        str(seed),
    ]


def make_input(work: Path, city: str, rows: int, seed: int = 311) -> Path:
    """The raw export for ``city`` with ``rows`` rows (generated once into ``work/inputs``)."""
    folder = work / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{city}-{rows}-seed{seed}.csv"
    if path.exists():
        return path
    tmp = path.with_suffix(".partial")
    if city == "nyc":
        if not NYC_SOURCE.exists() or not SCALE_SAMPLE.exists():
            raise SystemExit(
                f"bench: {NYC_SOURCE} or {SCALE_SAMPLE} not found (../shared beside the repo); "
                "use --city demo to benchmark on generated demo data"
            )
        run_command(scale_command(tmp, rows, seed)).check()
    elif city == "demo":
        from etl.demo import write_demo_input

        made = write_demo_input(folder / f"demo-{rows}-{seed}", n_rows=rows, seed=seed)
        shutil.move(made, tmp)
        shutil.rmtree(folder / f"demo-{rows}-{seed}", ignore_errors=True)
    else:
        raise SystemExit(f"bench: unknown city {city!r}; use one of {sorted(CITIES)}")
    tmp.rename(path)
    return path


def publish_command(city: str, input_csv: Path, out: Path, db_url: str, *extra: str) -> list[str]:
    """``python -m etl publish --profile P --input X --out O --db URL`` (the issue's command)."""
    return [
        PYTHON,
        "-m",
        "etl",
        "publish",
        "--profile",
        CITIES[city].profile,
        "--input",
        str(input_csv),
        "--out",
        str(out),
        "--db",
        db_url,
        *extra,
    ]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


@dataclass
class Release:
    """A published release and its SQLite database, kept in the work folder for the read-side benchmarks."""

    out: Path
    db_path: Path
    package: str
    publish: Run | None = None

    @property
    def db_url(self) -> str:
        return sqlite_url(self.db_path)

    @property
    def dir(self) -> Path:
        return self.out / self.package

    @property
    def report(self) -> dict:
        return json.loads((self.dir / "report.json").read_text(encoding="utf-8"))


def ensure_release(work: Path, city: str, rows: int) -> Release:
    """The release of ``rows`` rows of ``city`` with its database, published once and then reused."""
    base = work / "releases" / f"{city}-{rows}"
    release = Release(base / "out", base / "out" / "portal.db", CITIES[city].package)
    if release.db_path.exists() and (release.dir / "datapackage.json").exists() and _db_current(release.db_path):
        return release
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    source = make_input(work, city, rows)
    release.publish = run_command(publish_command(city, source, release.out, release.db_url)).check()
    return release


def _db_current(db_path: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from releases where is_current").fetchone()[0] == 1
    except sqlite3.Error:
        return False
