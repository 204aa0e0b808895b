"""Target 5: the same ETL into PostgreSQL (COPY) against SQLite, and the dashboard's queries on it.

Uses the throwaway server of ``scripts/pg.sh`` (started if needed) and a database of its own,
``portal_bench`` (dropped and recreated), so the test suite's ``portal_test`` is never touched.
Per run: the full publish into each database (fresh folders), and ``python -m etl load`` of the
published release alone (the database part). Then bench.queries on the PostgreSQL database.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from . import inputs, queries
from .measure import PYTHON, REPO, run_command, summary

BENCH_DB = "portal_bench"


def server_url() -> tuple[str, str]:
    """Start scripts/pg.sh's server (idempotent).

    Returns the URL of a fresh ``portal_bench`` database and the server version."""
    subprocess.run(["bash", "scripts/pg.sh", "start"], cwd=REPO, check=True, capture_output=True, text=True)
    url = subprocess.run(
        ["bash", "scripts/pg.sh", "url"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
        version = conn.execute(text("show server_version")).scalar()
    admin.dispose()
    return make_url(url).set(database=BENCH_DB).render_as_string(hide_password=False), version


def bench_postgres(work: Path, city: str, rows: int, runs: int) -> dict:
    pg_url, version = server_url()
    source = inputs.make_input(work, city, rows)
    root = work / "postgres"
    timings = {"publish:sqlite": [], "publish:postgresql": [], "load:sqlite": [], "load:postgresql": []}
    commands = {}
    for _ in range(runs):
        for db in ("sqlite", "postgresql"):
            out = root / db / "O"
            shutil.rmtree(out.parent, ignore_errors=True)
            out.mkdir(parents=True)
            url = inputs.sqlite_url(out / "portal.db") if db == "sqlite" else pg_url
            # timed unsampled, like targets 1 and 6 (the memory sampler slowed the ETL by seconds)
            pub = run_command(inputs.publish_command(city, source, out, url), poll=False).check()
            release = (out / inputs.CITIES[city].package).resolve()
            load = run_command(
                [PYTHON, "-m", "etl", "load", "--release", str(release), "--db", url], poll=False
            ).check()
            timings[f"publish:{db}"].append(pub.seconds)
            timings[f"load:{db}"].append(load.seconds)
            commands[f"publish:{db}"], commands[f"load:{db}"] = pub.command, load.command
    qruns = max(runs, 5)
    pages = {
        db: queries.time_pages(url, qruns)
        for db, url in (("sqlite", inputs.sqlite_url(root / "sqlite" / "O" / "portal.db")), ("postgresql", pg_url))
    }
    lookups = {
        db: queries.time_lookups(url, qruns)
        for db, url in (("sqlite", inputs.sqlite_url(root / "sqlite" / "O" / "portal.db")), ("postgresql", pg_url))
    }
    rows_out = [r for db in pages for r in queries.rows_for(pages[db], lookups[db], db)]
    return {
        "target": "postgres",
        "city": city,
        "rows": rows,
        "runs": runs,
        "server_version": version,
        "commands": commands,
        "seconds": {k: summary(v) for k, v in timings.items()},
        "queries": pages,
        "lookups": lookups,
        "query_rows": rows_out,
        "ok": all(r["ok"] in (True, None) for r in rows_out if r["db"] == "postgresql"),
    }


def postgres_rows(result: dict) -> list[dict]:
    s = result["seconds"]
    return [
        {"step": step, "sqlite_s": s[f"{step}:sqlite"]["median"], "postgresql_s": s[f"{step}:postgresql"]["median"]}
        for step in ("publish", "load")
    ]
