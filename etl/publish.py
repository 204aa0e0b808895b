"""Stage -> hash -> datapackage.json -> atomic switch. Releases are immutable and kept.

Layout of the output folder (``--out``, default ``datasets``)::

    <name>                         symlink to releases/<name>/<version>: the latest release
    releases/<name>/<version>/     one release: datapackage.json, report.json, changelog.json, data/
    releases/<name>/.index/        per release: id, status and row hash of every request (for changelogs),
                                   and the byte length of each line of its CSV (for incremental runs)
    .staging/                      releases being built; never read by anyone else
    .lock                          held by the run that is publishing

A release directory is complete before it is renamed into ``releases/``, and the symlink is
replaced with one ``rename``: a reader sees the old release or the new one, never a mix. A run
that fails or is killed leaves only a staging folder behind, which the next run removes. The
staging folder itself is written by etl/io/staging.py.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from . import faults
from .errors import PublishError
from .io.csv_lines import LINES_SUFFIX
from .io.hashing import fsync_path, sha256_file
from .io.staging import Staging


@contextmanager
def publish_lock(out: Path):
    """Only one publish at a time per output folder: a second run refuses at once with a clear message."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise PublishError(out, f"cannot use the output folder: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise PublishError(
            out, f"another publish is running on this folder (pid {holder}); try again when it ends"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def describe_file(path: Path, base: Path) -> dict:
    return {
        "path": path.relative_to(base).as_posix(),
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
    }


def current_release(out: Path, name: str) -> Path | None:
    link = out / name
    if link.is_symlink() and link.resolve().is_dir():
        return link.resolve()
    return None


def next_version(out: Path, name: str) -> str:
    base = out / "releases" / name
    minors = (
        [int(p.name.split(".")[1]) for p in base.glob("1.*.0") if p.name.split(".")[1].isdigit()]
        if base.is_dir()
        else []
    )
    return f"1.{max(minors) + 1 if minors else 0}.0"


def final_release_dir(out: Path, name: str, version: str) -> Path:
    return (out / "releases" / name / version).resolve()


def move_into_releases(staging: Staging, name: str, version: str) -> Path:
    """Make the staged release complete and durable under releases/<name>/<version> (not yet current)."""
    out = staging.out
    final = final_release_dir(out, name, version)
    staging.wait_for_disk()
    try:
        for p in sorted(staging.dir.rglob("*")):  # the data files are on disk by now: this is quick
            if p.is_file():
                fsync_path(p)
        final.parent.mkdir(parents=True, exist_ok=True)
        faults.checkpoint("publish.before_rename")
        os.rename(staging.dir, final)
        fsync_path(final.parent)
        shutil.rmtree(out / ".staging", ignore_errors=True)
    except OSError as exc:
        raise PublishError(
            out,
            f"cannot write the release ({errno.errorcode.get(exc.errno, '')}: {exc.strerror}); "
            "the previous release is unchanged",
        ) from None
    faults.checkpoint("publish.in_releases")
    return final


def switch_current(out: Path, name: str, final: Path) -> None:
    """Point the ``name`` symlink at ``final`` with one atomic rename."""
    link = out / name
    if link.exists() and not link.is_symlink():
        raise PublishError(link, "exists and is not a release symlink; move it away")
    tmp_link = out / f".{name}.{uuid.uuid4().hex}.tmp"
    try:
        faults.checkpoint("publish.before_switch")
        os.symlink(os.path.relpath(final, out), tmp_link)
        os.replace(tmp_link, link)
        fsync_path(out)
    except OSError as exc:
        tmp_link.unlink(missing_ok=True)
        raise PublishError(
            out,
            f"cannot switch to the new release ({errno.errorcode.get(exc.errno, '')}: {exc.strerror}); "
            "the previous release is unchanged",
        ) from None
    faults.checkpoint("publish.after_switch")


def remove_orphans(out: Path, name: str) -> list[str]:
    """Releases left by a run killed before its switch (newer than the current one) are removed; the lock is held."""
    base = out / "releases" / name
    current = current_release(out, name)
    current_minor = int(current.name.split(".")[1]) if current else -1
    removed = []
    for p in base.glob("1.*.0") if base.is_dir() else []:
        minor = p.name.split(".")[1]
        if minor.isdigit() and int(minor) > current_minor:
            shutil.rmtree(p, ignore_errors=True)
            (base / ".index" / f"{p.name}.parquet").unlink(missing_ok=True)
            (base / ".index" / f"{p.name}{LINES_SUFFIX}").unlink(missing_ok=True)
            removed.append(p.name)
    for tmp in out.glob(f".{name}.*.tmp"):
        tmp.unlink(missing_ok=True)
    return sorted(removed)
