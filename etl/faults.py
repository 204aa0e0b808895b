"""Named points where a test may kill the ETL, to prove that no fault loses a release.

Set ``PORTAL_KILL_AT=<checkpoint>[:<n>]`` and the process sends itself SIGKILL the n-th time
(default the first) it reaches that checkpoint. ``PORTAL_PAUSE_AT=<checkpoint>:<seconds>`` makes
it sleep there instead (to hold the publish lock while a test starts a second run). Unset, a
checkpoint costs two dict lookups.
"""

from __future__ import annotations

import os
import signal

CHECKPOINTS = (
    "read.chunk",
    "publish.chunk_written",
    "publish.staged",
    "publish.before_rename",
    "publish.in_releases",
    "load.cleared",
    "load.batch",
    "load.lookups",
    "load.before_commit",
    "publish.before_switch",
    "publish.after_switch",
    "load.switched_before_commit",
    "load.committed",
)

_hits: dict[str, int] = {}


def checkpoint(name: str) -> None:
    pause = os.environ.get("PORTAL_PAUSE_AT")
    if pause and pause.partition(":")[0] == name:
        import time

        time.sleep(float(pause.partition(":")[2] or 5))
    target = os.environ.get("PORTAL_KILL_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
