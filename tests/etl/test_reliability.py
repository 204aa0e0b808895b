"""No fault loses a release: SIGKILL at many points, a full disk, a denied directory, two runs at once.

Each run is a real ``python -m etl publish`` subprocess on the demo city's data. After a kill,
the current release (symlink target and the hash of every file in it) and the database (its
current version and a digest of every request row) must be exactly what they were before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from etl.demo import write_demo_input

REPO = Path(__file__).resolve().parents[2]
NAME = "demo-city-311"

# (checkpoint, n-th time it is reached). Spread over reading, staging, publishing and the DB load.
KILL_POINTS_BEFORE_SWITCH = [
    ("read.chunk", 1),
    ("read.chunk", 3),
    ("read.chunk", 5),
    ("publish.chunk_written", 1),
    ("publish.chunk_written", 2),
    ("publish.chunk_written", 4),
    ("publish.chunk_written", 6),
    ("publish.staged", 1),
    ("load.cleared", 1),
    ("load.batch", 1),
    ("load.batch", 2),
    ("load.batch", 3),
    ("load.batch", 4),
    ("load.batch", 5),
    ("load.batch", 6),
    ("load.lookups", 1),
    ("load.before_commit", 1),
    ("publish.before_rename", 1),
    ("publish.in_releases", 1),
    ("publish.before_switch", 1),
]
# Between the symlink switch and the database COMMIT (a documented window): files are new, the
# database is old, and the next run reloads the database.
KILL_POINTS_IN_WINDOW = [("publish.after_switch", 1), ("load.switched_before_commit", 1)]


def run_publish(input_csv: Path, out: Path, db: str, env_extra: dict | None = None, drop_root_override: bool = False):
    env = {**os.environ, "PORTAL_CHUNK_BYTES": str(256 * 1024), "PORTAL_LOAD_BATCH_ROWS": "1000", **(env_extra or {})}
    cmd = [
        sys.executable,
        "-m",
        "etl",
        "publish",
        "--profile",
        "demo",
        "--input",
        str(input_csv),
        "--out",
        str(out),
        "--db",
        db,
        "--as-of",
        "2026-11-01T00:00:00",
    ]
    if drop_root_override:  # root without CAP_DAC_OVERRIDE obeys file modes like any user
        caps = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--", *cmd]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def snapshot(out: Path, db: str) -> dict:
    link = out / NAME
    target = os.readlink(link) if link.is_symlink() else None
    files = {}
    if target:
        root = link.resolve()
        files = {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }
    engine = create_engine(db)
    with engine.connect() as conn:
        version = conn.execute(text("select version from releases where is_current")).scalar()
        rows = conn.execute(
            text(
                "select service_request_id, status, days_to_close, neighborhood_code from service_requests order by service_request_id"
            )
        ).all()
    engine.dispose()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    return {"target": target, "files": files, "db_version": version, "db_rows": len(rows), "db_digest": digest}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("inputs")
    first = write_demo_input(base / "first", n_rows=6000, seed=311)
    second = write_demo_input(base / "second", n_rows=6500, seed=312)
    return first, second


@pytest.fixture()
def published(tmp_path, inputs):
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'portal.db'}"
    r = run_publish(inputs[0], out, db)
    assert r.returncode == 0, r.stderr
    return out, db


@pytest.mark.slow
def test_kill_at_many_points_leaves_release_and_database_unchanged(published, inputs):
    out, db = published
    before = snapshot(out, db)
    assert (
        before["target"] == f"releases/{NAME}/1.0.0" and before["db_version"] == "1.0.0" and before["db_rows"] == 5921
    )
    killed = []
    for point, nth in KILL_POINTS_BEFORE_SWITCH:
        r = run_publish(inputs[1], out, db, {"PORTAL_KILL_AT": f"{point}:{nth}"})
        assert r.returncode == -signal.SIGKILL, f"{point}:{nth} was not reached: rc={r.returncode} {r.stderr[-300:]}"
        assert snapshot(out, db) == before, f"state changed after a kill at {point}:{nth}"
        killed.append(f"{point}:{nth}")
    assert len(killed) == 20
    r = run_publish(inputs[1], out, db)
    assert r.returncode == 0, r.stderr
    after = snapshot(out, db)
    assert after["target"] == f"releases/{NAME}/1.1.0" and after["db_version"] == "1.1.0" and after["db_rows"] == 6404
    assert sorted(p.name for p in (out / "releases" / NAME).iterdir() if not p.name.startswith(".")) == [
        "1.0.0",
        "1.1.0",
    ]
    assert not (out / ".staging").exists()


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS_IN_WINDOW, ids=lambda p: p[0])
def test_kill_between_switch_and_commit_is_healed_by_next_run(published, inputs, point):
    out, db = published
    before = snapshot(out, db)
    r = run_publish(inputs[1], out, db, {"PORTAL_KILL_AT": f"{point[0]}:{point[1]}"})
    assert r.returncode == -signal.SIGKILL
    mid = snapshot(out, db)
    assert mid["target"] == f"releases/{NAME}/1.1.0"  # files switched ...
    assert (mid["db_version"], mid["db_digest"]) == (
        before["db_version"],
        before["db_digest"],
    )  # ... the database rolled back
    assert (out / "releases" / NAME / "1.0.0").is_dir()  # the database's release is still on disk and servable
    r = run_publish(inputs[1], out, db)
    assert r.returncode == 0, r.stderr
    assert "unchanged; current release 1.1.0" in r.stdout
    healed = snapshot(out, db)
    assert healed["db_version"] == "1.1.0" and healed["db_rows"] == 6404 and healed["files"] == mid["files"]


def test_kill_after_commit_leaves_the_new_release_complete(published, inputs):
    out, db = published
    r = run_publish(inputs[1], out, db, {"PORTAL_KILL_AT": "load.committed:1"})
    assert r.returncode == -signal.SIGKILL
    s = snapshot(out, db)
    assert s["target"] == f"releases/{NAME}/1.1.0" and s["db_version"] == "1.1.0" and s["db_rows"] == 6404


def test_two_runs_at_once_second_refuses(published, inputs):
    out, db = published
    env = {**os.environ, "PORTAL_PAUSE_AT": "publish.staged:6"}
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "etl",
            "publish",
            "--profile",
            "demo",
            "--input",
            str(inputs[1]),
            "--out",
            str(out),
            "--db",
            db,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while not (out / ".staging").exists() or not any((out / ".staging").iterdir()):
            assert time.time() < deadline and first.poll() is None, "first run did not start staging"
            time.sleep(0.1)
        time.sleep(0.5)
        second = run_publish(inputs[0], out, db)
        assert second.returncode == 2
        assert second.stderr.strip().splitlines()[-1] == (
            f"error: {out}: another publish is running on this folder (pid {first.pid}); try again when it ends"
        )
    finally:
        stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    assert snapshot(out, db)["db_version"] == "1.1.0"


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if r.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs to simulate a full disk (run as root): {r.stderr.strip()}")


def test_full_disk_gives_clear_error_and_keeps_previous_release(tmp_path, inputs):
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "6m")
    try:
        out, db = disk / "out", f"sqlite:///{tmp_path / 'portal.db'}"
        small = write_demo_input(tmp_path / "small", n_rows=1500, seed=7)
        r = run_publish(small, out, db)
        assert r.returncode == 0, r.stderr
        before = snapshot(out, db)
        filler = disk / "filler.bin"
        free = shutil.disk_usage(disk).free
        with open(filler, "wb") as f:  # leave ~2 MB: not enough for the 6,500-row release
            f.write(b"\0" * max(0, free - (2 << 20)))
        r = run_publish(inputs[1], out, db)
        assert r.returncode == 2
        last = r.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and "the previous release is unchanged" in last
        assert "No space left on device" in last or "no space left on the device" in last
        assert snapshot(out, db) == before
        filler.unlink()
        r = run_publish(inputs[1], out, db)
        assert r.returncode == 0, r.stderr
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_permission_denied_on_output_gives_clear_error(published, inputs):
    out, db = published
    before = snapshot(out, db)
    os.chmod(out, 0o555)
    try:
        r = run_publish(inputs[1], out, db, drop_root_override=True)
    finally:
        os.chmod(out, 0o755)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1] == f"error: {out}: cannot create the staging folder: Permission denied"
    assert snapshot(out, db) == before
    assert sorted(p.name for p in out.iterdir()) == [".lock", NAME, "releases"]


def test_a_database_failing_after_staging_began_leaves_no_staging_folder(published, inputs, tmp_path):
    out, db = published
    before = snapshot(out, db)
    folder = tmp_path / "a-folder"  # where the SQLite file should be: the build cannot open it
    folder.mkdir()
    r = run_publish(inputs[1], out, f"sqlite:///{folder}")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: sqlite:///{folder}: database error (OperationalError: unable to open database: {folder}); "
        "the previous release is unchanged"
    )
    assert "scan: finding duplicate ids" in r.stderr  # it failed once the run had begun staging
    assert sorted(p.name for p in out.iterdir()) == [".lock", NAME, "releases"]
    assert list(folder.iterdir()) == [] and snapshot(out, db) == before


def test_an_unreachable_postgresql_stops_the_run_before_anything_is_staged(published, inputs):
    out, db = published
    before = snapshot(out, db)
    r = run_publish(inputs[1], out, "postgresql+psycopg://portal@127.0.0.1:1/portal")
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: 127.0.0.1:1/portal: database error (OperationalError: connection failed: ")
    assert line.endswith("Connection refused); the previous release is unchanged")
    assert sorted(p.name for p in out.iterdir()) == [".lock", NAME, "releases"]
    assert snapshot(out, db) == before


def test_sigterm_interrupts_the_run_which_cleans_up(published, inputs, tmp_path):
    """A run stopped with SIGTERM (kill, a service manager) unwinds like Ctrl-C: no staging folder
    and no half-built database file stay, the release and the database are as they were."""
    out, db = published
    before = snapshot(out, db)
    env = {**os.environ, "PORTAL_PAUSE_AT": "publish.staged:60", "PORTAL_CHUNK_BYTES": str(256 * 1024)}
    cmd = [sys.executable, "-m", "etl", "publish", "--profile", "demo", "--input", str(inputs[1]), "--out", str(out)]
    run = subprocess.Popen([*cmd, "--db", db], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while not list((out / ".staging").glob("*/datapackage.json")):  # paused with everything staged
            assert time.time() < deadline and run.poll() is None, "the run did not reach publish.staged"
            time.sleep(0.1)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 130
    assert stderr.decode().strip().splitlines()[-1] == "interrupted: the previous release is unchanged"
    assert sorted(p.name for p in out.iterdir()) == [".lock", NAME, "releases"]
    assert not list(Path(db.removeprefix("sqlite:///")).parent.glob(".*.building"))
    assert snapshot(out, db) == before
