"""Work beside the run's main thread: chunks in worker processes, single jobs in threads.

``map_in_order(fn, items, workers, *args)`` yields ``fn(item, *args)`` for every item, in the
items' order, whether it runs them in this process (``workers`` 0 or 1) or in forked workers:
the output is the same either way. At most ``workers + 1`` items are in flight, so the memory a
run holds stays flat however long its input. Workers are forked before the first item is read
(they start with less memory to copy) and die with the process that started them, so a run that
is killed leaves nothing running.

``in_background(stack, fn, *args)`` runs one job in a thread of its own while the run goes on;
the thread is joined when the run's ``ExitStack`` closes, whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack


def map_in_order(fn: Callable, items: Iterable, workers: int, *args) -> Iterator:
    if workers <= 1:
        for item in items:
            yield fn(item, *args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_init) as pool:
        for started in [pool.submit(_started) for _ in range(workers)]:
            started.result()
        pending = []
        for item in items:
            pending.append(pool.submit(fn, item, *args))
            if len(pending) > workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def in_background(stack: ExitStack, fn: Callable, *args) -> Future:
    return stack.enter_context(ThreadPoolExecutor(1)).submit(fn, *args)


def _worker_init() -> None:
    """Workers die with the main process (a killed run must leave nothing running)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _started() -> None:
    return None
