"""etl/runtime.py: every tuning knob declared once with help text, read the same way by every
entry point, and listed in docs/tuning.md (like etl.profile.KEYS and docs/profiles.md)."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys

import pytest
from etl_testkit import REPO

from etl import runtime
from etl.runtime import Tuning, TuningError, from_environment

TUNING_MD = REPO / "docs" / "tuning.md"


def _table(heading: str) -> list[list[str]]:
    text = TUNING_MD.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    lines = [ln for ln in text[start : end if end > 0 else len(text)].splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]


def test_tuning_md_lists_every_environment_variable_with_its_default_minimum_and_help():
    rows = _table("## Environment variables")
    assert [r[0] for r in rows] == [f"`{name}`" for name in runtime.VARIABLES]
    for row, (_attr, default, smallest, help_text) in zip(rows, runtime.VARIABLES.values()):
        assert row[1] == (
            f"`{default}`" if default is not None else "one per core, at most 4, for inputs larger than two chunks"
        )
        assert row[2] == f"`{smallest}`"
        assert row[3] == help_text


def test_tuning_md_lists_every_process_setting():
    rows = _table("## Process settings")
    assert [(r[0], r[1], r[2]) for r in rows] == [(f"`{n}`", f"`{v}`", h) for n, (v, h) in runtime.PROCESS.items()]


def test_tuning_md_lists_every_sqlite_setting_with_its_value():
    rows = _table("## SQLite settings")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (f"`{name}`", f"`{getattr(runtime, name)}`", help_text) for name, help_text in runtime.SQLITE.items()
    ]


def test_every_environment_variable_the_etl_reads_is_declared():
    read = set()
    for path in (REPO / "etl").rglob("*.py"):
        read |= set(re.findall(r"environ(?:\.get)?\(?\[?\"(PORTAL_[A-Z_]+)", path.read_text(encoding="utf-8")))
    assert read - set(runtime.VARIABLES) == {"PORTAL_KILL_AT", "PORTAL_PAUSE_AT"}  # test hooks (etl/faults.py)


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, Tuning(32 << 20, None, 25_000)),
        ({"PORTAL_CHUNK_BYTES": "", "PORTAL_WORKERS": " "}, Tuning(32 << 20, None, 25_000)),
        (
            {"PORTAL_CHUNK_BYTES": "262144", "PORTAL_WORKERS": "0", "PORTAL_LOAD_BATCH_ROWS": "1_000"},
            Tuning(262_144, 0, 1_000),
        ),
        ({"PORTAL_WORKERS": "3"}, Tuning(32 << 20, 3, 25_000)),
    ],
)
def test_from_environment(environ, expected):
    assert from_environment(environ) == expected


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"PORTAL_WORKERS": "two"}, "PORTAL_WORKERS: 'two' is not a usable value: a whole number, at least 0"),
        ({"PORTAL_WORKERS": "-1"}, "PORTAL_WORKERS: '-1' is not a usable value: a whole number, at least 0"),
        (
            {"PORTAL_CHUNK_BYTES": "1000"},
            "PORTAL_CHUNK_BYTES: '1000' is not a usable value: a whole number, at least 65,536",
        ),
        (
            {"PORTAL_LOAD_BATCH_ROWS": "0"},
            "PORTAL_LOAD_BATCH_ROWS: '0' is not a usable value: a whole number, at least 1",
        ),
    ],
)
def test_from_environment_names_the_variable_it_cannot_use(environ, message):
    with pytest.raises(TuningError) as raised:
        from_environment(environ)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "tuning, size, expected",
    [
        (Tuning(chunk_bytes=1000), 2000, 1),  # two chunks or fewer: in-process
        (Tuning(chunk_bytes=1000), 2001, min(os.cpu_count() or 1, 4)),
        (Tuning(chunk_bytes=1000, workers=0), 10**9, 0),
        (Tuning(chunk_bytes=1000, workers=3), 10, 3),
    ],
)
def test_workers_for(tuning, size, expected):
    assert tuning.workers_for(size) == expected


def test_a_bad_variable_stops_the_cli_with_one_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_WORKERS", "many")
    code, out, err = run_cli("publish", "--profile", "demo", "--input", REPO / "README.md", "--out", tmp_path / "out")
    assert (code, out) == (2, "")
    assert err == "error: PORTAL_WORKERS: 'many' is not a usable value: a whole number, at least 0\n"


def test_tuned_process_for_an_incremental_run(monkeypatch):
    monkeypatch.delenv("MIMALLOC_PURGE_DELAY", raising=False)
    before = gc.get_freeze_count()
    with runtime.tuned_process(incremental=True):
        assert os.environ["MIMALLOC_PURGE_DELAY"] == "-1"
        assert gc.get_freeze_count() > before
    assert "MIMALLOC_PURGE_DELAY" not in os.environ
    assert gc.get_freeze_count() == 0


def test_tuned_process_for_a_full_run_leaves_the_allocator_variable_alone(monkeypatch):
    monkeypatch.setenv("MIMALLOC_PURGE_DELAY", "5")
    with runtime.tuned_process(incremental=False):
        assert os.environ["MIMALLOC_PURGE_DELAY"] == "5"
        assert gc.get_freeze_count() > 0
    assert os.environ["MIMALLOC_PURGE_DELAY"] == "5"


def test_python_dash_m_etl_reaches_main_before_pyarrow_loads():
    """So that the allocator variable main() sets is read when pyarrow loads (see PROCESS)."""
    code = "import sys, etl.cli; print('pyarrow' in sys.modules, 'pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]
    main = (REPO / "etl" / "__main__.py").read_text(encoding="utf-8")
    assert "environ" not in main and "argv" not in main  # the entry point only calls main()
