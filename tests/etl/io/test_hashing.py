"""etl/io/hashing.py: file hashes, and a CSV's line lengths found in the same read."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from etl.io.hashing import sha256_and_line_lengths, sha256_file


def test_sha256_file_is_hashlib_of_the_whole_file_across_read_blocks(tmp_path):
    rng = random.Random(5)
    for size in (0, 1, (1 << 20) - 1, 1 << 20, (5 << 20) // 2):  # empty, exact block, several blocks
        path = tmp_path / f"f{size}.bin"
        data = rng.randbytes(size)
        path.write_bytes(data)
        assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_and_line_lengths_reads_the_file_once_for_both(tmp_path):
    rng = random.Random(11)
    # 3 MB of short and long lines, so that lines cross the 1 MB read blocks; no final line break
    lines = [b"x" * rng.choice([0, 5, 80, 300_000]) + b"\n" for _ in range(60)]
    data = b"".join(lines) + b"tail"
    path = tmp_path / "lines.csv"
    path.write_bytes(data)
    digest, lengths = sha256_and_line_lengths(path)
    assert digest == hashlib.sha256(data).hexdigest() == sha256_file(path)
    assert lengths.dtype == np.uint32 and lengths.tolist() == [len(line) for line in lines]
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_and_line_lengths(tmp_path / "empty")[1].tolist() == []
