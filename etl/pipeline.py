"""The whole ETL flow on one screen: read -> normalise -> join -> privacy -> validate -> publish -> load."""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import __version__, faults
from .cells import to_arrow, to_text
from .dedupe import find_superseded
from sqlalchemy.exc import SQLAlchemyError

from .errors import InputError, PublishError
from .geo import assign_neighborhoods, load_boundaries
from .load import DEFAULT_DB_URL, current_version, load_release
from .package import (build_datapackage, build_service_types, compute_changes, release_history,
                      write_index, write_service_types)
from .privacy import apply_privacy
from .profile import REQUIRED_MAPPINGS, load_profile
from .publish import (Staging, current_release, final_release_dir, move_into_releases, next_version, publish_lock, remove_orphans,
                      sha256_file, switch_current)
from .quarantine import Quarantine
from .sources import read_chunks, read_header
from .transform import transform_chunk
from .validate import load_schema, validate_frame

CHECKS = [
    "profile mapping and required columns", "record shape and text encoding", "duplicate ids (latest update wins)",
    "request type, status and dates", "closure against status and request date", "coordinates (missing, zero, outside the city, placeholder)",
    "spatial join to neighborhoods", "privacy (whitelist, text scrubbing, address and location generalisation, media hosts)",
    "schema constraints (types, required, enum, pattern, length, range, unique)",
]


@dataclass
class Result:
    version: str
    release_dir: Path
    changed: bool
    report: dict
    steps: list[tuple[str, float]] = field(default_factory=list)


def _noop(*_args, **_kwargs):
    return None


def publish_release(profile_name: str, input_path, boundaries=None, out="datasets", db_url: str = DEFAULT_DB_URL,
                    as_of: datetime | None = None, private_dir=None, progress=_noop) -> Result:
    """Publish ``input_path`` as the next release of the profile's package, then load it into ``db_url``."""
    started = time.perf_counter()
    profile = load_profile(profile_name)
    input_path, out = Path(input_path), Path(out)
    private_dir = Path(private_dir) if private_dir else out.resolve().parent / "private"
    as_of = pd.Timestamp(as_of or datetime.now(timezone.utc))
    as_of = as_of.tz_localize(profile.timezone) if as_of.tzinfo is None else as_of.tz_convert(profile.timezone)
    hoods = load_boundaries(Path(boundaries) if boundaries else profile.resolve(profile.boundaries["file"]),
                            profile.boundaries["code_property"], profile.boundaries["name_property"],
                            profile.boundaries["names"], profile.boundaries["name_template"])
    districts = None
    if profile.boundaries["district_file"]:
        districts = load_boundaries(profile.resolve(profile.boundaries["district_file"]), profile.boundaries["district_property"])
    fmt, enc, delim = profile.input["format"], profile.input["encoding"], profile.input["delimiter"]
    header = read_header(input_path, fmt, enc, delim)
    mapped = profile.raw_columns()
    missing = [f"{col!r} (for {f})" for f, col in mapped.items() if col not in header and f in REQUIRED_MAPPINGS]
    if missing:
        raise InputError(input_path, f"missing required column(s) {', '.join(missing)}; the header has {len(header)} column(s)"
                                     f"{' - is the delimiter right?' if len(header) == 1 else ''}")
    steps: list[tuple[str, float]] = []
    try:
        return _publish_locked(profile, input_path, out, db_url, as_of, private_dir, hoods, districts, header, steps, started, progress)
    except OSError as exc:
        raise PublishError(exc.filename or out, f"{exc.strerror or exc}; the previous release is unchanged") from None
    except SQLAlchemyError as exc:
        raise PublishError(_safe_url(db_url), f"database error ({type(exc.orig or exc).__name__}: {str(exc.orig or exc).splitlines()[0][:160]}); "
                                              "the previous release is unchanged") from None


