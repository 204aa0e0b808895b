import os
import sys

if "--incremental" in sys.argv[1:]:
    # Before pyarrow loads: its allocator (mimalloc) keeps the memory it frees instead of returning
    # it to the system after 10 ms. An incremental run is short and rewrites the Parquet file one
    # row group at a time, so each group reuses the last one's memory instead of faulting in fresh
    # pages: at 1M rows, 123,000 minor faults instead of 143,000, 0.4-0.7 s less in three
    # alternating pairs (BENCHMARKS.md, target 6). A full run keeps the default (its peak memory
    # is target 3).
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "-1")

from .cli import main  # noqa: E402

raise SystemExit(main())
