"""Readers per export format (not per city). Each yields chunks of raw rows as text.

Formats: ``csv``, ``json`` (an array, an object wrapping one, or JSON lines) and ``xml`` (GeoReport v2).
Fetching from a city's API (Socrata, Open311, CKAN, ArcGIS) is in ``etl.sources.fetch``; it writes
the rows it fetched as a file these readers read, so every source ends in the same pipeline.

A chunk is a DataFrame whose columns are the raw file's columns, every value a ``str`` ('' for
missing), plus ``_row``: the 1-based number of the data record in the file (the header is row 0).
Rows that cannot be read at all (wrong number of fields, bytes that are not text in the profile's
encoding, a broken JSON record) are not in any chunk: the reader reports them through
``on_bad_row(row, field, reason, detail)`` so they are counted and quarantined, never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .csv import locate_malformed, read_csv_chunks, read_csv_header
from .json import read_json_chunks, read_json_header
from .xml import read_xml_chunks, read_xml_header

BadRow = Callable[[int | None, str | None, str, str], None]

__all__ = ["read_chunks", "read_header", "locate_malformed", "BadRow", "FORMATS"]

FORMATS = ("csv", "json", "xml")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise InputError(path, "file is empty")


def read_header(path: Path, fmt: str, encoding: str, delimiter: str = ",") -> list[str]:
    """The raw column names, or an InputError that says why the file is unusable."""
    path = Path(path)
    _check_file(path)
    if fmt == "csv":
        return read_csv_header(path, encoding, delimiter)
    if fmt == "json":
        return read_json_header(path, encoding)
    if fmt == "xml":
        return read_xml_header(path)
    raise InputError(path, f"unknown input format {fmt!r} (csv, json or xml)")


def read_chunks(
    path: Path,
    fmt: str,
    encoding: str,
    on_bad_row: BadRow,
    *,
    delimiter: str = ",",
    columns: list[str] | None = None,
    block_bytes: int = 64 << 20,
    threads: bool = False,
    malformed: list | None = None,
) -> Iterator[pd.DataFrame]:
    path = Path(path)
    _check_file(path)
    if fmt == "csv":
        yield from read_csv_chunks(
            path,
            encoding,
            on_bad_row,
            delimiter=delimiter,
            columns=columns,
            block_bytes=block_bytes,
            threads=threads,
            malformed=malformed,
        )
    elif fmt == "json":
        yield from read_json_chunks(path, encoding, on_bad_row, columns=columns)
    elif fmt == "xml":
        yield from read_xml_chunks(path, on_bad_row, columns=columns)
    else:
        raise InputError(path, f"unknown input format {fmt!r} (csv, json or xml)")