def _publish_locked(profile, input_path, out, db_url, as_of, private_dir, hoods, districts, header, steps, started, progress) -> Result:
    with publish_lock(out):
        remove_orphans(out, profile.name)
        t = time.perf_counter()
        progress("scan", "finding duplicate ids")
        superseded = find_superseded(input_path, profile, header)
        steps.append(("duplicates", time.perf_counter() - t))
        t = time.perf_counter()
        result = _process(profile, input_path, out, private_dir, as_of, hoods, districts, header, superseded, progress)
        staging, rows, quarantine, types, index, data_through = result
        steps.append(("transform+write", time.perf_counter() - t))
        t = time.perf_counter()
        current = current_release(out, profile.name)
        changes, summary = compute_changes(index, _index_path(out, profile.name, current.name) if current else None)
        staging.close_requests()
        changes.to_csv(staging.dir / "data" / "changes.csv", index=False, lineterminator="\n")
        write_service_types(types, staging.dir / "data" / "service_types.csv")
        staging.write_json("data/neighborhoods.geojson", hoods.to_geojson())
        unchanged = current is not None and _same_data(current, staging.dir)
        version = current.name if unchanged else next_version(out, profile.name)
        report = _report(profile, input_path, rows, quarantine, hoods, header, steps, started, data_through)
        if unchanged:
            staging.discard()
            progress("done", f"unchanged: release {version} already holds this data")
            release_dir = current
        else:
            summary.update(version=version, previous_version=current.name if current else None)
            staging.write_json("changelog.json", summary)
            staging.write_json("report.json", report)
            created = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
            descriptor = build_datapackage(profile, version, created, staging.dir, release_history(out, profile.name))
            staging.write_json("datapackage.json", descriptor)
            write_index(index, _index_path(out, profile.name, version))
            faults.checkpoint("publish.staged")
            quarantine.save(private_dir / profile.name / version)
            release_dir = None
        steps.append(("package", time.perf_counter() - t))
        t = time.perf_counter()
        progress("load", f"loading into {_safe_url(db_url)}")
        if release_dir is None:
            # The release is complete on disk first; the database load is one transaction whose last step,
            # just before COMMIT, is the atomic switch of the symlink (see docs/reliability.md).
            release_dir = final_release_dir(out, profile.name, version)

            def switch():
                move_into_releases(staging, profile.name, version)
                switch_current(out, profile.name, release_dir)

            load_release(db_url, staging.dir, stored_dir=release_dir, before_commit=switch)
        elif current_version(db_url) != version:
            load_release(db_url, release_dir)
        steps.append(("load", time.perf_counter() - t))
    report["timing_seconds"] = {name: round(s, 3) for name, s in steps}
    return Result(version, release_dir, not unchanged, report, steps)


