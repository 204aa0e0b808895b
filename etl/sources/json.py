"""JSON exports: an array of records (Socrata style) or JSON lines.

Rules: a key that appears twice in one record keeps its last *meaningful* value (not a later
null or blank); the text "null" (any case) means missing; a record that does not parse, or is
not an object, is reported as a bad row and the rest of the file is still read where possible.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..errors import InputError

CHUNK_ROWS = 100_000


def _meaningful(v) -> bool:
    return v is not None and not (isinstance(v, str) and v.strip().casefold() in ("", "null"))


def _merge_pairs(pairs):
    out = {}
    for k, v in pairs:
        if k not in out or _meaningful(v):
            out[k] = v
    return out


def _cell(v) -> str:
    if not _meaningful(v):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


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
        yield from _array_records(path, stripped, decoder, on_bad_row)
    else:
        yield from _line_records(stripped, decoder, on_bad_row)


def _array_records(path: Path, text: str, decoder: json.JSONDecoder, on_bad_row) -> Iterator[tuple[int, dict]]:
    pos, n, row = 1, len(text), 0
    while True:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n:
            on_bad_row(None, None, "malformed_row", f"the JSON array is not closed after record {row}")
            return
        if text[pos] == "]":
            rest = text[pos + 1 :].strip()
            if rest:
                on_bad_row(None, None, "malformed_row", f"garbage after the JSON array: {rest[:60]!r}")
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
    for _row, rec in _records(path, encoding, lambda *a: None):
        keys.update(dict.fromkeys(rec))
    if not keys:
        raise InputError(path, "no JSON records found")
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
            yield _frame(buf, wanted, rows)
            buf, rows = [], []
    if buf:
        yield _frame(buf, wanted, rows)


def _frame(records: list[dict], columns: list[str], rows: list[int]) -> pd.DataFrame:
    """``_row`` is the record's number in the file, so it matches the numbers given to on_bad_row."""
    data = {c: [_cell(r.get(c)) for r in records] for c in columns}
    frame = pd.DataFrame(data, dtype="str")
    frame.insert(0, "_row", rows)
    return frame
