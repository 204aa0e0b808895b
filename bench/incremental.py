"""Target 6: republishing with one more day of data, incrementally, against a full run.

Base: ``rows`` rows published (fixed ``--as-of``). Delta (bench/delta.py): ``rows/200`` published
requests closed later (about half of them were open) plus ``rows/200`` new rows of another sample
(``scale_sample.py --seed 312`` for NYC) under new ids: 1M + 5k changed + 5k new at full size.
Each run restores the base state (release files hard-linked, database copied; not timed), then
times ``publish --incremental --input DELTA.csv``; and times a full run over base + delta into a
fresh folder. Both are timed unsampled, each after ``os.sync()`` (``measure.run_command``).
Checks: the changelog counts exactly the delta, and the incremental release holds the same rows
as the full run. Target: incremental time <= 20 % of the full run's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from . import delta, inputs
from .measure import median, run_command, summary

AS_OF = "2024-06-01T00:00:00+00:00"  # after every date scale_sample makes from the NYC extract (2023 + <= 365 days)
DEMO_AS_OF = "2026-11-15T00:00:00+00:00"  # after the demo data's end (2026-10-31)
SHARE_TARGET = 0.20


def _as_of(city: str) -> str:
    return DEMO_AS_OF if city == "demo" else AS_OF


def _restore(base: Path, run: Path) -> None:
    """A copy of the base state: release files hard-linked (a run only adds files), the database copied."""
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(base / "out"), str(run / "out")], check=True)
    (run / "out" / "portal.db").unlink()
    shutil.copy2(base / "out" / "portal.db", run / "out" / "portal.db")


def _rows_of(release: Path) -> set:
    table = pq.read_table(release / "data" / "service_requests.parquet")
    return set(zip(*(table.column(c).to_pylist() for c in table.column_names)))


def bench_incremental(work: Path, city: str, rows: int, runs: int) -> dict:
    as_of = _as_of(city)
    pkg = inputs.CITIES[city].package
    root = work / "incremental" / f"{city}-{rows}"
    base_csv = inputs.make_input(work, city, rows)
    base = root / "base"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    run_command(
        inputs.publish_command(
            city, base_csv, base / "out", inputs.sqlite_url(base / "out" / "portal.db"), "--as-of", as_of
        )
    ).check()
    k = max(rows // 200, 10)
    candidates = inputs.make_input(work, city, int(k * 1.5) + 50, seed=312)
    made = delta.make_delta(
        root / "delta.csv",
        base_csv,
        base / "out" / pkg,
        inputs.CITIES[city].profile,
        candidates,
        k,
        k,
        datetime.fromisoformat(as_of),
    )
    full_csv = delta.concatenate(base_csv, made.path, root / "base+delta.csv")
    inc_runs, full_runs = [], []
    for _ in range(runs):
        run = root / "run"
        _restore(base, run)
        # both commands timed alike and unsampled (peak RSS from the kernel), as in target 1
        inc_runs.append(
            run_command(
                inputs.publish_command(
                    city,
                    made.path,
                    run / "out",
                    inputs.sqlite_url(run / "out" / "portal.db"),
                    "--as-of",
                    as_of,
                    "--incremental",
                ),
                poll=False,
            ).check()
        )
        full = root / "full"
        shutil.rmtree(full, ignore_errors=True)
        full.mkdir(parents=True)
        full_runs.append(
            run_command(
                inputs.publish_command(
                    city, full_csv, full / "out", inputs.sqlite_url(full / "out" / "portal.db"), "--as-of", as_of
                ),
                poll=False,
            ).check()
        )
    changelog = json.loads((root / "run" / "out" / pkg / "changelog.json").read_text(encoding="utf-8"))
    got = delta.changelog_counts(changelog)
    same_rows = _rows_of(root / "run" / "out" / pkg) == _rows_of(root / "full" / "out" / pkg)
    share = median([r.seconds for r in inc_runs]) / median([r.seconds for r in full_runs])
    return {
        "target": "incremental",
        "city": city,
        "rows": rows,
        "runs": runs,
        "as_of": as_of,
        "delta": {"changed": k, "new": k, "file": str(made.path)},
        "commands": {"incremental": inc_runs[0].command, "full": full_runs[0].command},
        "incremental_seconds": summary([r.seconds for r in inc_runs]),
        "full_seconds": summary([r.seconds for r in full_runs]),
        "incremental_peak_rss_mb": summary([r.peak_rss_mb for r in inc_runs]),
        "share": round(share, 3),
        "target_share": SHARE_TARGET,
        "changelog": got,
        "expected_changelog": made.expected,
        "changelog_exact": got == made.expected,
        "same_rows_as_full_run": same_rows,
        "ok": share <= SHARE_TARGET and got == made.expected and same_rows,
    }


def incremental_rows(result: dict) -> list[dict]:
    c = result["changelog"]
    return [
        {
            "rows": result["rows"],
            "delta": f"{result['delta']['changed']:,} changed + {result['delta']['new']:,} new",
            "incremental_s": result["incremental_seconds"]["median"],
            "full_s": result["full_seconds"]["median"],
            "share": result["share"],
            "target": f"<= {SHARE_TARGET}",
            "changelog": f"+{c['added']:,} ~{c['changed']:,} -{c['removed']:,} {c['status_changes']}",
            "exact": result["changelog_exact"],
            "same_rows": result["same_rows_as_full_run"],
            "ok": result["ok"],
        }
    ]
