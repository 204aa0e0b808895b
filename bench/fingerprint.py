"""Fingerprints of what the ETL publishes: proof that a change to the code left its output alone.

``python -m bench fingerprint`` runs the real ``python -m etl publish`` on fixed inputs with a
pinned ``--as-of`` and prints, per case, the sha256 of every file it writes and of every database
table it fills; ``--write`` stores them in ``tests/fixtures/published_fingerprints.json``, which
``tests/benchmarks/test_fingerprint.py`` compares a fresh run against. A change meant to alter
the output (a new field, a fixed rule) rewrites that file in the same commit; any other change
must leave it as it is.

What is compared, byte for byte:

* every file of the release (``data/*``, ``changelog.json``), the release's index files and the
  private quarantine files;
* ``report.json`` without ``timing_seconds`` (wall-clock times);
* ``datapackage.json`` without ``created`` (the publishing time), the report resource's ``bytes``
  and ``hash`` (they cover the timings) and the ``created`` of each ``release_history`` entry;
* the SQLite database: its schema, and the rows of every table in key order (the ``releases``
  row without the columns that hold those times and the release's absolute folder).

Cases: the tiny rules fixture, a JSON city, the demo city (6,000 rows) run in one chunk and in
many chunks over two workers (which must agree), an incremental run on top of it and a full run
over base + delta, and the three real cities in ``../shared/data`` (left out when absent).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from .measure import PYTHON, REPO

EXPECTED = REPO / "tests" / "fixtures" / "published_fingerprints.json"
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = REPO / "tests" / "fixtures" / "etl"
TINY_AS_OF = "2025-01-01T00:00:00+00:00"
DEMO_AS_OF = "2026-11-15T00:00:00+00:00"  # after the demo data ends
REAL_AS_OF = "2026-01-01T00:00:00+00:00"
# profile -> (package, folder in ../shared/data, raw export, boundaries)
REAL_CITIES = {
    "new-york-city": ("nyc-311", "new-york-city", "test_sample3.csv", "community_districts.geojson"),
    "los-angeles": ("la-311", "los-angeles", "MyLA311_Service_Request_Data_2017_Subset.csv", "nc-boundary-2019.json"),
    "chicago": ("chicago-311", "chicago", "chicago_311_data.csv", "community_areas.geojson"),
}
# the columns of ``releases`` that hold the publishing time or the machine's folder
VOLATILE_RELEASE_COLUMNS = ("created", "release_dir", "datapackage_json", "report_json")
CHUNKED = {"PORTAL_CHUNK_BYTES": str(64 * 1024), "PORTAL_WORKERS": "2"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(profile: str, raw: Path, out: Path, as_of: str, *extra: str, env: dict | None = None) -> None:
    """``python -m etl publish`` into ``out`` (database ``out/portal.db``, private files ``out/private``)."""
    cmd = [PYTHON, "-m", "etl", "publish", "--profile", profile, "--input", str(raw), "--out", str(out / "datasets")]
    cmd += ["--db", f"sqlite:///{out / 'portal.db'}", "--as-of", as_of, "--private-dir", str(out / "private"), *extra]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"publish failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")


def canonical_report(data: bytes) -> bytes:
    report = json.loads(data)
    report.pop("timing_seconds", None)
    return json.dumps(report, sort_keys=True).encode()


def canonical_datapackage(data: bytes) -> bytes:
    descriptor = json.loads(data)
    descriptor.pop("created", None)
    for resource in descriptor["resources"]:
        if resource["name"] == "report":
            resource.pop("bytes", None)
            resource.pop("hash", None)
    for entry in descriptor.get("x_portal", {}).get("release_history", []):
        entry.pop("created", None)
    return json.dumps(descriptor, sort_keys=True).encode()


CANONICAL = {"report.json": canonical_report, "datapackage.json": canonical_datapackage}


def file_fingerprints(out: Path) -> dict[str, str]:
    """sha256 of every file the runs wrote under ``out`` but the database (relative paths)."""
    found = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(out).as_posix()
        if rel.startswith("portal.db") or "/.staging/" in f"/{rel}" or rel.endswith("/.lock"):
            continue
        data = path.read_bytes()
        found[rel] = sha256_bytes(CANONICAL.get(path.name, lambda b: b)(data))
    return found


def database_fingerprints(db: Path) -> dict[str, str]:
    """sha256 of the schema and of each table's rows, in key order, of a SQLite file."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        schema = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        found = {"schema": sha256_bytes(repr(schema).encode())}
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in columns if not (table == "releases" and c in VOLATILE_RELEASE_COLUMNS)]
            rows = con.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY {', '.join(keep)}").fetchall()
            found[f"table {table}"] = sha256_bytes(repr((keep, rows)).encode())
        return found
    finally:
        con.close()


