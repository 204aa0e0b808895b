"""Process tuning of the ETL, declared in one place. Tuning changes how fast a run is and how much
memory it holds, never what it publishes (tests/benchmarks/test_fingerprint.py runs the same input
in one chunk and in many, over two workers).

Three kinds, each declared as data with its help text and listed in docs/tuning.md (a test keeps
the two in step):

* ``VARIABLES``: environment variables a person may set to split a run's work differently. They
  are read once per run into a ``Tuning`` (``from_environment``); the library takes a ``Tuning``
  or reads the environment itself when given none, so every caller gets the same rules.
* ``PROCESS``: allocator and garbage-collector settings of the process that runs a command.
  ``tuned_process`` applies them; ``etl.cli.main`` uses it, so ``python -m etl`` and a program
  calling ``main()`` get the same. A library call (``publish_release``) changes no process-wide
  setting.
* ``SQLITE``: the SQLite settings (PRAGMAs) of the connections that build and change a release's
  database (``SqliteBuild``, ``DeltaLoad``).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import EtlError

# name -> (Tuning field, default, smallest value, help)
VARIABLES: dict[str, tuple[str, int | None, int, str]] = {
    "PORTAL_CHUNK_BYTES": (
        "chunk_bytes",
        32 << 20,
        1 << 16,
        "Bytes of raw input per chunk, the unit of work of the transform. A worker holds its chunk "
        "and the chunk's transformed rows at once, so the memory in flight grows with it.",
    ),
    "PORTAL_WORKERS": (
        "workers",
        None,
        0,
        "Worker processes for the transform; 0 or 1 transforms in the publishing process. Unset: "
        "one per core, at most 4, when the input is larger than two chunks, else none.",
    ),
    "PORTAL_LOAD_BATCH_ROWS": (
        "load_batch_rows",
        25_000,
        1,
        "Rows per INSERT when a release is loaded into the database (and per copy out of a worker's "
        "chunk database into a SQLite build).",
    ),
}

MAX_DEFAULT_WORKERS = 4
MMAP_THRESHOLD_BYTES = 1 << 20
M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter number

# name -> (value, help); applied by tuned_process
PROCESS: dict[str, tuple[str, str]] = {
    "MIMALLOC_PURGE_DELAY": (
        "-1",
        "Incremental runs only. pyarrow's allocator (mimalloc) keeps the memory it frees instead of "
        "returning it to the system: an incremental run rewrites the Parquet file one row group at "
        "a time, and each group reuses the memory of the one before. Read when pyarrow loads, so "
        "it takes effect in `python -m etl` (whose command line module loads no pyarrow before "
        "main() runs), not in a process that loaded pyarrow already.",
    ),
    "M_MMAP_THRESHOLD": (
        f"{MMAP_THRESHOLD_BYTES}",
        "Full runs only. glibc's mallopt(M_MMAP_THRESHOLD): buffers of 1 MiB and more come from "
        "their own memory maps and go back to the system when freed. A full run frees buffers "
        "of several megabytes for every chunk; with glibc's sliding threshold they would stay in "
        "the heap, fragmented. Forked workers inherit it. No-op without glibc.",
    ),
    "gc.freeze": (
        "on",
        "The objects that exist once the ETL's modules are loaded (loaded first for that, after the "
        "allocator setting; with them the figures stored at load time, core/figures.py) are moved "
        "out of the garbage collector's reach for the command's duration: collections do not walk "
        "them again, and forked workers copy fewer pages. Undone when the command returns.",
    ),
}

SQLITE_CACHE_KIB = 200_000
SQLITE_SORT_RUN_KIB = 4_096
SQLITE_SUMMARY_CACHE_KIB = 16_384
SQLITE_DELTA_MMAP_BYTES = 0x7FFF0000
SQLITE_MAX_SORT_THREADS = 4

# module constant -> help
SQLITE: dict[str, str] = {
    "SQLITE_CACHE_KIB": "Page cache (KiB) of the connections that load a release (cache_size).",
    "SQLITE_SORT_RUN_KIB": (
        "Page cache (KiB) while a new database's indexes are built: SQLite's sorter sorts runs of "
        "this size and merges them, so small runs sort within the CPU's caches, and its helper "
        "threads sort them while the table is read."
    ),
    "SQLITE_SUMMARY_CACHE_KIB": (
        "Page cache (KiB) while the release's figures are computed. They read most of the table "
        "once: a small cache recycles its slots instead of filling fresh memory with pages read "
        "once. Changed pages that do not fit are written out early; the rollback journal keeps "
        "that atomic."
    ),
    "SQLITE_DELTA_MMAP_BYTES": (
        "Memory map (mmap_size) of an incremental run's connection: the pages its figures only read "
        "are mapped, not copied into the page cache. Changed pages still go through the page "
        "cache and the rollback journal."
    ),
    "SQLITE_MAX_SORT_THREADS": (
        "Helper threads of SQLite's sorter while a new database's indexes are built (one per core, "
        "at most this many); they are built after the transform's workers have ended."
    ),
}


class TuningError(EtlError):
    """A tuning variable with a value the ETL cannot use."""


@dataclass(frozen=True)
class Tuning:
    """How one run splits its work (``VARIABLES``)."""

    chunk_bytes: int = VARIABLES["PORTAL_CHUNK_BYTES"][1]
    workers: int | None = None  # None: decided by the input's size (workers_for)
    load_batch_rows: int = VARIABLES["PORTAL_LOAD_BATCH_ROWS"][1]

    def workers_for(self, input_bytes: int) -> int:
        """Worker processes for an input of ``input_bytes``; 0 or 1 means none."""
        if self.workers is not None:
            return self.workers
        return min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS) if input_bytes > 2 * self.chunk_bytes else 1


def from_environment(environ: Mapping[str, str] | None = None) -> Tuning:
    """The ``Tuning`` the environment asks for (``VARIABLES``; unset or empty means the default)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (attr, _default, smallest, _help) in VARIABLES.items():
        text = environ.get(name, "").strip()
        if not text:
            continue
        try:
            values[attr] = int(text.replace("_", ""))
        except ValueError:
            values[attr] = None
        if values[attr] is None or values[attr] < smallest:
            raise TuningError(name, f"{text!r} is not a usable value: a whole number, at least {smallest:,}")
    return Tuning(**values)


def sort_threads() -> int:
    return min(os.cpu_count() or 1, SQLITE_MAX_SORT_THREADS)


@contextmanager
def tuned_process(incremental: bool) -> Iterator[None]:
    """Apply ``PROCESS`` for one command of this process, and undo what can be undone after it."""
    restore = {}
    if incremental:
        restore["MIMALLOC_PURGE_DELAY"] = os.environ.get("MIMALLOC_PURGE_DELAY")
        os.environ.setdefault("MIMALLOC_PURGE_DELAY", PROCESS["MIMALLOC_PURGE_DELAY"][0])
    else:
        _fix_mmap_threshold()
    _load_modules()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        for name, value in restore.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _load_modules() -> None:
    """Everything a publish or a load imports, so that gc.freeze covers it (see PROCESS)."""
    import importlib

    from core.figures import registered

    importlib.import_module("etl.pipeline")
    registered()


def _fix_mmap_threshold() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass
