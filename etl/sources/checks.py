"""Faults a source shows across the pages of one fetch, each a SourceError naming URL, page and field.

- a required column (the profile's id, status, type, request date) missing from the first answer;
- a mapped column that leaves the answers after the first one (renamed or removed at the source):
  against the fields an answer declares, or, for answers that declare none (Open311), against the
  columns every row of the first non-empty answer had;
- a page that repeats rows of the page before it unchanged (same id, same watermark) for at least
  half of its rows: the source ignored the offset. A few repeats are expected when rows are written
  late at the source during a fetch; they are counted, and the pipeline keeps one copy of each;
- a watermark older than the lower bound asked for, or, for sources that answer in watermark order,
  older than the row before it: the source's watermark moved backwards.
"""

from __future__ import annotations

from ..profile import REQUIRED_MAPPINGS
from .base import Page, SourceError, watermark_key


class PageChecks:
    def __init__(self, profile, *, lower: str | None, ordered: bool, watermark: str):
        self.id_column = profile.columns["service_request_id"]
        self.mapped = {column: field for field, column in profile.raw_columns().items()}
        self.required = {profile.columns[f]: f for f in REQUIRED_MAPPINGS}
        self.lower, self.lower_key = lower, watermark_key(lower) if lower else None
        self.ordered, self.watermark = ordered, watermark
        self.baseline: set[str] | None = None
        self.baseline_page = 0
        self.seen: set[str] = set()
        self.previous: dict[str, str] = {}
        self.last: tuple | None = None
        self.repeated = 0

    def check(self, number: int, page: Page) -> None:
        self._columns(number, page)
        self._repeats(number, page)
        self._watermarks(number, page)

    def _columns(self, number: int, page: Page) -> None:
        if page.fields is None and not page.rows:
            return
        present = set(page.fields) if page.fields is not None else set().union(*page.rows)
        if self.baseline is None:
            missing = [c for c in self.required if c not in present]
            if missing:
                raise SourceError(
                    page.url,
                    f"the source has no field {missing[0]!r} (for {self.required[missing[0]]}): "
                    f"is [columns] written for this source? It has {len(present)} fields",
                    page=number,
                    field=missing[0],
                )
            steady = present if page.fields is not None else set.intersection(*(set(r) for r in page.rows))
            self.baseline, self.baseline_page = {c for c in self.mapped if c in steady}, number
            self.seen = set(present)
            return
        gone = sorted(self.baseline - present)
        if gone:
            new = sorted(present - self.seen)
            raise SourceError(
                page.url,
                f"no longer in the answer (it was on page {self.baseline_page}; it holds "
                f"{self.mapped[gone[0]]}){'; new: ' + ', '.join(map(repr, new)) if new else ''}: "
                "renamed or removed at the source",
                page=number,
                field=gone[0],
            )
        self.seen |= present

    def _repeats(self, number: int, page: Page) -> None:
        ids = [row.get(self.id_column, "") for row in page.rows]
        current = dict(zip(ids, page.watermarks, strict=True))
        again = [i for i in ids if i in self.previous and self.previous[i] == current[i]]
        if again and 2 * len(again) >= len(ids):
            raise SourceError(
                page.url,
                f"{len(again)} of {len(ids)} rows repeat rows of page {number - 1} unchanged (first: id "
                f"{again[0]!r}): the source's paging is broken (offset ignored?)",
                page=number,
                field=self.id_column,
            )
        self.repeated += len(again)
        self.previous = current

    def _watermarks(self, number: int, page: Page) -> None:
        for row, mark in zip(page.rows, page.watermarks, strict=True):
            rid = row.get(self.id_column, "")
            if not mark:
                if self.lower is not None:
                    self._fail(number, page, f"row id {rid!r} has no value although rows from {self.lower} were asked")
                continue
            key = watermark_key(mark)
            if self.lower_key is not None and key < self.lower_key:
                self._fail(
                    number,
                    page,
                    f"row id {rid!r} has {mark}, before {self.lower} asked for: the source ignored the lower "
                    "bound, or its watermark moved backwards",
                )
            if self.ordered and self.last is not None and key < self.last[0]:
                self._fail(
                    number,
                    page,
                    f"row id {rid!r} has {mark}, before {self.last[1]} of the row before it (id {self.last[2]!r}) "
                    "in the source's own order: the watermark moved backwards",
                )
            self.last = (key, mark, rid)

    def _fail(self, number: int, page: Page, problem: str) -> None:
        raise SourceError(page.url, problem, page=number, field=self.watermark)
