"""``python -m bench TARGET [--rows N] [--runs 3] [--work build/bench] [--city nyc|demo]``: thin commands.

Each target prints a table and writes ``WORK/results/TARGET.json`` (the figures, every run, the
exact commands and the machine). See BENCHMARKS.md for what each target measures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .machine import describe, machine_info
from .measure import print_table, write_result

TARGETS = ["etl", "validate", "memory", "queries", "browser", "postgres", "incremental", "api"]


def _save(a, name: str, result: dict) -> None:
    result = {"machine": machine_info(), "argv": ["python", "-m", "bench", *sys.argv[1:]], **result}
    path = write_result(a.work, name, result)
    print(f"  -> {path}")


def run_etl(a) -> bool:
    from .etl_speed import bench_etl, etl_rows

    r = bench_etl(a.work, a.city, a.rows, a.runs)
    print_table(f"ETL vs frictionless validate ({a.city}, median of {a.runs})", etl_rows(r))
    _save(a, "etl", r)
    return r["ok"]


def run_memory(a) -> bool:
    from .etl_speed import bench_memory, memory_rows

    r = bench_memory(a.work, a.city, a.rows, a.runs)
    print_table(f"ETL peak memory, process tree ({a.city}, median of {a.runs})", memory_rows(r))
    _save(a, "memory", r)
    return r["ok"]


def run_validate(a) -> bool:
    from .validation import bench_validate, validate_rows

    r = bench_validate(a.work, a.city, a.rows, a.runs)
    print_table("Seeded files (tests/fixtures/validate): both report exactly expected.csv", r["fixtures"])
    print_table(f"At scale ({a.city}, median of {a.runs})", validate_rows(r))
    _save(a, "validate", r)
    return r["ok"]


def run_queries(a) -> bool:
    from . import inputs
    from .queries import rows_for, time_lookups, time_pages

    db_url = a.db or inputs.ensure_release(a.work, a.city, a.rows).db_url
    runs = max(a.runs, 5)
    pages, lookups = time_pages(db_url, runs), time_lookups(db_url, runs)
    rows = rows_for(pages, lookups, "sqlite")
    size = "existing database" if a.db else f"{a.city}, {a.rows:,} rows"
    print_table(f"Dashboard queries on SQLite ({size}, median of {runs})", rows)
    _save(
        a,
        "queries",
        {
            "target": "queries",
            "city": a.city,
            "rows": None if a.db else a.rows,
            "runs": runs,
            "db_url": db_url,
            "pages": pages,
            "lookups": lookups,
            "table": rows,
            "ok": all(r["ok"] in (True, None) for r in rows),
        },
    )
    return all(r["ok"] in (True, None) for r in rows)


def run_browser(a) -> bool:
    from portal import db

    from . import inputs
    from .browser import bench_browser, browser_rows
    from .queries import middle_id

    release = inputs.ensure_release(a.work, a.city, a.rows)
    engine = db.make_engine(release.db_url)
    request_id = middle_id(engine)
    engine.dispose()
    runs = max(a.runs, 5)
    r = bench_browser(release.db_url, request_id, runs, a.work / "logs" / "streamlit.log")
    rows = browser_rows(r)
    print_table(f"Browser: navigation to main content ({a.city}, {a.rows:,} rows, warm server, median of {runs})", rows)
    _save(
        a,
        "browser",
        {
            "target": "browser",
            "city": a.city,
            "rows": a.rows,
            "runs": runs,
            "pages": r,
            "table": rows,
            "ok": all(x["ok"] for x in rows),
        },
    )
    return all(x["ok"] for x in rows)


def run_postgres(a) -> bool:
    from .postgres import bench_postgres, postgres_rows

    r = bench_postgres(a.work, a.city, a.rows, a.runs)
    print_table(
        f"ETL into SQLite and PostgreSQL {r['server_version']} ({a.city}, median of {a.runs})", postgres_rows(r)
    )
    print_table("Dashboard queries, both databases", r["query_rows"])
    _save(a, "postgres", r)
    return r["ok"]


def run_incremental(a) -> bool:
    from .incremental import bench_incremental, incremental_rows

    r = bench_incremental(a.work, a.city, a.rows, a.runs)
    print_table(f"Incremental refresh ({a.city}, median of {a.runs})", incremental_rows(r))
    _save(a, "incremental", r)
    return r["ok"]


def run_api(a) -> bool:
    from .api import bench_api

    r = bench_api(a.work, a.city, a.rows, a.seconds, a.connections)
    title = f"API under load: wrk, {a.connections} connections, {a.seconds} s per address ({a.city}, {a.rows:,} rows)"
    print_table(title, r["table"])
    _save(a, "api", r)
    return r["ok"]


def run_calibration(a) -> bool:
    from .calibration import bench_calibration, coverage_rows, history_rows, noise_rows

    r = bench_calibration(a.work, a.city, a.seeds, a.days, a.holdout_weeks, a.simulations)
    where = f"{a.city}, {a.seeds} histories of {a.days} days" if a.city != "demo" else f"demo, {a.seeds} seeds"
    print_table(f"Completion windows, last {a.holdout_weeks} weeks held out ({where})", coverage_rows(r))
    print_table(f"Rising on pure noise ({a.city}'s cells at steady rates)", noise_rows(r))
    title = (
        "Rising at the end of each demo history (its volume grows 20 % over 120 days)"
        if a.city == "demo"
        else "Rising at the end of each rebuilt history (no real change by construction)"
    )
    print_table(title, history_rows(r))
    _save(a, f"calibration-{a.city}", r)
    return r["ok"]


def run_fixtures(a) -> bool:
    """Rebuild tests/fixtures/validate: valid.csv from a fresh demo release, then the seeded files."""
    from datetime import datetime

    from etl.demo import write_demo_input
    from etl.pipeline import publish_release

    from . import seeded

    with tempfile.TemporaryDirectory() as tmp:
        raw = write_demo_input(Path(tmp) / "demo", n_rows=6000, seed=311)
        res = publish_release(
            "demo",
            raw,
            out=Path(tmp) / "out",
            db_url=f"sqlite:///{tmp}/portal.db",
            as_of=datetime.fromisoformat("2026-11-01T00:00:00+00:00"),
            private_dir=Path(tmp) / "private",
        )
        rows = seeded.read_rows(res.release_dir / "data" / "service_requests.csv")[:31]
    seeded.write_rows(seeded.FIXTURES / "valid.csv", rows)
    for name in seeded.build_seeded(seeded.FIXTURES):
        print(f"  wrote {seeded.FIXTURES / name}")
    return True


RUNNERS = {
    "etl": run_etl,
    "validate": run_validate,
    "memory": run_memory,
    "queries": run_queries,
    "browser": run_browser,
    "postgres": run_postgres,
    "incremental": run_incremental,
    "api": run_api,
    "fixtures": run_fixtures,
    "calibration": run_calibration,
}
EXTRA = ["fixtures", "calibration"]  # not part of 'all'
REAL_CITIES = ["la", "chicago"]  # calibration only


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of the portal (see BENCHMARKS.md).")
    p.add_argument(
        "target",
        choices=[*TARGETS, "all", *EXTRA],
        help="what to measure; 'all' runs every speed target; 'fixtures' rebuilds tests/fixtures/validate; "
        "'calibration' checks the insight tables' promises (completion windows, false rising flags)",
    )
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated input (default 1,000,000)")
    p.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs per figure; the median is reported (default 3; queries and browser use at least 5)",
    )
    p.add_argument("--work", type=Path, default=Path("build/bench"), help="where inputs, releases and results go")
    p.add_argument(
        "--city",
        choices=["nyc", "demo", *REAL_CITIES],
        default="nyc",
        help="nyc: scale_sample.py over ../shared's NYC extract (default); demo: the demo generator; "
        "calibration: nyc, la or chicago rebuild that city's extract as a history (bench/history.py)",
    )
    p.add_argument("--seeds", type=int, default=20, help="calibration: histories to publish and pool (default 20)")
    p.add_argument(
        "--days", type=int, default=120, help="calibration: days a real city's rebuilt history spans (default 120)"
    )
    p.add_argument("--holdout-weeks", type=int, default=4, help="calibration: recent weeks held out (default 4)")
    p.add_argument(
        "--simulations", type=int, default=1000, help="calibration: simulations of pure noise (default 1000)"
    )
    p.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="queries only: time this existing database (e.g. sqlite:///nyc1m.db) instead of "
        "building a release; it is only read",
    )
    p.add_argument("--seconds", type=int, default=30, help="api only: seconds of load per address (default 30)")
    p.add_argument("--connections", type=int, default=32, help="api only: concurrent connections (default 32)")
    return p


def main(argv=None) -> int:
    a = build_parser().parse_args(argv)
    if a.runs < 1 or a.rows < 1:
        print("bench: --rows and --runs must be positive", file=sys.stderr)
        return 2
    if a.city in REAL_CITIES and a.target != "calibration":
        print(f"bench: --city {a.city} is only for calibration; use nyc or demo", file=sys.stderr)
        return 2
    a.work = a.work.resolve()
    print(f"machine: {describe(machine_info())}")
    targets = TARGETS if a.target == "all" else [a.target]
    failed = [t for t in targets if not RUNNERS[t](a)]
    if failed:
        print(f"\ntargets not met: {', '.join(failed)} (see the tables above and {a.work / 'results'})")
    return 0
