"""The story of a run: read -> normalise -> protect -> join -> validate -> publish -> load.

``publish_release`` prepares the run (profile, boundaries, the input's header: etl/run.py), takes
the output folder's lock and tells one of two stories, each a sequence of named steps:

A full run (``publish_full``), for a whole export:
  1. find the ids that appear twice (the latest update of an id wins)
  2. every chunk through the transform (etl/chunks.py), in worker processes, into the staged
     files; a SQLite database is built beside the old one at the same time
  3. the lookups (request types, neighborhoods) and the report
  4. finish (both stories): the changelog against the current release; unchanged data publish
     nothing new; else the package (datapackage.json with hashes), then one step that loads the
     database and, last, switches the release (docs/reliability.md)

An incremental run (``publish_incremental``), for a delta export of new or changed requests:
  1. find the ids that appear twice; 2. the delta through the transform (small: in this process)
  3. plan the new release (etl/incremental.py): the current release's rows but those the delta
     replaces, then the delta's winners; if the database holds the current release, only those
     rows change in it, in the background
  4. the lookups and the report; the carried-over rows copied into the staged files, the winners
     after them; 5. finish, as above

How each step is made fast is in etl/io/; how a run is tuned, in etl/runtime.py. Errors reach the
user as one line (etl/errors.py); a failed run leaves the last good release as it was.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
from sqlalchemy.exc import SQLAlchemyError

from core.db import DEFAULT_DB_URL, current_version, display_url, ping, resolve_url, sqlite_file

from . import faults
from . import incremental as delta_release
from .chunks import Published, RunStats, normalise_chunk, process_chunk
from .dedupe import find_superseded
from .errors import InputError, PublishError
from .io.csv_lines import load_line_lengths, save_line_lengths
from .io.delta_load import DeltaLoad
from .io.sqlite_build import CHUNK_DATABASES, SqliteBuild
from .io.staging import Staging
from .io.workers import in_background, map_in_order
from .load import InPlaceLoad, write_release_to_db
from .package import (
    build_datapackage,
    build_service_types,
    compute_changes,
    release_history,
    write_index,
    write_service_types,
)
from .profile import load_profile
from .publish import (
    current_release,
    final_release_dir,
    move_into_releases,
    next_version,
    publish_lock,
    remove_orphans,
    switch_current,
)
from .quarantine import Quarantine
from .report import build_report
from .run import Run, prepare, same_data
from .runtime import Tuning, from_environment
from .sources import locate_malformed


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
    ctx, header = prepare(profile, input_path, boundaries, as_of)
    try:
        if sqlite_file(db_url) is None:
            ping(db_url)  # a database server that cannot be reached stops the run before anything is staged
        with publish_lock(out), ExitStack() as stack:
            remove_orphans(out, profile.name)
            run = Run(ctx, input_path, header, out, db_url, private_dir, progress, tuning)
            run.current, run.new_version = current_release(out, profile.name), next_version(out, profile.name)
            return (publish_incremental if incremental else publish_full)(run, stack)
    except OSError as exc:
        raise PublishError(exc.filename or out, f"{exc.strerror or exc}; the previous release is unchanged") from None
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        raise PublishError(
            display_url(db_url),
            f"database error ({type(orig).__name__}: {str(orig).splitlines()[0][:160]}); "
            "the previous release is unchanged",
        ) from None


def publish_full(run: Run, stack: ExitStack) -> Result:
    find_duplicates(run)
    staging = Staging(run.out, run.profile.timezone, run.arrow_schema())
    stack.callback(staging.discard)  # whatever fails or is interrupted from here on, no staging folder stays
    quarantine = Quarantine(run.ctx.wanted)
    # the index entries go to disk as they come (the current release's are not needed)
    stats = RunStats(index_spill=staging.dir.with_name(staging.dir.name + ".index.parquet"))
    path = sqlite_file(run.db_url)  # a SQLite file is built anew while the files are staged
    build = stack.enter_context(SqliteBuild(path, run.tuning.load_batch_rows)) if path is not None else None
    transform_all(run, staging, quarantine, stats, build)
    require_rows(run, staging, stats, quarantine)
    write_lookups(run, staging, stats)
    report = build_report(run, stats, quarantine, stats.published, incremental=False)
    run.timer.lap("transform+write")
    return finish(run, staging, stats, quarantine, report, build or InPlaceLoad(run.db_url, run.tuning.load_batch_rows))


def publish_incremental(run: Run, stack: ExitStack) -> Result:
    if run.current is None:
        raise InputError(run.input_path, f"--incremental needs a current release of {run.profile.name} in {run.out}")
    find_duplicates(run)
    schema = run.arrow_schema()
    staging = Staging(run.out, run.profile.timezone, schema, delta_release.dictionary_columns(schema))
    stack.callback(staging.discard)
    quarantine = Quarantine(run.ctx.wanted)
    stats = RunStats(index_spill=None)
    carry = delta_release.plan(run.current, transform_delta(run, quarantine, stats), schema, quarantine)
    delta_load = None
    if current_version(run.db_url) == run.current.name:  # change only the delta's rows, in the background
        delta_load = stack.enter_context(DeltaLoad(run.db_url))
        delta_load.start_replace(carry.rows, carry.replaced)
    delta_release.count(carry, run.index_path(run.current.name), schema, stats)
    require_rows(run, staging, stats, quarantine)
    typed_job = in_background(stack, delta_release.write_typed, carry, staging)
    write_lookups(run, staging, stats)
    report = build_report(run, stats, quarantine, carry.rows_in_release, incremental=True)
    if delta_load is not None:
        delta_load.start_summarise(staging.dir / "data", run.new_version, report["data_through"])
    delta_release.write(carry, staging, typed_job, load_line_lengths(run.index_path(run.current.name)))
    run.timer.lap("transform+write")
    load = delta_load or InPlaceLoad(run.db_url, run.tuning.load_batch_rows)
    return finish(run, staging, stats, quarantine, report, load, only=carry.rows["service_request_id"].to_pandas())


def find_duplicates(run: Run) -> None:
    """Which rows lose to a later update of the same id (``ctx.superseded``)."""
    run.progress("scan", "finding duplicate ids")
    skipped: list = []
    profile, ctx = run.profile, run.ctx
    ctx.superseded = find_superseded(run.input_path, profile, run.header, on_bad_row=lambda *a: skipped.append(a))
    if profile.input["format"] == "csv" and any(a[2] == "malformed_row" for a in skipped):
        # The fast reader only says it skipped a record; a slow exact scan names it, and numbers rows exactly.
        run.malformed = locate_malformed(run.input_path, profile.input["encoding"], profile.input["delimiter"])
        ctx.superseded = find_superseded(run.input_path, profile, run.header, malformed=run.malformed)
    pa.default_memory_pool().release_unused()  # the scan's read-ahead blocks: workers are forked from this process next
    run.timer.lap("duplicates")


def transform_all(run: Run, staging: Staging, quarantine: Quarantine, stats: RunStats, build) -> None:
    """Every chunk through the transform, into the staged files and the database being built."""
    run.ctx.sqlite_chunks = build is not None and CHUNK_DATABASES
    size = max(run.input_path.stat().st_size, 1)
    workers = run.tuning.workers_for(run.input_path.stat().st_size)
    for n, done in enumerate(map_in_order(process_chunk, run.read_chunks(quarantine), workers, run.ctx), 1):
        quarantine.merge(done.quarantine)
        stats.rows_read += done.rows_read
        faults.checkpoint("read.chunk")
        staging.write_requests(done.typed, done.text)
        if build is not None:
            build.add_rows(done.typed, done.database)
        stats.add_summary(done.summary)
        run.progress("rows", stats.rows_read, stats.published, min(1.0, n * run.tuning.chunk_bytes / size))
    stats.rows_read += quarantine.unread


def transform_delta(run: Run, quarantine: Quarantine, stats: RunStats) -> list[Published]:
    """The delta's chunks through the transform, kept in memory until the plan says which rows win."""
    delta = []
    for raw in run.read_chunks(quarantine):
        stats.rows_read += len(raw)
        delta.append(normalise_chunk(raw, run.ctx, quarantine))
    stats.rows_read += quarantine.unread
    return delta