def _process(profile, input_path, out, private_dir, as_of, hoods, districts, header, superseded, progress):
    schema = load_schema("service_requests")
    staging = Staging(out, profile.timezone, to_arrow(pd.DataFrame(), profile.timezone).schema)
    quarantine = Quarantine(header)
    rows_read = published = 0
    type_counts, index_parts = [], []
    flag_counts = {"quality_flags": Counter(), "redaction_reason": Counter()}
    data_through = None
    excluded = {t.casefold() for t in profile.privacy["excluded_types"]}
    wanted = sorted(set(profile.raw_columns().values()) & set(header))
    block_bytes = int(os.environ.get("PORTAL_CHUNK_BYTES", 64 << 20))
    for raw in read_chunks(input_path, profile.input["format"], profile.input["encoding"], quarantine.bad_row,
                           delimiter=profile.input["delimiter"], columns=None, block_bytes=block_bytes):
        rows_read += len(raw)
        dup = raw["_row"].isin(superseded)
        quarantine.add_rows(raw, raw.loc[dup, "_row"], "duplicate_id_superseded", "service_request_id", "a later update of the same id wins")
        chunk = transform_chunk(raw.loc[~dup, ["_row", *wanted]], profile, as_of, hoods.bbox)
        chunk.reject(chunk.frame["service_name"].str.casefold().isin(excluded), "excluded_type", "service_name", "type is excluded by the profile")
        frame = assign_neighborhoods(chunk.frame, hoods, districts)
        frame = apply_privacy(frame, profile, hoods)
        typed = to_arrow(frame, profile.timezone)
        text = to_text(typed)
        cells = text.to_pandas()
        errors = validate_frame(cells, schema, first_row=0)
        bad_pos = sorted({e.row for e in errors})
        for e in errors:
            chunk.rejects.append((int(frame["_row"].iloc[e.row]), "schema_violation", e.field, f"{e.error} {e.constraint}".strip()))
        if bad_pos:
            keep = [i for i in range(len(frame)) if i not in set(bad_pos)]
            typed, text, frame, cells = typed.take(keep), text.take(keep), frame.iloc[keep], cells.iloc[keep]
        quarantine.add_rejects(raw, chunk.rejects)
        faults.checkpoint("read.chunk")
        staging.write_requests(typed, text)
        published += len(frame)
        for col in ("quality_flags", "redaction_reason"):
            flags = frame[col].str.split(";").explode()
            flag_counts[col].update(flags[flags != ""].value_counts().to_dict())
        type_counts.append(frame.groupby(["service_code", "service_name", "agency_responsible"]).size().rename("n").reset_index())
        index_parts.append(pd.DataFrame({"service_request_id": cells["service_request_id"].to_numpy(), "status": cells["status"].to_numpy(),
                                         "row_hash": pd.util.hash_pandas_object(cells, index=False).to_numpy()}))
        latest = pd.concat([frame["requested_datetime"], frame["updated_datetime"].dropna(), frame["closed_datetime"].dropna()]).max()
        data_through = latest if data_through is None or (pd.notna(latest) and latest > data_through) else data_through
        progress("rows", rows_read, published)
    rows_read += quarantine.unread
    if rows_read == 0:
        staging.discard()
        raise InputError(input_path, "has a header but no data rows")
    if published == 0:
        staging.discard()
        raise InputError(input_path, f"no row could be published ({quarantine.summary_line()})")
    types = build_service_types(pd.concat(type_counts), profile)
    index = pd.concat(index_parts, ignore_index=True)
    rows = {"read": rows_read, "published": published, "flags": flag_counts}
    return staging, rows, quarantine, types, index, data_through


def _report(profile, input_path, rows, quarantine, hoods, header, steps, started, data_through) -> dict:
    mapped = set(profile.raw_columns().values())
    return {
        "package": profile.name,
        "rows_read": rows["read"],
        "rows_published": rows["published"],
        "rows_quarantined": quarantine.count,
        "quarantine_reasons": quarantine.reasons(),
        "quarantine_examples": quarantine.examples(),
        "quality_flags": dict(sorted(rows["flags"]["quality_flags"].items())),
        "redactions": dict(sorted(rows["flags"]["redaction_reason"].items())),
        "checks_run": CHECKS,
        "input": {"file": input_path.name, "bytes": input_path.stat().st_size, "sha256": sha256_file(input_path),
                  "columns_read": len(header), "columns_not_published": sorted(set(header) - mapped)},
        "boundaries": {"file": hoods.source.name, "features": len(hoods.codes), "repairs": hoods.repairs},
        "data_through": None if data_through is None or pd.isna(data_through) else data_through.isoformat(),
        "software": {"name": "portal311-etl", "version": __version__},
        "timing_seconds": {name: round(s, 3) for name, s in steps} | {"total_before_load": round(time.perf_counter() - started, 3)},
    }


def _index_path(out: Path, name: str, version: str) -> Path:
    return out / "releases" / name / ".index" / f"{version}.parquet"


def _same_data(current: Path, staged: Path) -> bool:
    files = ["service_requests.csv", "service_requests.parquet", "neighborhoods.geojson", "service_types.csv"]
    return all((current / "data" / f).is_file() and sha256_file(current / "data" / f) == sha256_file(staged / "data" / f) for f in files)


def _safe_url(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def dump_report(result: Result) -> str:
    return json.dumps(result.report, indent=2)
