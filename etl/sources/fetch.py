"""Fetch a city's raw rows from the source its profile declares, into a folder of files.

``fetch(profile, dest_dir, since=...)`` asks the source for everything from ``since`` (the stored
watermark) less ``source.overlap_seconds``, or for everything when there is no watermark (a full
backfill, paged like any other fetch). It writes, in ``dest_dir`` (a private folder: the raw pages
may hold what is never published):

- ``pages/page-00001.json`` ...: every answer, byte for byte as it came;
- ``rows.csv`` or ``rows.jsonl`` (``input.format``): the rows, named and written as the city's export
  file would be, so ``python -m etl publish --input rows.csv`` with the same profile publishes them;
- ``fetch.json``: the manifest (source, pages, rows, watermarks), written last: a folder without it
  is a fetch that did not finish, whose pages are kept for inspection.

Memory stays bounded: a page at a time is held, the rows are streamed to disk. Every fault of the
source is a SourceError naming the URL, the page and the field (etl.sources.checks, .http).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InputError
from .arcgis import ArcGis
from .base import Counter, SourceError, newest_of, shift_watermark, watermark_key
from .checks import PageChecks
from .ckan import Ckan
from .http import Client
from .open311 import Open311
from .socrata import Socrata

ADAPTERS = {"socrata": Socrata, "open311": Open311, "ckan": Ckan, "arcgis": ArcGis}
# kind -> (header, value template) carrying the app token
TOKEN_HEADERS = {
    "socrata": ("X-App-Token", "{}"),
    "ckan": ("Authorization", "{}"),
    "arcgis": ("X-Esri-Authorization", "Bearer {}"),
}
MANIFEST = "fetch.json"


@dataclass
class FetchResult:
    kind: str
    source_url: str
    rows_file: Path | None  # None when nothing new was found
    pages: list[Path]
    rows: int | None  # None for a file source (the pipeline counts them)
    since: str | None  # the stored watermark the fetch started from
    lower: str | None  # what was asked for: since less the overlap
    watermark: str | None  # the new watermark: the newest seen, never older than since
    newest_update: str | None  # the newest updated_datetime among the rows, as the source wrote it
    requests: int = 0
    retries: int = 0
    repeated_rows: int = 0
    started: str = ""
    finished: str = ""
    page_rows: list[int] = field(default_factory=list)

    def manifest(self) -> dict:
        out = asdict(self)
        out["rows_file"] = self.rows_file.name if self.rows_file else None
        out["pages"] = [p.name for p in self.pages]
        return out


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def fetch(
    profile,
    dest_dir,
    *,
    since: str | None = None,
    overlap_seconds: int | None = None,
    url: str | None = None,
    progress=None,
    now: datetime | None = None,
    sleep=time.sleep,
) -> FetchResult:
    """Fetch what changed at the profile's source since ``since`` into ``dest_dir`` (see the module).

    ``url`` replaces ``source.url`` (a mirror, or a loopback replay in tests); ``progress(pages, rows,
    url)`` is called after each page; ``now`` ends the last Open311 window (default: the clock).
    """
    src, dest = profile.source, Path(dest_dir)
    if src["kind"] == "file":
        return _file_source(profile, since)
    dest.joinpath("pages").mkdir(parents=True, exist_ok=True)
    started, counter = _utc_now(), Counter()
    base = url or src["url"]
    client = Client(src, headers=_token_headers(src), sleep=sleep, counter=counter)
    try:
        adapter = ADAPTERS[src["kind"]](profile, base, client, now or datetime.now(UTC))
        overlap = src["overlap_seconds"] if overlap_seconds is None else overlap_seconds
        lower = shift_watermark(since, overlap) if since else None
        if since:
            _check_not_behind(adapter, since, base, src["watermark"])
        result = _fetch_pages(profile, adapter, dest, lower, progress)
    finally:
        client.close()
    result.update(kind=src["kind"], source_url=base, since=since, lower=lower, started=started)
    result.update(requests=counter.requests, retries=counter.retries, finished=_utc_now())
    result["watermark"] = newest_of([since or "", result["watermark"] or ""])
    done = FetchResult(**result)
    _write_manifest(dest, done)
    return done


def _token_headers(src: dict) -> dict:
    name = src["app_token_env"]
    if not name:
        return {}
    token = os.environ.get(name, "")
    if not token:
        raise SourceError(src["url"], f"the environment variable {name} (source.app_token_env) is not set")
    header, template = TOKEN_HEADERS[src["kind"]]
    return {header: template.format(token)}


def _check_not_behind(adapter, since: str, base: str, watermark: str) -> None:
    newest = adapter.newest()
    if newest is not None and watermark_key(newest) < watermark_key(since):
        raise SourceError(
            base,
            f"the source's newest value is {newest}, before the stored watermark {since}: the watermark moved "
            "backwards (data restored at the source, or another dataset?)",
            field=watermark,
        )


def _fetch_pages(profile, adapter, dest: Path, lower: str | None, progress) -> dict:
    src = profile.source
    checks = PageChecks(profile, lower=lower, ordered=adapter.ordered, watermark=src["watermark"])
    writer = RowsWriter(dest, profile)
    updated_column = profile.columns["updated_datetime"]
    pages, page_rows, marks, newest_update = [], [], None, None
    try:
        for number, page in enumerate(adapter.pages(lower), 1):
            path = dest / "pages" / f"page-{number:05d}.{page.suffix}"
            path.write_bytes(page.body)
            pages.append(path)
            checks.check(number, page)
            writer.write(page.rows)
            page_rows.append(len(page.rows))
            marks = newest_of([marks or "", *page.watermarks])
            if updated_column:
                newest_update = newest_of([newest_update or "", *(r.get(updated_column, "") for r in page.rows)])
            if progress:
                progress(number, writer.count, page.url)
    except BaseException:
        writer.abandon()
        raise
    rows_file = writer.finish()
    return {
        "rows_file": rows_file,
        "pages": pages,
        "rows": writer.count,
        "watermark": marks,
        "newest_update": newest_update,
        "repeated_rows": checks.repeated,
        "page_rows": page_rows,
    }


def _write_manifest(dest: Path, result: FetchResult) -> None:
    tmp = dest / f".{MANIFEST}.part"
    tmp.write_text(json.dumps(result.manifest(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest / MANIFEST)


def _file_source(profile, since: str | None) -> FetchResult:
    """A ``file`` source: the export itself is the rows file (never copied, never changed); its
    watermark is its content hash, so an unchanged file is 'nothing new'."""
    path = profile.resolve(profile.source["path"]) if profile.source["path"] else None
    if path is None or not path.is_file():
        raise InputError(path or profile.path, "source.path names no file to read (source.kind is file)")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    mark = f"sha256:{digest.hexdigest()}"
    same = mark == since
    return FetchResult(
        kind="file",
        source_url=str(path),
        rows_file=None if same else path,
        pages=[path],
        rows=0 if same else None,
        since=since,
        lower=since,
        watermark=mark,
        newest_update=None,
    )


class RowsWriter:
    """Streams rows to ``rows.jsonl``; for a CSV profile, rewrites them at the end as ``rows.csv`` with
    every column seen (a source may leave out empty fields, so the header is known only at the end)."""

    def __init__(self, dest: Path, profile):
        self.dest, self.input = dest, profile.input
        self.part = dest / "rows.jsonl.part"
        self.file = open(self.part, "w", encoding="utf-8")
        self.columns: dict[str, None] = {}
        self.count = 0

    def write(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            self.file.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.columns.update(dict.fromkeys(row))
        self.count += len(rows)

    def abandon(self) -> None:
        """A failed fetch: the raw pages stay; the half-written rows file (``.part``) is not a result."""
        self.file.close()

    def finish(self) -> Path | None:
        """The rows file, or None (and no file) when there were no rows."""
        self.file.close()
        if not self.count:
            self.part.unlink()
            return None
        if self.input["format"] == "json":
            final = self.dest / "rows.jsonl"
            os.replace(self.part, final)
            return final
        final = self.dest / "rows.csv"
        self._write_csv(final)
        self.part.unlink()
        return final

    def _write_csv(self, final: Path) -> None:
        header = list(self.columns)
        tmp = final.with_suffix(".csv.part")
        encoding = self.input["encoding"]
        with open(self.part, encoding="utf-8") as rows, open(tmp, "w", encoding=encoding, newline="") as out:
            writer = csv.writer(out, delimiter=self.input["delimiter"], lineterminator="\n")
            writer.writerow(header)
            for number, line in enumerate(rows, 1):
                row = json.loads(line)
                try:
                    writer.writerow([row.get(c, "") for c in header])
                except UnicodeEncodeError:
                    bad = next(c for c in header if not _encodes(row.get(c, ""), encoding))
                    raise InputError(final, f"text not representable in {encoding}", row=number, field=bad) from None
        os.replace(tmp, final)


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
