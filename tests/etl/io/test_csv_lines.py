"""etl/io/csv_lines.py: the line ends of a published CSV (the copying itself: tests/etl/test_incremental.py)."""

from __future__ import annotations

import random

import numpy as np

from etl.io.csv_lines import line_ends, load_line_lengths, save_line_lengths


def test_line_ends_finds_every_newline_across_block_boundaries(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.choice(b"ab,\n") for _ in range(10_000))
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    expected = [i for i, b in enumerate(data) if b == 10]
    for block in (1, 3, 64, 4096, 1 << 20):
        with open(path, "rb") as f:
            got = line_ends(f, block)
        assert got.dtype == np.int64 and got.tolist() == expected
    (tmp_path / "empty").write_bytes(b"")
    with open(tmp_path / "empty", "rb") as f:
        assert line_ends(f).tolist() == []


def test_line_lengths_are_kept_next_to_the_index_only_when_they_fit_in_uint32(tmp_path):
    index = tmp_path / ".index" / "1.2.0.parquet"
    save_line_lengths(np.array([10, 2**32 - 1, 4]), index)
    assert (tmp_path / ".index" / "1.2.0.csv-lines.npy").exists()
    assert load_line_lengths(index).tolist() == [10, 2**32 - 1, 4]
    assert load_line_lengths(index).dtype == np.int64
    other = tmp_path / ".index" / "1.3.0.parquet"
    for unusable in (None, np.array([], np.int64), np.array([5, 2**32])):
        save_line_lengths(unusable, other)
        assert load_line_lengths(other) is None  # none kept: the next run reads the CSV instead
