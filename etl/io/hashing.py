"""sha256 of the files a release is described by, each file read once, and fsync.

``sha256_file`` remembers what it hashed by (path, size, modification time): a file hashed in
the background while the run went on (``staging``) is not read again when ``datapackage.json``
is written, and a file changed since is read again.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

BLOCK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file; a file unchanged since it was last hashed is not read again."""
    st = os.stat(path)
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    return _HASHED.get(key) or _sha256(*key)


_HASHED: dict[tuple, str] = {}  # (path, size, mtime) -> sha256 of the files sha256_and_line_lengths read


def sha256_and_line_lengths(path: Path) -> tuple[str, np.ndarray | None]:
    """``sha256_file(path)`` and the byte length of each line of the file (up to its last b"\\n";
    None if one is 4 GB or longer), from one read of it."""
    st = os.stat(path)
    h, buf, newline, lengths, at, last = hashlib.sha256(), bytearray(BLOCK), np.empty(BLOCK, bool), [], 0, -1
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
            np.equal(np.frombuffer(buf, np.uint8, n), 10, out=newline[:n])
            ends = np.flatnonzero(newline[:n]) + at
            if lengths is not None and len(ends):
                block = np.diff(ends, prepend=last)
                if block.max() >= 2**32:
                    lengths = None
                else:
                    lengths.append(block.astype(np.uint32))
                    last = ends[-1]
            at += n
    digest = h.hexdigest()
    if at == st.st_size:
        _HASHED[(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)] = digest
    if lengths is None:
        return digest, None
    return digest, np.concatenate(lengths) if lengths else np.empty(0, np.uint32)


@lru_cache(maxsize=64)
def _sha256(path: str, _size: int, _mtime_ns: int) -> str:
    # one buffer, read into again and again: a new block for every read would be fresh memory
    # (mapped, zeroed and unmapped by the kernel) each time
    h, buf = hashlib.sha256(), bytearray(BLOCK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def fsync_path(path: Path) -> None:
    """Write a file's (or a folder's) data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
