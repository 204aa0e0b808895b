"""Target 2: our validator and frictionless on files with seeded errors; the same errors, and their times.

Two parts:
1. the seeded files of tests/fixtures/validate (every constraint of the published schema, row
   shape, and the values the two read alike only by care): both must report exactly
   ``expected.csv``;
2. at scale: the published ``service_requests.csv`` of a ``rows``-row release with the seeded
   files' errors planted every 1,000 rows (``bench.seeded.tile``); both validators must report
   exactly the planted errors. Each is timed (median of runs).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from etl.validate import load_schema

from . import inputs, seeded
from .agreement import by_type, frictionless_keys, our_keys
from .measure import summary, timed


def check_fixtures() -> list[dict]:
    schema = load_schema()
    wanted = seeded.expected()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        built = seeded.build_seeded(Path(tmp))
        built["valid.csv"] = seeded.FIXTURES / "valid.csv"
        for name, path in sorted(built.items()):
            s = seeded.schema_for(name, schema)
            exp = Counter(wanted.get(name, []))
            ours, theirs = Counter(our_keys(path, s)), Counter(frictionless_keys(path, s))
            rows.append(
                {
                    "file": name,
                    "expected": sum(exp.values()),
                    "ours_agree": ours == exp,
                    "frictionless_agree": theirs == exp,
                    "types": ", ".join(f"{k} {v}" for k, v in by_type(exp.elements()).items()),
                }
            )
    return rows


def bench_validate(work: Path, city: str, rows: int, runs: int, every: int = 1000) -> dict:
    release = inputs.ensure_release(work, city, rows)
    seeded_csv = work / "validate" / f"{city}-{rows}-seeded.csv"
    planted = seeded.tile(release.dir / "data" / "service_requests.csv", seeded_csv, every)
    schema = load_schema()
    ours_t, fl_t = [], []
    for _ in range(runs):
        t, ours = timed(our_keys, seeded_csv, schema)
        ours_t.append(t)
        t, theirs = timed(frictionless_keys, seeded_csv, schema)
        fl_t.append(t)
    exp, ours_c, theirs_c = Counter(planted), Counter(ours), Counter(theirs)
    fixtures = check_fixtures()
    return {
        "target": "validate",
        "city": city,
        "rows": rows,
        "runs": runs,
        "file": str(seeded_csv),
        "fixtures": fixtures,
        "planted_errors": len(planted),
        "planted_by_type": by_type(planted),
        "ours_agree": ours_c == exp,
        "frictionless_agree": theirs_c == exp,
        "only_ours": sorted((ours_c - exp).elements())[:20],
        "only_frictionless": sorted((theirs_c - exp).elements())[:20],
        "missed_by_ours": sorted((exp - ours_c).elements())[:20],
        "missed_by_frictionless": sorted((exp - theirs_c).elements())[:20],
        "ours_seconds": summary(ours_t),
        "frictionless_seconds": summary(fl_t),
        "ok": ours_c == exp == theirs_c and all(r["ours_agree"] and r["frictionless_agree"] for r in fixtures),
    }


def validate_rows(result: dict) -> list[dict]:
    return [
        {
            "file": f"{result['rows']:,} rows, seeded",
            "errors": result["planted_errors"],
            "ours_agree": result["ours_agree"],
            "frictionless_agree": result["frictionless_agree"],
            "ours_s": result["ours_seconds"]["median"],
            "frictionless_s": result["frictionless_seconds"]["median"],
        }
    ]
