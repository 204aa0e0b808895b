"""JSON exports: an array of records (Socrata style), an object wrapping that array (Open311 style:
``{"requests": [...]}`` or ``{"service_requests": [...]}``), or JSON lines.

Rules: a key that appears twice in one record keeps its last *meaningful* value (not a later
null or blank); the text "null" (any case) means missing; a nested object is kept as JSON text and
also spread into ``key.member`` columns (``extended_attributes.channel``); a record that does not
parse, or is not an object, is reported as a bad row and the rest of the file is still read where
possible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .base import WRAPPER_KEYS, cells

CHUNK_ROWS = 100_000
EXPECTED = (
    "expected a JSON array of records, an object wrapping one "
    '({"requests": [...]} or {"service_requests": [...]}), or JSON lines'
)


def _meaningful(v) -> bool:
    return v is not None and not (isinstance(v, str) and v.strip().casefold() in ("", "null"))


def _merge_pairs(pairs):
    out = {}
    for k, v in pairs:
        if k not in out or _meaningful(v):
            out[k] = v
    return out


def record_cells(record: dict) -> dict[str, str]:
    """The record's cells; the text "null" or a blank, at any depth, is missing."""
    return {k: "" if v.strip().casefold() in ("", "null") else v for k, v in cells(record).items()}


def _records(path: Path, encoding: str, on_bad_row) -> Iterator[tuple[int, dict]]:
    """(record number, record) of every readable record; the numbers count unreadable records too."""
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not {encoding} text (byte {exc.start}): unreadable encoding") from None
    text = text.lstrip("\ufeff")
    decoder = json.JSONDecoder(object_pairs_hook=_merge_pairs)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(path, "file is empty")
    if stripped[0] == "[":
        yield from _array_records(stripped, 0, decoder, on_bad_row, _nothing_after)
    elif stripped[0] == "{" and (start := _wrapped_array(stripped, decoder)) is not None:
        yield from _array_records(stripped, start, decoder, on_bad_row, _rest_of_object)
    else:
        yield from _line_records(stripped, decoder, on_bad_row)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _wrapped_array(text: str, decoder: json.JSONDecoder) -> int | None:
    """Where the array starts when ``text`` is one object wrapping the records under a WRAPPER_KEYS
    key; None when the first object is a record (JSON lines). Only the first object's keys are read."""
    pos = 1
    while True:
        pos = _skip_space(text, pos)
        try:
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip_space(text, pos)
            if not isinstance(key, str) or text[pos : pos + 1] != ":":
                return None
            pos = _skip_space(text, pos + 1)
            if key in WRAPPER_KEYS and text[pos : pos + 1] == "[":
                return pos
            _value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        pos = _skip_space(text, pos)
        if text[pos : pos + 1] != ",":
            return None
        pos += 1


def _nothing_after(rest: str) -> str | None:
    return f"garbage after the JSON array: {rest[:60]!r}" if rest else None


def _rest_of_object(rest: str) -> str | None:
    """The members after the wrapped array, up to the object's closing brace."""
    try:
        if rest.startswith("}") and not rest[1:].strip():
            return None
        if rest.startswith(",") and isinstance(json.loads("{" + rest[1:]), dict):
            return None
    except json.JSONDecodeError:
        pass
    return f"garbage after the wrapped JSON array: {rest[:60]!r}"


def _array_records(text: str, start: int, decoder: json.JSONDecoder, on_bad_row, tail) -> Iterator[tuple[int, dict]]:
    """The records of the array that opens at ``start``; ``tail`` judges what follows its end."""
    pos, n, row = start + 1, len(text), 0
    while True:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            on_bad_row(None, None, "malformed_row", f"the JSON array is not closed after record {row}")
            return
        if text[pos] == "]":
            problem = tail(text[pos + 1 :].strip())
            if problem:
                on_bad_row(None, None, "malformed_row", problem)
            return
        row += 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            on_bad_row(
                row,
                None,
                "malformed_row",
                f"record does not parse as JSON: {exc.msg}; the records after it cannot be read",
            )
            return
        if isinstance(value, dict):
            yield row, value
        else:
            on_bad_row(row, None, "malformed_row", f"record is a {type(value).__name__}, not an object")


def _line_records(text: str, decoder: json.JSONDecoder, on_bad_row) -> Iterator[tuple[int, dict]]:
    row = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        row += 1
        try:
            value = decoder.decode(line)
        except json.JSONDecodeError as exc:
            on_bad_row(row, None, "malformed_row", f"line does not parse as JSON: {exc.msg}")
            continue
        if isinstance(value, dict):
            yield row, value
        else:
            on_bad_row(row, None, "malformed_row", f"record is a {type(value).__name__}, not an object")


def read_json_header(path: Path, encoding: str) -> list[str]:
    """Every key of every record, in order of first appearance. Socrata leaves out null fields, so a
    column may first appear in any record: all records are scanned, not a sample."""
    keys: dict[str, None] = {}
    bad: list[str] = []
    for _row, rec in _records(path, encoding, lambda *a: bad.append(a[3])):
        keys.update(dict.fromkeys(cells(rec)))
    if not keys:
        why = f" ({bad[0]})" if bad else ""
        raise InputError(path, f"no JSON records found{why}; {EXPECTED}")
    return list(keys)


def read_json_chunks(path: Path, encoding: str, on_bad_row, *, columns) -> Iterator[pd.DataFrame]:
    header = read_json_header(path, encoding)
    wanted = header if columns is None else [c for c in header if c in set(columns)]
    buf: list[dict] = []
    rows: list[int] = []
    for row, rec in _records(path, encoding, on_bad_row):
        rows.append(row)
        buf.append(rec)
        if len(buf) >= CHUNK_ROWS:
            yield frame_of(buf, wanted, rows)
            buf, rows = [], []
    if buf:
        yield frame_of(buf, wanted, rows)


def frame_of(records: list[dict], columns: list[str], rows: list[int]) -> pd.DataFrame:
    """``_row`` is the record's number in the file, so it matches the numbers given to on_bad_row."""
    flat = [record_cells(r) for r in records]
    data = {c: [r.get(c, "") for r in flat] for c in columns}
    frame = pd.DataFrame(data, dtype="str")
    frame.insert(0, "_row", rows)
    return frame
