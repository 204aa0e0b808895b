"""Status events of the published requests: when each was opened, updated and marked closed.

``request_events`` is the one place the feeds read events from. Until the release carries a
``status_events`` table (one row per status change), the events are derived from each request's
own published dates:

* ``opened``: ``requested_datetime``;
* ``closed``: ``closed_datetime`` of a request whose status is closed ("marked closed");
* ``updated``: ``updated_datetime`` when it is later than the request and is not its closing,
  so only the latest update of each request is known.

When the table exists, only this module changes. An event carries the request's published row,
so a feed shows nothing the published CSV does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from portal.queries import SR
from portal.tables import service_requests

EVENTS = {
    "opened": "Opened",
    "closed": "Marked closed",
    "updated": "Updated",
}


@dataclass(frozen=True)
class Event:
    kind: str  # a key of EVENTS
    at: datetime  # naive UTC
    row: dict  # the request's published columns


def _derived(conn: Connection, clauses: list, kind: str, limit: int) -> list[Event]:
    column = {"opened": SR.requested_datetime, "closed": SR.closed_datetime, "updated": SR.updated_datetime}[kind]
    where = [*clauses, column.is_not(None)]
    if kind == "closed":
        where.append(SR.status == "closed")
    elif kind == "updated":
        where += [column > SR.requested_datetime, or_(SR.closed_datetime.is_(None), column != SR.closed_datetime)]
    query = select(service_requests).where(*where).order_by(column.desc(), SR.service_request_id.desc()).limit(limit)
    return [Event(kind, row[column.name], dict(row)) for row in conn.execute(query).mappings()]


def request_events(conn: Connection, clauses: list, kinds: tuple[str, ...], limit: int) -> list[Event]:
    """The ``limit`` newest events of ``kinds`` on the requests matching ``clauses``, newest first
    (ties: closing before updating before opening, then by request id, highest first)."""
    found = [event for kind in kinds for event in _derived(conn, clauses, kind, limit)]
    rank = {"closed": 2, "updated": 1, "opened": 0}
    found.sort(key=lambda e: (e.at, rank[e.kind], e.row["service_request_id"]), reverse=True)
    return found[:limit]
