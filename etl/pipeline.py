"""The whole ETL flow on one screen: read -> normalise -> join -> privacy -> validate -> publish -> load.

publish_release()
  load profile and boundaries, check the header           (InputError: one line naming the file)
  take the output folder's lock, clean up killed runs
  pass 1: find ids that appear twice (latest update wins)
  pass 2: every chunk through etl.chunks.normalise_chunk, written to staging
          (incremental: the current release's rows the delta does not replace, then the delta)
  changelog, service types, neighborhoods, report, datapackage.json with hashes
  unchanged data -> nothing new; else one database transaction that ends with the atomic switch
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.exc import SQLAlchemyError

from core.db import DEFAULT_DB_URL, current_version, display_url, resolve_url, sqlite_file

from . import __version__, faults
from . import incremental as delta_release
from .cells import to_arrow
from .chunks import Context, RunStats, normalise_chunk, process_all
from .dedupe import find_superseded
from .errors import InputError, PublishError
from .geo import load_boundaries
from .load import CHUNK_DATABASES, DeltaLoad, SqliteBuild, write_release_to_db
from .package import (
    build_datapackage,
    build_service_types,
    compute_changes,
    release_history,
    write_index,
    write_service_types,
)
from .profile import REQUIRED_MAPPINGS, load_profile
from .publish import (
    LINES_SUFFIX,
    Staging,
    current_release,
    final_release_dir,
    move_into_releases,
    next_version,
    publish_lock,
    remove_orphans,
    sha256_file,
    switch_current,
)
from .quarantine import Quarantine
from .runtime import Tuning, from_environment
from .sources import locate_malformed, read_chunks, read_header

CHECKS = [
    "profile mapping and required columns",
    "record shape and text encoding",
    "duplicate ids (latest update wins)",
    "request type, status and dates",
    "closure against status and request date",
    "coordinates (missing, zero, outside the city, placeholder)",
    "spatial join to neighborhoods",
    "privacy (whitelist, text scrubbing, address and location generalisation, media hosts)",
    "schema constraints (types, required, enum, pattern, length, range, unique)",
]


@dataclass
class Result:
    version: str
    release_dir: Path
    changed: bool
    report: dict
    steps: dict = field(default_factory=dict)


def _noop(*_args, **_kwargs):
    return None


def publish_release(
    profile_name: str,
    input_path,
    boundaries=None,
    out="datasets",
    db_url: str = DEFAULT_DB_URL,
    as_of: datetime | None = None,
    private_dir=None,
    progress=_noop,
    incremental: bool = False,
    tuning: Tuning | None = None,
) -> Result:
    """Publish ``input_path`` as the next release of the profile's package, then load it into ``db_url``.

    With ``incremental``, ``input_path`` holds only new or changed requests (see etl/incremental.py).
    ``tuning``: how to split the work (etl/runtime.py; default: what the environment says).
    """
    tuning = tuning or from_environment()
    profile = load_profile(profile_name)
    input_path, out, db_url = Path(input_path), Path(out), resolve_url(db_url)
    private_dir = Path(private_dir) if private_dir else out.resolve().parent / "private"
    as_of = pd.Timestamp(as_of or datetime.now(UTC))
    as_of = as_of.tz_localize(profile.timezone) if as_of.tzinfo is None else as_of.tz_convert(profile.timezone)
    b = profile.boundaries
    hoods = load_boundaries(
        Path(boundaries) if boundaries else profile.resolve(b["file"]),
        b["code_property"],
        b["name_property"],
        b["names"],
        b["name_template"],
    )
    districts = (
        load_boundaries(profile.resolve(b["district_file"]), b["district_property"]) if b["district_file"] else None
    )
    header = read_header(input_path, profile.input["format"], profile.input["encoding"], profile.input["delimiter"])
    missing = [
        f"{col!r} (for {f})" for f, col in profile.raw_columns().items() if col not in header and f in REQUIRED_MAPPINGS
    ]
    if missing:
        raise InputError(
            input_path,
            f"missing required column(s) {', '.join(missing)}; the header has {len(header)} column(s)"
            f"{' - is the delimiter right?' if len(header) == 1 else ''}",
        )
    wanted = sorted(set(profile.raw_columns().values()) & set(header))
    ctx = Context(profile, as_of, hoods, districts, wanted, set())
    try:
        with publish_lock(out):
            remove_orphans(out, profile.name)
            return _publish(ctx, input_path, header, out, db_url, private_dir, progress, incremental, tuning)
    except OSError as exc:
        raise PublishError(exc.filename or out, f"{exc.strerror or exc}; the previous release is unchanged") from None
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise PublishError(
            display_url(db_url),
            f"database error ({type(orig).__name__}: {str(orig).splitlines()[0][:160]}); "
            "the previous release is unchanged",
        ) from None


def _publish(
    ctx: Context,
    input_path: Path,
    header,
    out: Path,
    db_url: str,
    private_dir: Path,
    progress,
    incremental: bool,
    tuning: Tuning,
) -> Result:
    with ExitStack() as stack:
        return _publish_steps(ctx, input_path, header, out, db_url, private_dir, progress, incremental, tuning, stack)


def _publish_steps(
    ctx: Context,
    input_path: Path,
    header,
    out: Path,
    db_url: str,
    private_dir: Path,
    progress,
    incremental: bool,
    tuning: Tuning,
    stack: ExitStack,
) -> Result:
    profile, timer, build = ctx.profile, _Timer(), None
    current = current_release(out, profile.name)
    new_version = next_version(out, profile.name)  # the version this run publishes, unless the data are unchanged
    if incremental and current is None:
        raise InputError(input_path, f"--incremental needs a current release of {profile.name} in {out}")
    progress("scan", "finding duplicate ids")
    skipped: list = []
    ctx.superseded = find_superseded(input_path, profile, header, on_bad_row=lambda *a: skipped.append(a))
    malformed = None
    if profile.input["format"] == "csv" and any(a[2] == "malformed_row" for a in skipped):
        # The fast reader only says it skipped a record; a slow exact scan names it, and numbers rows exactly.
        malformed = locate_malformed(input_path, profile.input["encoding"], profile.input["delimiter"])
        ctx.superseded = find_superseded(input_path, profile, header, malformed=malformed)
    pa.default_memory_pool().release_unused()  # the scan's read-ahead blocks: workers are forked from this process next
    timer.lap("duplicates")
    arrow_schema = to_arrow(pd.DataFrame(), profile.timezone).schema
    staging = Staging(
        out,
        profile.timezone,
        arrow_schema,
        dictionary_columns=delta_release.dictionary_columns(arrow_schema) if incremental else (),
    )
    quarantine = Quarantine(ctx.wanted)
    # a full run spills its index entries to disk as they come; an incremental run's are the
    # current release's (already in memory) and the delta's
    stats = RunStats(index_spill=None if incremental else staging.dir.with_name(staging.dir.name + ".index.parquet"))
    delta = []
    block_bytes = tuning.chunk_bytes
    chunks = read_chunks(
        input_path,
        profile.input["format"],
        profile.input["encoding"],
        quarantine.bad_row,
        delimiter=profile.input["delimiter"],
        columns=ctx.wanted,
        block_bytes=block_bytes,
        threads=False,
        malformed=malformed,
    )
    if incremental:  # small: kept in memory, written after the current release's rows once we know which win
        for raw in chunks:
            stats.rows_read += len(raw)
            delta.append(normalise_chunk(raw, ctx, quarantine))
    else:
        # A SQLite database is built while the release is staged (its load overlaps the transform).
        build = stack.enter_context(_building(db_url, tuning.load_batch_rows))
        ctx.sqlite_chunks = build is not None and CHUNK_DATABASES
        size = max(input_path.stat().st_size, 1)
        for n, (n_raw, typed, text, summary, database) in enumerate(
            process_all(chunks, ctx, quarantine, tuning.workers_for(input_path.stat().st_size)), 1
        ):
            stats.rows_read += n_raw
            faults.checkpoint("read.chunk")
            staging.write_requests(typed, text)
            if database is not None:
                build.add_chunk(database)
            elif build is not None:
                build.add(typed)
            stats.add_summary(summary)
            progress("rows", stats.rows_read, stats.published, min(1.0, n * block_bytes / size))
    stats.rows_read += quarantine.unread
    rows_in_release, carry, delta_load = stats.published, None, None
    if incremental:
        carry = delta_release.plan(current, delta, staging.arrow_schema, quarantine)
        if current_version(db_url) == current.name:
            # the database holds the release the delta builds on: change only the delta's rows, in
            # a thread while the files are staged; the transaction commits after the switch
            delta_load = stack.enter_context(_delta_loading(db_url))
            pool = stack.enter_context(ThreadPoolExecutor(1))
            delta_load.start(pool, delta_load.replace, carry.rows, carry.replaced)
        delta_release.count(carry, _index_path(out, profile.name, current.name), staging.arrow_schema, stats)
        rows_in_release = carry.rows_in_release
    if stats.rows_read == 0 or stats.published == 0:
        staging.discard()
        raise InputError(
            input_path,
            "has a header but no data rows"
            if stats.rows_read == 0
            else f"no row could be published ({quarantine.summary_line()})",
        )
    typed_job = None
    if carry is not None:  # the Parquet file needs only the plan: it is rewritten while the run goes on
        typed_job = stack.enter_context(ThreadPoolExecutor(1)).submit(delta_release.write_typed, carry, staging)
    write_service_types(
        build_service_types(pd.concat(stats.type_counts), profile), staging.dir / "data" / "service_types.csv"
    )
    staging.write_json("data/neighborhoods.geojson", ctx.hoods.to_geojson())
    report = _report(ctx, input_path, header, stats, quarantine, rows_in_release, incremental, current)
    if carry is not None:
        if delta_load is not None:
            delta_load.start(pool, delta_load.summarise, staging.dir / "data", new_version, report["data_through"])
        delta_release.write(carry, staging, typed_job, _read_line_lengths(_index_path(out, profile.name, current.name)))
    timer.lap("transform+write")
    staging.close_requests()  # hashes and syncs the data files in the background from here on
    index = stats.index()
    changes, summary = compute_changes(
        index,
        _index_path(out, profile.name, current.name) if current else None,
        only=carry.rows["service_request_id"].to_pandas() if carry is not None else None,
    )
    changes.to_csv(staging.dir / "data" / "changes.csv", index=False, lineterminator="\n")
    # the index (what the next incremental run starts from) is written while the run goes on
    index_file = _index_path(out, profile.name, new_version)
    index_job = stack.enter_context(ThreadPoolExecutor(1)).submit(write_index, index, index_file)
    staging.wait_for_hashes()
    if current is not None and _same_data(current, staging.dir):
        staging.discard()
        index_job.result()
        index_file.unlink()
        if delta_load is not None:
            delta_load.wait()
            delta_load.discard()
        version = current.name
        progress("done", f"unchanged: release {version} already holds this data")
        if current_version(db_url) != version:
            write_release_to_db(db_url, current, tuning.load_batch_rows)
        timer.lap("load")
        report["timing_seconds"] = timer.laps
        return Result(version, current, False, report, timer.laps)
    version = new_version
    _write_line_lengths(staging.csv_line_lengths(), index_file)
    summary.update(version=version, previous_version=current.name if current else None)
    staging.write_json("changelog.json", summary)
    report["timing_seconds"] = dict(timer.laps)
    staging.write_json("report.json", report)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    staging.write_json(
        "datapackage.json",
        build_datapackage(profile, version, created, staging.dir, release_history(out, profile.name)),
    )
    index_job.result()
    faults.checkpoint("publish.staged")
    quarantine.save(private_dir / profile.name / version)
    timer.lap("package")
    progress("load", f"loading into {display_url(db_url)}")
    release_dir = final_release_dir(out, profile.name, version)

    def switch():  # last step of the database transaction (docs/reliability.md)
        move_into_releases(staging, profile.name, version)
        switch_current(out, profile.name, release_dir)

    if build is not None:
        build.finish(staging.dir, release_dir, before_commit=switch)
    elif delta_load is not None:
        delta_load.finish(staging.dir, release_dir, before_commit=switch)
    else:
        write_release_to_db(db_url, staging.dir, tuning.load_batch_rows, stored_dir=release_dir, before_commit=switch)
    timer.lap("load")
    report["timing_seconds"] = timer.laps
    return Result(version, release_dir, True, report, timer.laps)


def _report(
    ctx: Context,
    input_path: Path,
    header,
    stats: RunStats,
    quarantine: Quarantine,
    rows_in_release: int,
    incremental: bool,
    base: Path | None,
) -> dict:
    columns = ctx.profile.raw_columns()
    mapped = set(columns.values())
    dt = stats.data_through
    return {
        "package": ctx.profile.name,
        "rows_read": stats.rows_read,
        "rows_published": stats.published,
        "rows_quarantined": quarantine.count,
        "rows_in_release": rows_in_release,
        "mode": "incremental" if incremental else "full",
        "base_version": base.name if incremental and base else None,
        "quarantine_reasons": quarantine.reasons(),
        "quarantine_examples": {
            reason: [{**e, "column": columns.get(e["field"], e["field"])} for e in examples]
            for reason, examples in quarantine.examples().items()
        },
        "quality_flags": dict(sorted(stats.flags["quality_flags"].items())),
        "redactions": dict(sorted(stats.flags["redaction_reason"].items())),
        "checks_run": CHECKS,
        "input": {
            "file": input_path.name,
            "bytes": input_path.stat().st_size,
            "sha256": sha256_file(input_path),
            "columns_read": len(header),
            "columns_not_published": sorted(set(header) - mapped),
        },
        "boundaries": {"file": ctx.hoods.source.name, "features": len(ctx.hoods.codes), "repairs": ctx.hoods.repairs},
        "as_of": ctx.as_of.isoformat(),
        "data_through": None if dt is None or pd.isna(dt) else dt.isoformat(),
        "software": {"name": "portal311-etl", "version": __version__},
    }


class _Timer:
    def __init__(self):
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 3)
        self._t = now


@contextmanager
def _building(db_url: str, batch_rows: int):
    """A SqliteBuild for a SQLite file URL (None otherwise); removed unless the run finishes it."""
    path = sqlite_file(db_url)
    build = SqliteBuild(path, batch_rows) if path is not None else None
    try:
        yield build
    finally:
        if build is not None:
            build.discard()


@contextmanager
def _delta_loading(db_url: str):
    """A DeltaLoad, rolled back unless the run finishes it."""
    load = DeltaLoad(db_url)
    try:
        yield load
    finally:
        load.discard()


def _index_path(out: Path, name: str, version: str) -> Path:
    return out / "releases" / name / ".index" / f"{version}.parquet"


def _write_line_lengths(lengths, index_file: Path) -> None:
    """The CSV's line lengths next to the release's index (``Staging.copy_csv_records``)."""
    if lengths is not None and len(lengths) and lengths.max() < 2**32:
        index_file.parent.mkdir(parents=True, exist_ok=True)
        np.save(index_file.with_name(index_file.stem + LINES_SUFFIX), lengths.astype(np.uint32))


def _read_line_lengths(index_file: Path):
    try:
        return np.load(index_file.with_name(index_file.stem + LINES_SUFFIX)).astype(np.int64)
    except (OSError, ValueError):  # none (an older release), or unreadable: the CSV is read instead
        return None


def _same_data(current: Path, staged: Path) -> bool:
    """Do the staged data files hash the same as the current release's (as its datapackage.json records)?"""
    files = ["service_requests.csv", "service_requests.parquet", "neighborhoods.geojson", "service_types.csv"]
    try:
        recorded = {
            r["path"]: r["hash"]
            for r in json.loads((current / "datapackage.json").read_text(encoding="utf-8"))["resources"]
        }
    except (OSError, ValueError, KeyError):
        return False
    return all(recorded.get(f"data/{f}") == f"sha256:{sha256_file(staged / 'data' / f)}" for f in files)
