"""Target 8 (BENCHMARKS.md): the API under load, and Datasette answering the same questions from the same SQLite file.

For each server, wrk (Debian's) runs ``--connections`` (32) connections on 2 threads for
``--seconds`` (30) against each address, on loopback, after a warm-up:

* **lookup**: one request by id, a different id each time (up to 100,000 ids spread over the
  table, shuffled): ``/open311/v2/requests/<id>.json``; Datasette: ``/portal/service_requests/<id>.json``.
* **page**: requests.json's default query, the 90 days up to data_through, newest first, a page of
  1,000: ``/open311/v2/requests.json``; Datasette: the table's JSON with the same filter, order and
  size (``_shape=array``, no count, facets or suggestions).

Our API runs as ``python -m portal.api`` (2 workers) twice: as deployed (its answer cache on) and
with ``--cache-mb 0`` (every answer built from the database). Datasette runs with ``--immutable``
(its fastest mode for a read-only file). Throughput is wrk's requests per second; latencies its
p50/p95/p99; the ratio is our throughput over Datasette's for the same address.
Targets: lookup p95 <= 20 ms, page p95 <= 250 ms, ratio >= 1.0.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

from portal import db

from . import apiserver, inputs
from .measure import REPO

LUA = REPO / "bench" / "wrk_paths.lua"
LOOKUP_IDS = 100_000
TARGET_P95_MS = {"lookup": 20.0, "page": 250.0}
TARGET_RATIO = 1.0


def sample_ids(db_path: Path, n: int = LOOKUP_IDS, seed: int = 311) -> list[str]:
    """Up to ``n`` request ids spread evenly over the table, shuffled (the same ones every run)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        total = conn.execute("SELECT count(*) FROM service_requests").fetchone()[0]
        step = max(1, total // n)
        ids = [
            r[0] for r in conn.execute("SELECT service_request_id FROM service_requests WHERE rowid % ? = 0", (step,))
        ]
    random.Random(seed).shuffle(ids)
    return ids[:n]


def datasette_page_path(db_url: str) -> str:
    """Datasette's table JSON for Open311's default query: the 90 days up to data_through."""
    engine = db.make_engine(db_url)
    release = db.load_release(engine, db.current_version(engine))
    engine.dispose()
    since = (release.as_of - timedelta(days=90)).strftime("%Y-%m-%d %H:%M:%S")
    params = {
        "_shape": "array",
        "_size": "1000",
        "_sort_desc": "requested_datetime",
        "requested_datetime__gte": since,
        "_nocount": "1",
        "_nofacet": "1",
        "_nosuggest": "1",
    }
    return "/portal/service_requests.json?" + urlencode(params)


def paths(server: str, ids: list[str], db_url: str) -> dict[str, list[str]]:
    if server == "datasette":
        return {
            "lookup": [f"/portal/service_requests/{quote(i, safe='')}.json?_shape=objects" for i in ids],
            "page": [datasette_page_path(db_url)],
        }
    return {
        "lookup": [f"/open311/v2/requests/{quote(i, safe='')}.json" for i in ids],
        "page": ["/open311/v2/requests.json"],
    }


def check(base: str, address: str, path: str) -> int:
    """Fetch ``path`` once (also a warm-up) and return the records it holds; raise unless 200."""
    resp = httpx.get(base + path, timeout=120)
    if resp.status_code != 200:
        raise RuntimeError(f"{base}{path}: HTTP {resp.status_code} {resp.text[:300]}")
    doc = resp.json()
    rows = doc.get("rows", [doc]) if isinstance(doc, dict) else doc
    return len(rows)


def run_wrk(base: str, path_file: Path, seconds: int, connections: int) -> dict:
    cmd = [
        shutil.which("wrk") or "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA), base,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env={"WRK_PATHS": str(path_file)}, timeout=seconds + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]} {done.stdout[-2000:]}")
    result = json.loads(line.removeprefix("WRK_RESULT "))
    seconds_run = result["duration_us"] / 1e6
    errors = sum(v for k, v in result.items() if k.startswith("errors_"))
    return {
        "requests": result["requests"],
        "errors": errors,
        "rps": round(result["requests"] / seconds_run, 1),
        "p50_ms": result["p50_us"] / 1000,
        "p95_ms": result["p95_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "mb_per_s": round(result["bytes"] / seconds_run / 2**20, 2),
        "command": " ".join(cmd),
        "wrk_output": done.stdout[-3000:],
    }


def _server(kind: str, release, logs: Path):
    if kind == "datasette":
        return apiserver.start_datasette(release.db_path, logs / "datasette.log")
    extra = ("--cache-mb", "0") if kind == "api-nocache" else ()
    return apiserver.start_api(release.db_url, logs / f"{kind}.log", 2, *extra)


def bench_api(work: Path, city: str, rows: int, seconds: int, connections: int) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk not found; install it with bash scripts/setup.sh --test (Debian package wrk)")
    release = inputs.ensure_release(work, city, rows)
    ids = sample_ids(release.db_path)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    runs = []
    for kind in ("api", "api-nocache", "datasette"):
        proc, base = _server(kind, release, logs)
        try:
            for address, listed in paths(kind, ids, release.db_url).items():
                path_file = work / f"wrk-{kind}-{address}.txt"
                path_file.write_text("\n".join(listed) + "\n", encoding="utf-8")
                records = check(base, address, listed[0])
                runs.append({"server": kind, "address": address, "first_path": listed[0], "records": records,
                             "paths": len(listed), **run_wrk(base, path_file, seconds, connections)})  # fmt: skip
        finally:
            apiserver.stop(proc)
    return {"target": "api", "city": city, "rows": rows, "seconds": seconds, "connections": connections,
            "lookup_ids": len(ids), "runs": runs, **judge(runs)}  # fmt: skip


def judge(runs: list[dict]) -> dict:
    """The table (one row per server and address, then the ratios) and whether the targets are met."""
    by = {(r["server"], r["address"]): r for r in runs}
    table = []
    for r in runs:
        target = TARGET_P95_MS[r["address"]] if r["server"] != "datasette" else None
        met = (r["p95_ms"] <= target and r["errors"] == 0) if target else None
        table.append({
            "server": r["server"], "address": r["address"], "req/s": r["rps"], "p50 ms": r["p50_ms"],
            "p95 ms": r["p95_ms"], "p99 ms": r["p99_ms"], "errors": r["errors"],
            "target": f"p95 <= {target:g} ms" if target else "", "ok": met,
        })  # fmt: skip
    for server in ("api", "api-nocache"):
        for address in TARGET_P95_MS:
            ratio = by[(server, address)]["rps"] / max(by[("datasette", address)]["rps"], 1e-9)
            table.append({"server": f"{server} / datasette", "address": address, "req/s": round(ratio, 2),
                          "target": f"ratio >= {TARGET_RATIO:g}", "ok": ratio >= TARGET_RATIO})  # fmt: skip
    deployed = [row for row in table if row["server"] in ("api", "api / datasette")]
    return {"table": table, "ok": all(row["ok"] for row in deployed)}