def fingerprint(out: Path) -> dict[str, dict[str, str]]:
    return {"files": file_fingerprints(out), "database": database_fingerprints(out / "portal.db")}


def case_tiny(work: Path) -> dict:
    out = work / "tiny"
    publish(str(FIXTURES / "tiny" / "profile.toml"), FIXTURES / "tiny" / "requests.csv", out, TINY_AS_OF)
    return fingerprint(out)


def case_json_city(work: Path) -> dict:
    """The JSON-lines city of docs/profiles.md's onboarding example (its profile is in the docs)."""
    import re

    docs = (REPO / "docs" / "profiles.md").read_text(encoding="utf-8")
    (profile,) = [b for b in re.findall(r"```toml\n(.*?)```", docs, re.S) if 'name = "springfield-311"' in b]
    out = work / "json-city"
    out.mkdir(parents=True)
    (out / "springfield.toml").write_text(profile, encoding="utf-8")
    shutil.copy(FIXTURES / "json_city" / "springfield-wards.geojson", out)
    publish(str(out / "springfield.toml"), FIXTURES / "json_city" / "requests.jsonl", out, TINY_AS_OF)
    (out / "springfield.toml").unlink()
    (out / "springfield-wards.geojson").unlink()
    return fingerprint(out)


def demo_cases(work: Path) -> dict[str, dict]:
    """The demo city: one chunk, many chunks over two workers, an incremental run, a second full run."""
    from etl.demo import write_demo_input

    from . import delta

    base = write_demo_input(work / "inputs" / "demo", n_rows=6000, seed=311)
    candidates = write_demo_input(work / "inputs" / "candidates", n_rows=200, seed=312)
    cases = {}
    publish("demo", base, work / "demo", DEMO_AS_OF)
    cases["demo"] = fingerprint(work / "demo")
    publish("demo", base, work / "demo-chunked", DEMO_AS_OF, env=CHUNKED)
    cases["demo-chunked"] = fingerprint(work / "demo-chunked")
    as_of = datetime.fromisoformat(DEMO_AS_OF)
    release = work / "demo" / "datasets" / "demo-city-311"
    made = delta.make_delta(work / "inputs" / "delta.csv", base, release, "demo", candidates, 40, 30, as_of)
    publish("demo", made.path, work / "demo", DEMO_AS_OF, "--incremental")
    cases["demo+incremental"] = fingerprint(work / "demo")
    both = delta.concatenate(base, made.path, work / "inputs" / "base+delta.csv")
    publish("demo", both, work / "demo-chunked", DEMO_AS_OF, env=CHUNKED)
    cases["demo+full"] = fingerprint(work / "demo-chunked")
    return cases


def real_cases(work: Path) -> dict[str, dict]:
    cases = {}
    for profile, (_package, folder, raw, boundaries) in REAL_CITIES.items():
        data = SHARED_DATA / folder
        out = work / profile
        publish(profile, data / raw, out, REAL_AS_OF, "--boundaries", str(data / boundaries))
        cases[profile] = fingerprint(out)
    return cases


def fingerprint_all(work: Path, real: bool | None = None) -> dict[str, dict]:
    """Every case's fingerprints; the real cities only when ``../shared/data`` is there (``real``
    None) or when asked to (``real`` True)."""
    cases = {"tiny": case_tiny(work), "json-city": case_json_city(work), **demo_cases(work)}
    if real or (real is None and SHARED_DATA.is_dir()):
        cases.update(real_cases(work))
    return cases


def differences(expected: dict, found: dict) -> list[str]:
    """Lines naming each case, file or table whose fingerprint differs, is new or is missing."""
    lines = []
    for case in sorted(set(expected) | set(found)):
        if case not in found or case not in expected:
            lines.append(f"{case}: {'not run' if case not in found else 'not in the expected fingerprints'}")
            continue
        for part in ("files", "database"):
            want, got = expected[case][part], found[case][part]
            for name in sorted(set(want) | set(got)):
                if want.get(name) != got.get(name):
                    state = "missing" if name not in got else "new" if name not in want else "differs"
                    lines.append(f"{case}: {part} {name} {state}")
    return lines


def load_expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def write_expected(found: dict) -> Path:
    EXPECTED.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return EXPECTED
