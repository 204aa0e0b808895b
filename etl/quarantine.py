"""Rows kept out of the release: counted by reason in the public report, kept raw only in a private folder.

The public report names reasons, counts and example row numbers with the field, never values:
a quarantined row may hold exactly the personal data the release must not show.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

EXAMPLES_PER_REASON = 5


class Quarantine:
    def __init__(self, header: list[str]):
        self.header = header
        self.counts: Counter = Counter()
        self.samples: dict[str, list[dict]] = defaultdict(list)
        self.records: list[dict] = []  # row, reason, field, detail (private)
        self.raw_rows: list[pd.DataFrame] = []
        self.unread = 0  # records the reader could not turn into a row at all

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def note(self, row, reason: str, field, detail: str) -> None:
        self.counts[reason] += 1
        if len(self.samples[reason]) < EXAMPLES_PER_REASON:
            self.samples[reason].append({"row": row, "field": field})
        if len(self.records) < 1_000_000:
            self.records.append({"row": row, "reason": reason, "field": field or "", "detail": detail})

    def bad_row(self, row, field, reason: str, detail: str) -> None:
        """Reader callback: a record that could not be read (it never reaches a chunk)."""
        self.unread += 1
        self.note(row, reason, field, detail)

    def add_rows(self, raw: pd.DataFrame, rows, reason: str, field, detail: str) -> None:
        rows = list(rows)
        for r in rows:
            self.note(int(r), reason, field, detail)
        if rows:
            self.raw_rows.append(raw[raw["_row"].isin(rows)])

    def add_rejects(self, raw: pd.DataFrame, rejects: list[tuple[int, str, str | None, str]]) -> None:
        seen = set()
        for row, reason, field, detail in rejects:
            if row in seen:
                continue
            seen.add(row)
            self.note(row, reason, field, detail)
        if seen:
            self.raw_rows.append(raw[raw["_row"].isin(seen)])

    def merge(self, other: Quarantine) -> None:
        """Take over what a worker's quarantine recorded (rows of one chunk)."""
        for reason, n in other.counts.items():
            self.counts[reason] += n
            room = EXAMPLES_PER_REASON - len(self.samples[reason])
            self.samples[reason].extend(other.samples[reason][: max(room, 0)])
        self.records.extend(other.records[: max(0, 1_000_000 - len(self.records))])
        self.raw_rows.extend(other.raw_rows)
        self.unread += other.unread

    def reasons(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def examples(self) -> dict[str, list[dict]]:
        return {k: v for k, v in sorted(self.samples.items())}

    def summary_line(self) -> str:
        return ", ".join(f"{k}: {v}" for k, v in self.reasons().items()) or "none"

    def save(self, folder: Path) -> None:
        """Write the private quarantine: reasons per row and the raw rows (never inside the published package)."""
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(self.records, columns=["row", "reason", "field", "detail"]).to_csv(
            folder / "quarantine_reasons.csv", index=False
        )
        raw = pd.concat(self.raw_rows) if self.raw_rows else pd.DataFrame(columns=["_row", *self.header])
        raw.to_csv(folder / "quarantine_rows.csv", index=False)
