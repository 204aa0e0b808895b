"""The run's ``report.json``: what was read, published and quarantined, and why (no raw values).

The public report names reasons, counts and example row numbers with the field and the raw
column, never a value: a quarantined row may hold exactly the personal data the release must not
show (the raw rows go only to the private folder, etl/quarantine.py).
"""

from __future__ import annotations

import pandas as pd

from . import __version__
from .chunks import RunStats
from .io.hashing import sha256_file
from .quarantine import Quarantine
from .run import Run

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


def build_report(run: Run, stats: RunStats, quarantine: Quarantine, rows_in_release: int, incremental: bool) -> dict:
    ctx, input_path, header = run.ctx, run.input_path, run.header
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
        "base_version": run.current.name if incremental and run.current else None,
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
