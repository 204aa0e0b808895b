"""Store the release's precomputed figures (``portal.summaries``) inside the load's transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from portal import summaries
from portal.db import data_through, parse_utc_naive
from portal.tables import releases


def write_summaries(conn: Connection, version: str) -> None:
    """Compute and store the figures of release ``version``; its rows, lookups and releases row
    are already in ``conn``'s transaction, so the figures commit (or roll back) with them."""
    stored = conn.execute(select(releases.c.data_through).where(releases.c.version == version)).scalar()
    store_summaries(conn, version, stored)


def store_summaries(conn: Connection, version: str, through: str | None) -> None:
    """The same, with the release's ``data_through`` given (before its releases row exists)."""
    summaries.store(conn, version, parse_utc_naive(data_through(conn, through)))


def write_summaries_in_threads(conn: Connection, connect, version: str) -> None:
    """``write_summaries`` for a committed database that nothing else writes to: the figures are
    computed by two threads, each on its own connection (``connect()``), and stored through
    ``conn`` (in the caller's transaction)."""
    stored = conn.execute(select(releases.c.data_through).where(releases.c.version == version)).scalar()
    as_of = parse_utc_naive(data_through(conn, stored))
    summaries.store(conn, version, as_of, summaries.compute_in_threads(connect, as_of))