def require_rows(run: Run, staging: Staging, stats: RunStats, quarantine: Quarantine) -> None:
    """A run that publishes no row stops here, before anything is written."""
    if stats.rows_read == 0 or stats.published == 0:
        staging.discard()
        raise InputError(
            run.input_path,
            "has a header but no data rows"
            if stats.rows_read == 0
            else f"no row could be published ({quarantine.summary_line()})",
        )


def write_lookups(run: Run, staging: Staging, stats: RunStats) -> None:
    """The request types (with their counts and targets) and the neighborhoods of the release."""
    types = build_service_types(pd.concat(stats.type_counts), run.profile)
    write_service_types(types, staging.dir / "data" / "service_types.csv")
    staging.write_json("data/neighborhoods.geojson", run.ctx.hoods.to_geojson())


def finish(run: Run, staging, stats: RunStats, quarantine, report: dict, load, only=None) -> Result:
    """Changelog and index; then nothing new (unchanged data), or the package, the database load and
    the switch. ``only``: the ids that can differ from the current release (an incremental run's)."""
    with ExitStack() as stack:
        staging.close_requests()  # hashed and synced in the background from here on
        index = stats.index()
        previous = run.index_path(run.current.name) if run.current else None
        changes, summary = compute_changes(index, previous, only=only)
        changes.to_csv(staging.dir / "data" / "changes.csv", index=False, lineterminator="\n")
        index_file = run.index_path(run.new_version)
        index_job = in_background(stack, write_index, index, index_file)  # what the next incremental run reads
        staging.wait_for_hashes()
        if run.current is not None and same_data(run.current, staging.dir):
            return keep_current(run, staging, report, load, index_job, index_file)
        save_line_lengths(staging.csv_line_lengths(), index_file)
        summary.update(version=run.new_version, previous_version=run.current.name if run.current else None)
        write_package(run, staging, summary, report)
        index_job.result()
    faults.checkpoint("publish.staged")
    quarantine.save(run.private_dir / run.profile.name / run.new_version)
    run.timer.lap("package")
    return load_and_switch(run, staging, report, load)


