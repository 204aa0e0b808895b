"""Store the release's precomputed figures (``portal.summaries``) inside the load's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from portal import summaries
from portal.db import data_through, parse_utc_naive
from portal.tables import releases


def write_summaries(conn: Connection, version: str, connect=None) -> None:
    """Compute and store the figures of release ``version``; its rows, lookups and releases row
    are already in ``conn``'s transaction, so the figures commit (or roll back) with them. With
    ``connect``, for a committed database that nothing else writes to, two threads compute them,
    each on its own connection (``connect()``), and ``conn`` stores them."""
    stored = conn.execute(select(releases.c.data_through).where(releases.c.version == version)).scalar()
    store_summaries(conn, version, stored, connect)


def store_summaries(conn: Connection, version: str, through: str | None, connect=None) -> None:
    """The same, with the release's ``data_through`` given (before its releases row exists)."""
    as_of = parse_utc_naive(data_through(conn, through))
    summaries.store(conn, version, as_of, summaries.compute_in_threads(connect, as_of) if connect else None)
