"""What every step of a run needs, gathered before the first one (``prepare``), and its clock.

``prepare`` loads what a run cannot start without, failing early with one line naming the file:
the profile, the neighborhood (and district) boundaries, and the input's header with the columns
the profile requires.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .cells import to_arrow
from .chunks import Context
from .errors import InputError
from .geo import load_boundaries
from .io.hashing import sha256_file
from .profile import REQUIRED_MAPPINGS, Profile
from .runtime import Tuning
from .sources import read_chunks, read_header

DATA_FILES = ("service_requests.csv", "service_requests.parquet", "neighborhoods.geojson", "service_types.csv")


class Timer:
    """Seconds per named step, in the order they end (``report.json``'s ``timing_seconds``)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 3)
        self._t = now


@dataclass
class Run:
    ctx: Context
    input_path: Path
    header: list[str]
    out: Path
    db_url: str
    private_dir: Path
    progress: Callable
    tuning: Tuning
    current: Path | None = None  # the current release's folder, if there is one
    new_version: str = ""  # the version this run publishes, unless the data are unchanged
    malformed: list | None = None  # exact places of the CSV records that could not be read, if any
    timer: Timer = field(default_factory=Timer)

    @property
    def profile(self) -> Profile:
        return self.ctx.profile

    def index_path(self, version: str) -> Path:
        """The index of release ``version``: id, status and row hash of each request (for changelogs)."""
        return self.out / "releases" / self.profile.name / ".index" / f"{version}.parquet"

    def read_chunks(self, quarantine):
        """The input's chunks of raw rows (records that cannot be read go to ``quarantine``)."""
        profile = self.profile
        return read_chunks(
            self.input_path,
            profile.input["format"],
            profile.input["encoding"],
            quarantine.bad_row,
            delimiter=profile.input["delimiter"],
            columns=self.ctx.wanted,
            block_bytes=self.tuning.chunk_bytes,
            threads=False,
            malformed=self.malformed,
        )

    def arrow_schema(self) -> pa.Schema:
        """The published columns, typed (the Parquet file's schema)."""
        return to_arrow(pd.DataFrame(), self.profile.timezone).schema


def prepare(profile: Profile, input_path: Path, boundaries, as_of: datetime | None) -> tuple[Context, list[str]]:
    """The run's Context and the input's header."""
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
    return Context(profile, as_of, hoods, districts, wanted, set()), header


def same_data(current: Path, staged: Path) -> bool:
    """Do the staged data files hash the same as the current release's (as its datapackage.json records)?"""
    try:
        recorded = {
            r["path"]: r["hash"]
            for r in json.loads((current / "datapackage.json").read_text(encoding="utf-8"))["resources"]
        }
    except (OSError, ValueError, KeyError):
        return False
    return all(recorded.get(f"data/{f}") == f"sha256:{sha256_file(staged / 'data' / f)}" for f in DATA_FILES)
