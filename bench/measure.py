"""Timing and memory of commands and calls, medians, result files and the printed table."""

from __future__ import annotations

import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
FRICTIONLESS = str(Path(sys.executable).parent / "frictionless")


@dataclass
class Run:
    """One command: wall time and peak memory (the kernel's ru_maxrss, and the polled process tree)."""

    command: str
    seconds: float
    peak_rss_mb: float  # largest resident set of the process or any child it waited for (wait4)
    tree_peak_mb: (
        float  # largest sum of RSS over the process tree, polled every 50 ms (shared pages counted per process)
    )
    tree_peak_pss_mb: float  # largest sum of PSS over the tree: forked workers' shared pages counted once
    returncode: int
    stdout_tail: str
    stderr_tail: str

    def check(self) -> Run:
        if self.returncode != 0:
            raise RuntimeError(
                f"command failed ({self.returncode}): {self.command}\n{self.stderr_tail}\n{self.stdout_tail}"
            )
        return self


def _poll_tree(pid: int, peak: list, stop: threading.Event) -> None:
    """Largest sums over the process tree of RSS (peak[0]) and of PSS (peak[1]: shared pages counted once)."""
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            infos = [p.memory_full_info() for p in procs]
            peak[0] = max(peak[0], sum(i.rss for i in infos))
            peak[1] = max(peak[1], sum(getattr(i, "pss", i.rss) for i in infos))
        except psutil.Error:
            pass
        stop.wait(0.05)


def run_command(
    cmd: list[str], cwd: Path = REPO, env: dict | None = None, timeout: float | None = None, poll: bool = True
) -> Run:
    """Run ``cmd`` to completion, timing it and measuring its peak memory.

    ``poll=False``: no sampling of the process tree (its figures are 0), only the kernel's peak RSS.
    For timings: reading every process's smaps 20 times a second costs the ETL 4 to 5 s at 1M rows.

    Before the clock starts, ``os.sync()`` writes out what earlier steps left in the page cache
    (a copied database, the previous run's release): otherwise the kernel writes it back during
    the timed command, and which command pays for it depends on the order of the steps.
    """
    os.sync()
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "wb") as out, open(f"{out_path}.err", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        peak, stop = [0, 0], threading.Event()
        poller = threading.Thread(target=_poll_tree, args=(proc.pid, peak, stop), daemon=True)
        if poll:
            poller.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        stop.set()
        if poll:
            poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    tails = []
    for suffix in (".out", ".err"):
        path = Path(f"{out_path}{suffix}")
        tails.append(path.read_text(encoding="utf-8", errors="replace")[-2000:])
        path.unlink()
    return Run(
        shlex.join(cmd),
        round(seconds, 3),
        round(usage.ru_maxrss / 1024, 1),
        round(peak[0] / 2**20, 1),
        round(peak[1] / 2**20, 1),
        proc.returncode,
        *tails,
    )


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - t0, value


def median(values) -> float:
    return round(statistics.median(values), 4)


def summary(values: list[float]) -> dict:
    """Median (the reported figure), min, max and every run."""
    return {
        "median": median(values),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "runs": [round(v, 4) for v in values],
    }


def write_result(work: Path, name: str, payload: dict) -> Path:
    path = work / "results" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def print_table(title: str, rows: list[dict], stream=sys.stdout) -> None:
    """A plain text table: a title line, then one line per row (column headers from the first row)."""
    stream.write(f"\n{title}\n")
    if not rows:
        stream.write("  (nothing)\n")
        return
    cols = list(rows[0])
    cells = [[_fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    stream.write("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths)) + "\n")
    stream.write("  " + "  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        stream.write("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths)) + "\n")
    stream.flush()


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)
