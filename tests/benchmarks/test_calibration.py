"""``python -m bench calibration`` and its parts: the rebuilt history, the noise simulation, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import history, noise
from core.insight import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.shared
def test_spread_extract_moves_each_request_once_by_whole_days(shared_data, tmp_path):
    extract = history.EXTRACTS["la"]
    raw = history.read_extract(extract)
    spread = pd.read_csv(
        history.spread_extract(extract, tmp_path / "la.csv", 30, seed=4), dtype=str, keep_default_na=False
    )
    assert list(spread.columns) == list(raw.columns)
    assert spread["SRNumber"].tolist() == raw["SRNumber"].tolist()  # each request once, in order
    parse = {
        c: (history._parse(raw[c], extract.date_format), history._parse(spread[c], extract.date_format))
        for c in extract.date_cols
    }
    created_before, created_after = parse["CreatedDate"]
    shift = (created_after - created_before) / pd.Timedelta(days=1)
    assert set(np.unique(shift)) <= set(range(30)) and shift.nunique() == 30
    for col, (before, after) in parse.items():  # every date of a request moves by its shift
        moved = after - before
        assert ((moved == shift * pd.Timedelta(days=1)) | before.isna()).all(), col
    assert spread.drop(columns=list(extract.date_cols)).equals(raw.drop(columns=list(extract.date_cols)))


def test_noise_simulation_tests_every_busy_cell_in_every_window():
    cells = noise.Cells(
        hoods=np.array(["A", "A", "B", "B", "C"]),
        codes=np.array(["x", "y", "x", "y", "x"]),
        rates=np.array([5.0, 8.0, 3.0, 12.0, 6.0]),
        zone="America/Chicago",
    )
    found = noise.simulate_noise(cells, 30, seed=1, settings=Settings())
    # every cell has >= 10 requests in window + baseline: 5 cells x 2 windows, 2 types x 2 windows
    assert found["cells"]["tests_per_simulation"] == 10.0
    assert found["surges"]["tests_per_simulation"] == 4.0
    assert found["cells"]["simulations"] == found["surges"]["simulations"] == 30
    for table in found.values():
        assert table["share_with_a_flag"] == table["simulations_with_a_flag"] / 30
        assert table["ok"] == (table["share_with_a_flag"] <= 0.05)


@pytest.mark.shared
@pytest.mark.slow
def test_calibration_command_completes_and_writes_json(shared_data, tmp_path):
    cmd = [sys.executable, "-m", "bench", "calibration", "--city", "la", "--seeds", "2", "--simulations", "5"]
    cmd += ["--work", str(tmp_path)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "results" / "calibration-la.json").read_text(encoding="utf-8"))
    assert (result["city"], result["seeds"], result["days"], result["holdout_weeks"]) == ("la", 2, 120, 4)
    runs, pooled = result["runs"], result["pooled"]
    assert [r["seed"] for r in runs] == [1, 2]
    for key in ("open_at_cutoff", "estimated", "p90_checkable", "p90_contained", "p50_checkable", "p50_contained"):
        assert pooled[key] == sum(r[key] for r in runs)
    assert pooled["p90_coverage"] == round(pooled["p90_contained"] / pooled["p90_checkable"], 4)
    assert all(r["p90_contained"] <= r["p90_checkable"] <= r["estimated"] <= r["open_at_cutoff"] for r in runs)
    assert result["noise"]["cells"]["simulations"] == 5
    assert all(r["cells_rising"] == 0 for r in runs)  # a rebuilt history has no real change
    assert "Completion windows, last 4 weeks held out (la, 2 histories of 120 days)" in done.stdout


def test_other_targets_refuse_la_and_chicago():
    done = subprocess.run(
        [sys.executable, "-m", "bench", "queries", "--city", "la"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "bench: --city la is only for calibration; use nyc or demo"
