"""Starting and stopping real HTTP servers on loopback: our API (``python -m portal.api``) and
Datasette, for the API benchmark and for the tests that call the API over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .browser import stop
from .measure import REPO

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    """True once ``url`` gives any HTTP answer (a 503 "no release yet" counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def start(cmd: list[str], probe_path: str, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Run ``cmd`` (a server on ``port``) and wait until ``probe_path`` answers; raise with the log's
    tail when it exits or does not answer within START_TIMEOUT_S."""
    import os

    out = log.open("wb")
    proc = subprocess.Popen(
        cmd, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers(f"http://127.0.0.1:{port}{probe_path}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"server did not answer on port {port} ({' '.join(cmd)}):\n{tail}")
        time.sleep(0.2)
    return proc


def api_command(db_url: str, port: int, workers: int = 2, *extra: str) -> list[str]:
    """``python -m portal.api`` as the README documents it."""
    return [
        sys.executable, "-m", "portal.api", "--db", db_url,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), *extra,
    ]  # fmt: skip


def start_api(db_url: str, log: Path, workers: int = 2, *extra: str) -> tuple[subprocess.Popen, str]:
    """Our API over ``db_url`` on a free loopback port: ``(process, base URL)``."""
    port = free_port()
    proc = start(api_command(db_url, port, workers, *extra), "/health", port, log)
    return proc, f"http://127.0.0.1:{port}"


def start_datasette(db_path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Datasette serving the same SQLite file, immutable (read-only, no per-request file checks)."""
    port = free_port()
    datasette = str(Path(sys.executable).parent / "datasette")
    cmd = [
        datasette, "serve", "--immutable", str(db_path), "--host", "127.0.0.1", "--port", str(port),
        "--setting", "max_returned_rows", "1000", "--setting", "sql_time_limit_ms", "30000",
        "--setting", "default_cache_ttl", "0",
    ]  # fmt: skip
    proc = start(cmd, "/-/versions.json", port, log)
    return proc, f"http://127.0.0.1:{port}"


__all__ = ["free_port", "start", "start_api", "start_datasette", "stop"]
