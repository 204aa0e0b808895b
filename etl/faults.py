"""Named points where a test may kill the ETL, to prove that no fault loses a release.

Set ``PORTAL_KILL_AT=<checkpoint>[:<n>]`` and the process sends itself SIGKILL the n-th time
(default the first) it reaches that checkpoint. Unset, a checkpoint costs one dict lookup.
"""
from __future__ import annotations

import os
import signal

_hits: dict[str, int] = {}


def checkpoint(name: str) -> None:
    target = os.environ.get("PORTAL_KILL_AT")
    if not target:
        return
    point, _, nth = target.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
