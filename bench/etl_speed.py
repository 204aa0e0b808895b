"""Target 1: the whole ETL against ``frictionless validate`` of the release it publishes, side by side.

Each run publishes the input into a fresh folder with the issue's command, then validates only that
release's ``service_requests`` CSV with the frictionless CLI (from the release folder: frictionless
refuses absolute paths). Target: ETL time / frictionless time <= 0.5.

Target 3 (memory) is here too: the same ETL command at ``rows`` and at ``5 * rows``; the peak memory
of the ETL's process tree must grow by at most 25 % and stay under 2.5 GB.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from . import inputs
from .measure import FRICTIONLESS, median, run_command, summary

RATIO_TARGET = 0.5
MEMORY_GROWTH_TARGET = 1.25
MEMORY_CEILING_MB = 2.5 * 1024


def step_times(stdout: str) -> dict[str, float]:
    """The CLI's ``timing: duplicates 1.0 s, transform+write 9.5 s, ...`` line as a dict (empty if absent)."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith("timing:")), "")
    found = re.findall(r"([\w+]+) ([0-9.]+) s", line)
    return {name: float(sec) for name, sec in found}


def publish_once(work: Path, city: str, source: Path, tag: str, poll: bool = True):
    """Publish ``source`` into a fresh ``work/etl/<tag>/O`` with the issue's command; (Run, out folder).
    ``poll``: sample the process tree's memory (target 3); timings (target 1) run without it."""
    out = work / "etl" / tag / "O"
    shutil.rmtree(out.parent, ignore_errors=True)
    out.mkdir(parents=True)
    run = run_command(
        inputs.publish_command(city, source, out, inputs.sqlite_url(out / "portal.db")), poll=poll
    ).check()
    return run, out


def frictionless_once(release: Path):
    cmd = [FRICTIONLESS, "validate", "datapackage.json", "--resource-name", "service_requests"]
    run = run_command(cmd, cwd=release, poll=False)
    if run.returncode != 0:  # frictionless exits 1 on an invalid table: that is a finding, not a crash
        raise RuntimeError(
            f"frictionless found the release invalid or failed ({run.returncode}):\n{run.stdout_tail[-1500:]}"
        )
    return run


def bench_etl(work: Path, city: str, rows: int, runs: int) -> dict:
    source = inputs.make_input(work, city, rows)
    package = inputs.CITIES[city].package
    etl_runs, fl_runs, steps = [], [], []
    for _ in range(runs):
        etl, out = publish_once(work, city, source, "run", poll=False)  # both commands timed alike, unsampled
        report = json.loads((out / package / "report.json").read_text(encoding="utf-8"))
        steps.append(step_times(etl.stdout_tail) or report.get("timing_seconds", {}))
        fl_runs.append(frictionless_once(out / package))
        etl_runs.append(etl)
    etl_t, fl_t = [r.seconds for r in etl_runs], [r.seconds for r in fl_runs]
    ratio = median(etl_t) / median(fl_t)
    return {
        "target": "etl",
        "city": city,
        "rows": rows,
        "runs": runs,
        "input": str(source),
        "rows_published": report["rows_published"],
        "rows_quarantined": report["rows_quarantined"],
        "commands": {
            "etl": etl_runs[0].command.replace(str(out), "O"),
            "frictionless": f"cd O/{package} && {fl_runs[0].command}",
        },
        "etl_seconds": summary(etl_t),
        "frictionless_seconds": summary(fl_t),
        "ratio": round(ratio, 3),
        "per_run_ratio": [round(a / b, 3) for a, b in zip(etl_t, fl_t)],
        "target_ratio": RATIO_TARGET,
        "ok": ratio <= RATIO_TARGET,
        "etl_peak_rss_mb": summary(
            [r.peak_rss_mb for r in etl_runs]
        ),  # largest process (wait4); the tree's memory is target 3's
        "etl_steps_seconds": {k: median([s.get(k, 0) for s in steps]) for k in steps[-1]},  # from the CLI's timing line
    }


def etl_rows(result: dict) -> list[dict]:
    return [
        {
            "rows": result["rows"],
            "etl_s": result["etl_seconds"]["median"],
            "frictionless_s": result["frictionless_seconds"]["median"],
            "ratio": result["ratio"],
            "target": f"<= {RATIO_TARGET}",
            "ok": result["ok"],
            "etl_peak_mb": result["etl_peak_rss_mb"]["median"],
            "etl_steps_s": ", ".join(f"{k} {v:.1f}" for k, v in result["etl_steps_seconds"].items()),
        }
    ]


def bench_memory(work: Path, city: str, rows: int, runs: int, factor: int = 5) -> dict:
    """Judged on the process tree's PSS (the ETL forks chunk workers: their shared pages count once)."""
    sizes = {}
    for n in (rows, factor * rows):
        source = inputs.make_input(work, city, n)
        measured = [publish_once(work, city, source, f"memory-{n}")[0] for _ in range(runs)]
        sizes[n] = {
            "seconds": summary([r.seconds for r in measured]),
            "tree_peak_pss_mb": summary([r.tree_peak_pss_mb for r in measured]),
            "tree_peak_rss_mb": summary([r.tree_peak_mb for r in measured]),
            "largest_process_rss_mb": summary([r.peak_rss_mb for r in measured]),
            "command": measured[0].command,
        }
    small, large = (sizes[n]["tree_peak_pss_mb"]["median"] for n in (rows, factor * rows))
    growth = large / small
    return {
        "target": "memory",
        "city": city,
        "rows": [rows, factor * rows],
        "runs": runs,
        "sizes": sizes,
        "judged_on": "tree_peak_pss_mb",
        "growth": round(growth, 3),
        "target_growth": MEMORY_GROWTH_TARGET,
        "ceiling_mb": MEMORY_CEILING_MB,
        "ok": growth <= MEMORY_GROWTH_TARGET and large <= MEMORY_CEILING_MB,
    }


def memory_rows(result: dict) -> list[dict]:
    out = []
    for n, s in result["sizes"].items():
        out.append(
            {
                "rows": int(n),
                "etl_s": s["seconds"]["median"],
                "tree_pss_mb": s["tree_peak_pss_mb"]["median"],
                "tree_rss_mb": s["tree_peak_rss_mb"]["median"],
                "largest_process_mb": s["largest_process_rss_mb"]["median"],
            }
        )
    out.append(
        {
            "rows": "growth",
            "etl_s": None,
            "tree_pss_mb": f"x{result['growth']} (<= x{MEMORY_GROWTH_TARGET}, <= {MEMORY_CEILING_MB:.0f} MB)",
            "tree_rss_mb": "ok" if result["ok"] else "NOT MET",
            "largest_process_mb": None,
        }
    )
    return out
