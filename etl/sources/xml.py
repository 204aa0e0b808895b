"""GeoReport v2 XML: ``<service_requests><request>...</request>...</service_requests>``.

Each child of the root element is a record; each of its child elements a field. A field with child
elements of its own becomes a nested object (or a list, when its children repeat one tag, as
``<notes><note>...</note></notes>``), so the same columns come out as from the JSON answer:
``extended_attributes.channel``, ``notes`` as JSON text. XML attributes are ignored. The document is
read in blocks (memory stays bounded), and a DOCTYPE or entity declaration is refused: a source has
no business defining entities, and refusing them rules out entity-expansion attacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from xml.parsers import expat

import pandas as pd

from ..errors import InputError
from .json import frame_of, record_cells

BLOCK_BYTES = 1 << 20


class XmlRefused(Exception):
    """The document declares a DOCTYPE or entities."""


class XmlBroken(Exception):
    """The document does not parse (the records before the fault were yielded)."""


def _value(tag: str, children: list[tuple[str, object]], text: list[str]):
    if not children:
        return "".join(text).strip()
    tags = {t for t, _ in children}
    if len(tags) == 1 and (len(children) > 1 or tag == f"{next(iter(tags))}s"):
        return [v for _, v in children]
    out: dict = {}
    for t, v in children:
        if t in out:
            out[t] = (out[t] if isinstance(out[t], list) else [out[t]]) + [v]
        else:
            out[t] = v
    return out


def _refuse(*_args):
    raise XmlRefused("the XML declares a DOCTYPE or entities, which are refused")


def iter_xml_records(blocks: Iterable[bytes]) -> Iterator[dict | str]:
    """The records of a GeoReport XML document fed as ``blocks`` of bytes: a dict per record, or the
    record's text when it has no fields. Raises XmlBroken or XmlRefused."""
    parser = expat.ParserCreate()
    stack: list[tuple[str, list, list]] = []
    done: list = []

    def start(tag, _attrs):
        stack.append((tag, [], []))

    def end(_tag):
        tag, children, text = stack.pop()
        value = _value(tag, children, text)
        if len(stack) == 1:
            done.append(value)
        elif stack:
            stack[-1][1].append((tag, value))

    def chars(data):
        if len(stack) > 1:
            stack[-1][2].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse
    for block in chain(blocks, [None]):
        try:
            parser.Parse(block or b"", block is None)
        except expat.ExpatError as exc:
            yield from done
            raise XmlBroken(f"XML does not parse: {expat.errors.messages[exc.code]} (line {exc.lineno})") from None
        yield from done
        done.clear()


def _file_blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(BLOCK_BYTES):
            yield block


def _records(path: Path, on_bad_row) -> Iterator[tuple[int, dict]]:
    row = 0
    try:
        for rec in iter_xml_records(_file_blocks(path)):
            row += 1
            if isinstance(rec, dict):
                yield row, rec
            else:
                on_bad_row(row, None, "malformed_row", "record has no fields")
    except XmlBroken as exc:
        on_bad_row(None, None, "malformed_row", f"{exc} after record {row}; the records after it cannot be read")
    except XmlRefused as exc:
        raise InputError(path, str(exc)) from None


def read_xml_header(path: Path) -> list[str]:
    """Every column of every record, in order of first appearance (fields may be left out)."""
    keys: dict[str, None] = {}
    bad: list[str] = []
    for _row, rec in _records(path, lambda *a: bad.append(a[3])):
        keys.update(dict.fromkeys(record_cells(rec)))
    if not keys:
        why = f" ({bad[0]})" if bad else ""
        raise InputError(path, f"no XML records found{why}; expected GeoReport v2 <service_requests><request>...")
    return list(keys)


def read_xml_chunks(path: Path, on_bad_row, *, columns, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
    header = read_xml_header(path)
    wanted = header if columns is None else [c for c in header if c in set(columns)]
    buf, rows = [], []
    for row, rec in _records(path, on_bad_row):
        buf.append(rec)
        rows.append(row)
        if len(buf) >= chunk_rows:
            yield frame_of(buf, wanted, rows)
            buf, rows = [], []
    if buf:
        yield frame_of(buf, wanted, rows)
