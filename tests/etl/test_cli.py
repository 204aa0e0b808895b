"""etl/cli.py: a database argument that is not a URL stops the command at once, in one line that
gives the corrected form, before anything else is printed (exit 2). What a failed or interrupted
run leaves behind: tests/etl/test_reliability.py."""

from __future__ import annotations

import subprocess
import sys

import pytest
from etl_testkit import REPO, TINY


@pytest.mark.parametrize(
    "db, line",
    [
        (
            "datasets/portal.db",
            "error: --db 'datasets/portal.db' is not a database URL; for a SQLite file write "
            "--db sqlite:///datasets/portal.db",
        ),
        (
            "/srv/portal/portal.db",
            "error: --db '/srv/portal/portal.db' is not a database URL; for a SQLite file write "
            "--db sqlite:////srv/portal/portal.db",
        ),
        (
            "mysqlx://h/portal",
            "error: --db 'mysqlx://h/portal' is not a usable database URL (Can't load plugin: sqlalchemy.dialects:mysqlx)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["publish", "load"])
def test_a_db_argument_that_is_not_a_url_gets_one_line_with_the_corrected_form(run_cli, tmp_path, command, db, line):
    args = ["--profile", str(TINY / "profile.toml"), "--input", str(TINY / "requests.csv"), "--out", str(tmp_path)]
    if command == "load":
        args = ["--release", str(tmp_path)]
    assert run_cli(command, *args, "--db", db) == (2, "", line + "\n")
    assert list(tmp_path.iterdir()) == []  # nothing was read, staged or created


def test_python_dash_m_etl_prints_only_that_line(tmp_path):
    cmd = [sys.executable, "-m", "etl", "publish", "--profile", "demo", "--input", "x.csv", "--db", "portal.db"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "error: --db 'portal.db' is not a database URL; for a SQLite file write --db sqlite:///portal.db\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_relative_sqlite_url_is_a_file_in_the_working_directory(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(
        "publish",
        "--profile",
        TINY / "profile.toml",
        "--input",
        TINY / "requests.csv",
        "--out",
        "out",
        "--db",
        "sqlite:///db/portal.db",
        "--as-of",
        "2025-01-01T00:00:00+00:00",
    )
    assert code == 0, err
    assert (tmp_path / "db" / "portal.db").is_file() and not (REPO / "db").exists()
    assert "database: sqlite:///db/portal.db" in out