def write_package(run: Run, staging: Staging, changelog: dict, report: dict) -> None:
    """changelog.json, report.json and datapackage.json (which describes and hashes every file)."""
    staging.write_json("changelog.json", changelog)
    report["timing_seconds"] = dict(run.timer.laps)
    staging.write_json("report.json", report)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    history = release_history(run.out, run.profile.name)
    staging.write_json(
        "datapackage.json", build_datapackage(run.profile, run.new_version, created, staging.dir, history)
    )


def load_and_switch(run: Run, staging: Staging, report: dict, load) -> Result:
    """Load the database; as the last step of its transaction, switch to the new release."""
    run.progress("load", f"loading into {display_url(run.db_url)}")
    name, version = run.profile.name, run.new_version
    release_dir = final_release_dir(run.out, name, version)

    def switch():  # docs/reliability.md
        move_into_releases(staging, name, version)
        switch_current(run.out, name, release_dir)

    load.finish(staging.dir, release_dir, before_commit=switch)
    run.timer.lap("load")
    report["timing_seconds"] = run.timer.laps
    return Result(version, release_dir, True, report, run.timer.laps)


def keep_current(run: Run, staging: Staging, report: dict, load, index_job, index_file: Path) -> Result:
    """The data are those of the current release: nothing new is published; the database is made
    to hold the current release if it does not."""
    staging.discard()
    index_job.result()
    index_file.unlink()
    load.discard()
    version = run.current.name
    run.progress("done", f"unchanged: release {version} already holds this data")
    if current_version(run.db_url) != version:
        write_release_to_db(run.db_url, run.current, run.tuning.load_batch_rows)
    run.timer.lap("load")
    report["timing_seconds"] = run.timer.laps
    return Result(version, run.current, False, report, run.timer.laps)
