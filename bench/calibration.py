"""``python -m bench calibration``: do the insight tables keep their promises on real cities?

1. **"9 in 10 by DATE"** (``core.insight.completion_estimates``). The city's history is published
   by the real ETL (``--city nyc|la|chicago``: the extract rebuilt as ``--days`` days of history
   by ``bench.history``, each request once; ``--city demo``: the demo generator). The last
   ``--holdout-weeks`` weeks are held out: at the cutoff the data is taken as it stood then
   (``as_known_at``), every request open at the cutoff gets its estimate, and the estimate is
   checked against what really happened. A window is *checkable* when its date falls on or before
   the history's last request (later dates cannot be checked); the share of checkable 9-in-10
   windows that contained the closure should lie within 5 points of 90% (and the half windows
   near 50%). Repeated over ``--seeds`` histories and pooled.
2. **False "rising" flags on pure noise** (``bench.noise``): ``--simulations`` simulated months of
   the city's own cells at steady rates; the share of simulations with any flag must not exceed
   the declared false discovery rate. Also reported: the flags on each rebuilt history (which has
   no real change by construction).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from core.insight import SETTINGS, as_known_at, citywide_surges, completion_estimates, rising_cells
from core.insight.frames import days_before

from . import history, noise
from .measure import PYTHON, run_command

DEMO_AS_OF = "2026-11-01T00:00:00+00:00"
REAL_AS_OF = "2100-01-01T00:00:00+00:00"  # later than every close date: the ETL keeps them all
TARGET, TOLERANCE = 0.90, 0.05


def publish_history(work: Path, city: str, days: int, seed: int) -> Path:
    """Publish one history of ``city`` (the release folder), reusing it when already there."""
    base = work / "calibration" / f"{city}-{days}d-seed{seed}"
    out = base / "out"
    done = list(out.glob("*/datapackage.json")) if out.is_dir() else []
    if done:
        return done[0].parent.resolve()
    if city == "demo":
        raw_dir = base / "raw"
        subprocess.run([PYTHON, "-m", "etl", "demo-data", "--out", str(raw_dir), "--seed", str(seed)], check=True)
        raw, profile, as_of = raw_dir / "requests.csv", "demo", DEMO_AS_OF
    else:
        extract = history.EXTRACTS[city]
        raw = history.spread_extract(extract, base / "raw" / extract.path.name, days, seed)
        profile, as_of = extract.profile, REAL_AS_OF
    db = f"sqlite:///{base / 'portal.db'}"
    cmd = [PYTHON, "-m", "etl", "publish", "--profile", profile, "--input", str(raw), "--out", str(out), "--db", db]
    run_command([*cmd, "--as-of", as_of]).check()
    return next(out.glob("*/datapackage.json")).parent.resolve()


def _targets(release: Path) -> dict[str, float]:
    types = pd.read_csv(release / "data" / "service_types.csv", dtype={"service_code": str})
    return {c: t for c, t in zip(types["service_code"], types["target_days"]) if t == t}


def completion_check(full: pd.DataFrame, targets: dict, holdout_weeks: int) -> dict:
    """Counts of the held-out check on one history (see the module's docstring)."""
    end = full["requested_datetime"].max()
    cutoff = days_before(end, 7 * holdout_weeks)
    found = completion_estimates(as_known_at(full, cutoff), targets, cutoff)
    closed = found["service_request_id"].map(full.set_index("service_request_id")["closed_datetime"])
    out = {"cutoff": str(cutoff), "end": str(end), "open_at_cutoff": len(found)}
    out["estimated"] = int((found["basis"] != "none").sum())
    for share, column in (("p90", "estimate_p90_datetime"), ("p50", "estimate_p50_datetime")):
        checkable = found[column].notna() & (found[column] <= end)
        out[f"{share}_dated"] = int(found[column].notna().sum())
        out[f"{share}_checkable"] = int(checkable.sum())
        out[f"{share}_contained"] = int((checkable & closed.notna() & (closed <= found[column])).sum())
    return out


def rising_check(full: pd.DataFrame) -> dict:
    """Tests and flags of both rising tables at the end of a history with no real change."""
    end = full["requested_datetime"].max()
    cells, surges = rising_cells(full, end), citywide_surges(full, end)
    return {
        "cells_tested": len(cells),
        "cells_rising": int(cells["rising"].sum()),
        "types_tested": len(surges),
        "types_surging": int(surges["surge"].sum()),
    }


def _share(contained: int, checkable: int) -> float | None:
    return round(contained / checkable, 4) if checkable else None


def bench_calibration(work: Path, city: str, seeds: int, days: int, holdout_weeks: int, simulations: int) -> dict:
    runs = []
    for seed in range(1, seeds + 1):
        release = publish_history(work, city, days, seed)
        full = pd.read_parquet(release / "data" / "service_requests.parquet")
        runs.append({"seed": seed, **completion_check(full, _targets(release), holdout_weeks), **rising_check(full)})
    pooled = {k: sum(r[k] for r in runs) for k in runs[0] if k.startswith(("p90_", "p50_", "open", "estimated"))}
    coverage90 = _share(pooled["p90_contained"], pooled["p90_checkable"])
    frame = pd.read_parquet(publish_history(work, city, days, 1) / "data" / "service_requests.parquet")
    intake = 120.0 if city == "demo" else history.intake_days(history.EXTRACTS[city])
    noise_found = noise.simulate_noise(noise.cell_rates(frame, intake), simulations, 311, SETTINGS)
    coverage50 = _share(pooled["p50_contained"], pooled["p50_checkable"])
    ok90 = coverage90 is not None and abs(coverage90 - TARGET) <= TOLERANCE
    return {
        "target": "calibration",
        "city": city,
        "seeds": seeds,
        "days": days,
        "holdout_weeks": holdout_weeks,
        "runs": runs,
        "pooled": {
            **pooled,
            "p90_coverage": coverage90,
            "p50_coverage": coverage50,
        },
        "intake_days": intake,
        "noise": noise_found,
        "ok": ok90 and all(v["ok"] for v in noise_found.values()),
    }


def coverage_rows(r: dict) -> list[dict]:
    rows = [{"history": f"seed {x['seed']}", **_coverage(x), "met (85-95%)": None} for x in r["runs"]]
    return [*rows, {"history": "pooled (the figure)", **_coverage(r["pooled"])}]


def _coverage(x: dict) -> dict:
    p90 = _share(x["p90_contained"], x["p90_checkable"])
    return {
        "open at cutoff": x["open_at_cutoff"],
        "estimated": x["estimated"],
        "9-in-10 checkable": x["p90_checkable"],
        "closed within": p90,
        "half checkable": x["p50_checkable"],
        "closed within half": _share(x["p50_contained"], x["p50_checkable"]),
        "met (85-95%)": p90 is not None and abs(p90 - TARGET) <= TOLERANCE,
    }


def noise_rows(r: dict) -> list[dict]:
    names = {"cells": "rising_cells (7 + 28 days)", "surges": "citywide_surges (1 + 7 days)"}
    return [
        {
            "table": names[k],
            "simulations": v["simulations"],
            "tests each": round(v["tests_per_simulation"], 1),
            "flags each": round(v["flags_per_simulation"], 4),
            "with any flag": v["share_with_a_flag"],
            "target": f"<= {v['declared_fdr']}",
            "met": v["ok"],
        }
        for k, v in r["noise"].items()
    ]


def history_rows(r: dict) -> list[dict]:
    keys = ("cells_tested", "cells_rising", "types_tested", "types_surging")
    return [{"history": f"seed {x['seed']}", **{k.replace("_", " "): x[k] for k in keys}} for x in r["runs"]]
