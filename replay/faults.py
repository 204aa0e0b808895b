"""Faults a loopback source injects on demand, counted in data requests (metadata requests do not count).

- ``status``: answer ``status`` (429, 500, 503...) with an optional ``Retry-After``, ``times`` times;
- ``truncate``: send the headers and half of the body, then close the connection;
- ``not_json``: answer 200 with an HTML error page (a proxy in front of the API);
- ``repeat_page``: answer with the previous data answer again (paging that ignores the offset);
- ``ignore_where``: answer as if the request had no filter (Socrata ``$where``, ArcGIS ``where``), as
  an old server or a stale cache in front of it would;
- ``rename_column`` (``column`` -> ``to``), ``drop_column`` (``column``): the dataset changes from
  that request on, as when a city edits its dataset (``column`` may also be a GeoReport field, such
  as ``service_name``: the Open311 answers then rename or leave out that field);
- ``move_back``: every value of ``column`` (a date column or ``:updated_at``) moves ``seconds``
  earlier from that request on, as when a source is restored from an old backup.

A fault armed now starts at the ``page``-th data request from now and lasts ``times`` requests.
``Fault.parse("status:status=429,retry_after=2,times=3")`` reads the command line's form.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

KINDS = ("status", "truncate", "not_json", "repeat_page", "ignore_where", "rename_column", "drop_column", "move_back")
DATA_CHANGES = ("rename_column", "drop_column", "move_back")


@dataclass(frozen=True)
class Fault:
    kind: str
    page: int = 1
    times: int = 1
    status: int = 503
    retry_after: str = ""
    column: str = ""
    to: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")
        if self.page < 1 or self.times < 1:
            raise ValueError("a fault's page and times must be at least 1")
        if self.kind in DATA_CHANGES and not self.column:
            raise ValueError(f"fault {self.kind} needs a column")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``kind[:key=value,...]``, e.g. ``rename_column:column=Status,to=State,page=2``."""
        kind, _, rest = spec.partition(":")
        types = {f.name: f.type for f in fields(cls)}
        values = {}
        for item in filter(None, rest.split(",")):
            key, _, value = item.partition("=")
            if key not in types or key == "kind":
                raise ValueError(f"unknown fault setting {key!r}")
            values[key] = {"int": int, "float": float}.get(types[key], str)(value)
        return cls(kind, **values)


class FaultPlan:
    """The faults armed on one server, and the count of data requests it has answered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.armed: list[tuple[int, Fault]] = []

    def arm(self, fault: Fault) -> None:
        with self.lock:
            self.armed.append((self.requests + fault.page, fault))

    def clear(self) -> None:
        with self.lock:
            self.armed.clear()

    def next_request(self) -> list[Fault]:
        """Count one data request; the faults active for it."""
        with self.lock:
            self.requests += 1
            n = self.requests
            return [f for start, f in self.armed if start <= n < start + f.times]
