"""The byte-level helpers of etl.publish: file hashes and the line ends of a published CSV."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from etl.publish import _line_ends, sha256_and_line_lengths, sha256_file


def test_sha256_file_is_hashlib_of_the_whole_file_across_read_blocks(tmp_path):
    rng = random.Random(5)
    for size in (0, 1, (1 << 20) - 1, 1 << 20, (5 << 20) // 2):  # empty, exact block, several blocks
        path = tmp_path / f"f{size}.bin"
        data = rng.randbytes(size)
        path.write_bytes(data)
        assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_line_ends_finds_every_newline_across_block_boundaries(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.choice(b"ab,\n") for _ in range(10_000))
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    expected = [i for i, b in enumerate(data) if b == 10]
    for block in (1, 3, 64, 4096, 1 << 20):
        with open(path, "rb") as f:
            got = _line_ends(f, block)
        assert got.dtype == np.int64 and got.tolist() == expected
    (tmp_path / "empty").write_bytes(b"")
    with open(tmp_path / "empty", "rb") as f:
        assert _line_ends(f).tolist() == []


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
