"""``python -m bench`` end to end at a tiny size: each target completes and writes its JSON.

Real runs of the exact commands BENCHMARKS.md gives (with --rows 2000 --runs 1 and a tmp work
folder); the NYC input comes from ../shared, so without it they skip locally and fail in CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("bench")


@pytest.mark.parametrize(
    "target, keys",
    [
        ("etl", {"etl_seconds", "frictionless_seconds", "ratio", "commands"}),
        ("validate", {"fixtures", "ours_agree", "frictionless_agree", "ours_seconds", "frictionless_seconds"}),
        ("queries", {"pages", "lookups", "table"}),
    ],
)
def test_bench_target_completes_and_writes_json(target, keys, work, shared_data):
    cmd = [sys.executable, "-m", "bench", target, "--rows", "2000", "--runs", "1", "--work", str(work)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((work / "results" / f"{target}.json").read_text(encoding="utf-8"))
    assert keys <= set(result)
    assert result["machine"]["logical_cores"] >= 1 and result["machine"]["packages"]["pandas"]
    assert result["argv"][3:] == [target, "--rows", "2000", "--runs", "1", "--work", str(work)]
    assert str(work / "results" / f"{target}.json") in done.stdout
    if target == "validate":  # the seeded errors, planted through a 2,000-row release: both find exactly them
        assert result["ours_agree"] and result["frictionless_agree"] and result["planted_errors"] > 0
        assert all(r["ours_agree"] and r["frictionless_agree"] for r in result["fixtures"])


def test_bench_api_completes_with_every_server_and_address(work, shared_data):
    """``python -m bench api`` at a tiny size: our API (cache on and off) and Datasette each answer
    both addresses under wrk with no error, and the table judges every target."""
    import shutil

    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: bash scripts/setup.sh --test installs it")
    cmd = [
        sys.executable,
        "-m",
        "bench",
        "api",
        "--rows",
        "2000",
        "--seconds",
        "1",
        "--connections",
        "4",
        "--work",
        str(work),
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((work / "results" / "api.json").read_text(encoding="utf-8"))
    runs = {(r["server"], r["address"]): r for r in result["runs"]}
    assert set(runs) == {(s, a) for s in ("api", "api-nocache", "datasette") for a in ("lookup", "page")}
    for (server, address), run in runs.items():
        assert run["requests"] > 0 and run["errors"] == 0, (server, address)
        assert run["records"] == 1 if address == "lookup" else 1 <= run["records"] <= 1000
    assert runs[("api", "page")]["records"] == runs[("datasette", "page")]["records"]  # the same rows asked for
    assert result["lookup_ids"] == runs[("api", "lookup")]["paths"] == runs[("datasette", "lookup")]["paths"]
    assert [row["target"] for row in result["table"] if row["server"] == "api"] == ["p95 <= 20 ms", "p95 <= 250 ms"]
    assert "API under load: wrk, 4 connections, 1 s per address" in done.stdout
