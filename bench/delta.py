"""A delta export ("one more day of data") in a city's own raw layout, with its exact expected changelog.

* **changed**: requests of the current release, taken from the raw export and marked closed
  (the profile's first closed status) with a close and an update time one day after the row's
  latest time: a later update, so it wins. Those that were open become ``open->closed``.
* **new**: rows of another sample (``candidates``) under new ids (``<id>-n<k>``); only candidates
  the ETL publishes on their own are used, so every one of them is "added".

Everything comes from the profile (column names, datetime format, statuses), so the same code
makes the demo city's delta in tests and New York City's in the benchmark.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from etl.profile import load_profile

CHUNK = 200_000


@dataclass
class Delta:
    path: Path
    changed_ids: list[str]
    new_ids: list[str]
    expected: dict = field(default_factory=dict)  # the changelog.json counts this delta must give


def _read(path: Path, **kw):
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8", **kw)


def _parse(text: pd.Series, fmt: str) -> pd.Series:
    if fmt == "ISO8601":
        return pd.to_datetime(text, format="ISO8601", errors="coerce")
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _format(values: pd.Series, fmt: str) -> pd.Series:
    return values.dt.strftime("%Y-%m-%dT%H:%M:%S" if fmt == "ISO8601" else fmt)


def changed_rows(
    base_csv: Path, release_dir: Path, profile_name: str, n: int, as_of: datetime, seed: int = 7
) -> tuple[pd.DataFrame, dict]:
    """``n`` raw rows of published requests, closed one day after their latest time; and their old statuses."""
    prof = load_profile(profile_name)
    cols, fmt = prof.columns, prof.input["datetime_formats"][0]
    published = pq.read_table(
        release_dir / "data" / "service_requests.parquet", columns=["service_request_id", "status"]
    ).to_pandas()
    rng = np.random.default_rng(seed)
    shuffled = published.iloc[rng.permutation(len(published))]
    opened = shuffled["status"] == "open"  # about half open (status changes), the rest closed (new close time)
    pool = pd.concat([shuffled[opened].head(3 * n // 2), shuffled[~opened].head(3 * n)])
    status = dict(zip(pool["service_request_id"], pool["status"]))
    limit = pd.Timestamp(as_of).tz_convert(prof.timezone).tz_localize(None) - pd.Timedelta(days=2)
    found, counts = [], {}
    for chunk in _read(base_csv, chunksize=CHUNK):
        ids = chunk[cols["service_request_id"]]
        for i in ids[ids.isin(status.keys())]:
            counts[i] = counts.get(i, 0) + 1
        found.append(chunk[ids.isin(status.keys())])
    rows = pd.concat(found, ignore_index=True)
    rows = rows[rows[cols["service_request_id"]].map(counts) == 1]  # an id that appears twice: left alone
    times = [
        _parse(rows[cols[k]], fmt) for k in ("requested_datetime", "updated_datetime", "closed_datetime") if cols.get(k)
    ]
    new_time = pd.concat(times, axis=1).max(axis=1) + pd.Timedelta(days=1)
    rows = rows[new_time.notna() & (new_time < limit)]
    first_open = rows[cols["service_request_id"]].map(status).eq("open")
    rows = pd.concat([rows[first_open].head(n // 2), rows[~first_open]]).head(n).copy()
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} of {n} published rows can be changed before {limit}")
    when = _format(new_time.loc[rows.index], fmt)
    rows[cols["status"]] = prof.statuses["closed"][0]
    for key in ("updated_datetime", "closed_datetime"):
        rows[cols[key]] = when
    before = {i: status[i] for i in rows[cols["service_request_id"]]}
    return rows, before


def new_rows(
    candidates_csv: Path, profile_name: str, n: int, as_of: datetime, boundaries: Path | None = None
) -> pd.DataFrame:
    """``n`` rows of ``candidates_csv`` under new ids that the ETL publishes on their own."""
    prof = load_profile(profile_name)
    id_col = prof.columns["service_request_id"]
    rows = _read(candidates_csv)
    rows[id_col] = rows[id_col] + "-n" + pd.Series(range(len(rows)), index=rows.index).astype(str)
    rows = rows.drop_duplicates(id_col, keep=False)
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "candidates.csv"
        rows.to_csv(probe, index=False)
        cmd = [
            sys.executable,
            "-m",
            "etl",
            "publish",
            "--profile",
            profile_name,
            "--input",
            str(probe),
            "--out",
            f"{tmp}/out",
            "--db",
            f"sqlite:///{tmp}/probe.db",
            "--as-of",
            as_of.isoformat(),
        ]
        if boundaries:
            cmd += ["--boundaries", str(boundaries)]
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
        name = prof.name
        ok = set(
            pq.read_table(
                Path(tmp) / "out" / name / "data" / "service_requests.parquet", columns=["service_request_id"]
            )
            .column(0)
            .to_pylist()
        )
    rows = rows[rows[id_col].isin(ok)].head(n)
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} of {n} candidate rows publish")
    return rows


def make_delta(
    out_csv: Path,
    base_csv: Path,
    release_dir: Path,
    profile_name: str,
    candidates_csv: Path,
    n_changed: int,
    n_new: int,
    as_of: datetime,
    boundaries: Path | None = None,
) -> Delta:
    """Write the delta export and return what its changelog must say."""
    prof = load_profile(profile_name)
    id_col = prof.columns["service_request_id"]
    changed, before = changed_rows(base_csv, release_dir, profile_name, n_changed, as_of)
    added = new_rows(candidates_csv, profile_name, n_new, as_of, boundaries)
    header = list(_read(base_csv, nrows=0).columns)
    delta = pd.concat([changed[header], added.reindex(columns=header, fill_value="")], ignore_index=True)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    delta.to_csv(out_csv, index=False)
    opened = sum(1 for s in before.values() if s == "open")
    expected = {
        "added": n_new,
        "removed": 0,
        "changed": n_changed,
        "status_changes": {"open->closed": opened} if opened else {},
    }
    return Delta(out_csv, list(changed[id_col]), list(added[id_col]), expected)


def concatenate(first: Path, second: Path, out: Path) -> Path:
    """``first`` then ``second``'s data rows (the same header): a full export with the delta in it."""
    with open(out, "wb") as fout:
        with open(first, "rb") as f:
            shutil.copyfileobj(f, fout, 1 << 24)
        with open(second, "rb") as f:
            f.readline()
            shutil.copyfileobj(f, fout, 1 << 24)
    return out


def changelog_counts(changelog: dict) -> dict:
    return {k: changelog.get(k) for k in ("added", "removed", "changed", "status_changes")}
