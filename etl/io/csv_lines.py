"""A published CSV's records copied as bytes, and the line lengths that locate them.

An incremental run keeps most of the current release's records. They are copied from its CSV as
byte ranges by the kernel (``copy_file_range``) instead of being formatted again, which is exact
because the CSVs this package writes hold one record per line (published cells hold no line
breaks; ``copy_records`` refuses any other file). To know where the lines are without reading
the file, each release keeps its CSV's line lengths next to its index
(``releases/<name>/.index/<version>.csv-lines.npy``); they are trusted only where they can be
checked against the file (``known_line_ends``), else the file is read.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np

# next to a release's index (releases/<name>/.index/<version>.parquet): its CSV's line lengths
LINES_SUFFIX = ".csv-lines.npy"


def copy_records(
    source: Path, out, records: int, drop: np.ndarray, line_lengths: np.ndarray | None = None
) -> np.ndarray | None:
    """Append ``source``'s header and records to the open file ``out``, except the 0-based record
    numbers ``drop``, as bytes. Returns the lengths of the lines copied (header first), or None,
    having written nothing, when ``source`` does not have exactly ``records`` + 1 lines.
    ``line_lengths``: the byte length of each of its lines, header first, used only if they add up
    to the file and every line they say ends next to a dropped record ends there with a line break."""
    drop_lines = np.sort(np.asarray(drop, dtype=np.int64)) + 1  # line 0 is the header
    with open(source, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        ends = known_line_ends(f.fileno(), size, records + 1, line_lengths, drop_lines)
        if ends is None:
            ends = line_ends(f)
        if size == 0 or len(ends) != records + 1 or ends[-1] != size - 1:
            return None
        out.flush()
        starts = np.concatenate([[0], ends[:-1] + 1])
        at = 0
        for line in drop_lines.tolist():
            copy_range(f.fileno(), out.fileno(), at, int(starts[line]) - at)
            at = int(ends[line]) + 1
        copy_range(f.fileno(), out.fileno(), at, size - at)
        out.seek(0, os.SEEK_END)
    return np.delete(np.diff(ends, prepend=-1), drop_lines)


def line_ends(f, block: int = 1 << 20) -> np.ndarray:
    """Offsets of every b"\\n" in the open file ``f``, read in blocks into the same buffers."""
    ends, buf, newline, at = [], bytearray(block), np.empty(block, bool), 0
    while n := f.readinto(buf):
        np.equal(np.frombuffer(buf, np.uint8, n), 10, out=newline[:n])
        ends.append(np.flatnonzero(newline[:n]) + at)
        at += n
    return np.concatenate(ends) if ends else np.empty(0, np.int64)


def known_line_ends(
    fd: int, size: int, lines: int, lengths: np.ndarray | None, drop_lines: np.ndarray
) -> np.ndarray | None:
    """The line ends ``lengths`` give, if they fit the open file ``fd`` of ``size`` bytes and
    ``lines`` lines: as many lengths, adding up to its size, and a line break where they say the
    last line and each line around a dropped one end. Else None."""
    if lengths is None or len(lengths) != lines or lines == 0 or (lengths <= 0).any():
        return None
    ends = np.cumsum(lengths, dtype=np.int64) - 1
    if ends[-1] != size - 1 or (len(drop_lines) and drop_lines[-1] >= len(ends)):
        return None
    around = np.unique(np.concatenate([[len(ends) - 1], drop_lines, drop_lines - 1]))
    if any(os.pread(fd, 1, int(ends[line])) != b"\n" for line in around.tolist()):
        return None
    return ends


def copy_range(src: int, dst: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``src`` from ``offset`` to ``dst`` (at its current position)."""
    while count > 0:
        done = os.copy_file_range(src, dst, count, offset)
        if done == 0:
            raise OSError(errno.EIO, "short copy", str(src))
        offset, count = offset + done, count - done


def save_line_lengths(lengths: np.ndarray | None, index_file: Path) -> None:
    """A release's CSV line lengths next to its index (none when unknown or a line is 4 GB or more)."""
    if lengths is not None and len(lengths) and lengths.max() < 2**32:
        index_file.parent.mkdir(parents=True, exist_ok=True)
        np.save(index_file.with_name(index_file.stem + LINES_SUFFIX), lengths.astype(np.uint32))


def load_line_lengths(index_file: Path) -> np.ndarray | None:
    """The line lengths ``save_line_lengths`` kept; None when there are none or they cannot be read
    (the CSV is then read instead)."""
    try:
        return np.load(index_file.with_name(index_file.stem + LINES_SUFFIX)).astype(np.int64)
    except (OSError, ValueError):
        return None
