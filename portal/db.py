"""Database access: the engine for a URL and the one current release it holds.

The URL comes from ``PORTAL_DB_URL`` (default ``sqlite:///datasets/portal.db``, relative to the
repository root). Nothing here touches the database at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.tables import releases, service_requests

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB_URL = "sqlite:///datasets/portal.db"
PUBLISH_HINT = (
    "python -m etl publish --profile demo --input build/demo/requests.csv "
    "--db sqlite:///datasets/portal.db --out datasets/demo"
)


@dataclass(frozen=True)
class Release:
    """The published release the database serves (one row of ``releases``, parsed)."""

    version: str
    package_name: str
    title: str
    created: str
    data_through: str
    timezone: str
    license_name: str | None
    license_path: str | None
    source_title: str | None
    source_path: str | None
    is_demo: bool
    rows_read: int
    rows_published: int
    rows_quarantined: int
    release_dir: str
    datapackage: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    changelog: dict = field(default_factory=dict)

    @property
    def as_of(self) -> datetime:
        """``data_through`` as naive UTC, the form the tables store datetimes in."""
        return parse_utc_naive(self.data_through)


def parse_utc_naive(text: str) -> datetime:
    """Parse an ISO 8601 datetime; aware values are converted to naive UTC."""
    value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def resolve_url(url: str | None) -> str:
    """The database URL to use; a relative SQLite path is taken relative to the repo root."""
    url = (url or "").strip() or DEFAULT_DB_URL
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            url = parsed.set(database=str(REPO_ROOT / path)).render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (already resolved). Creating it does not connect.

    SQLite connections are not pooled: the ETL publishes a release by renaming a new database
    file over the old one, and a pooled connection would keep reading the old file.
    """
    if make_url(url).get_backend_name() == "sqlite":
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_file_missing(engine: Engine) -> bool:
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).is_file()


def current_version(engine: Engine) -> str | None:
    """Version of the current release, or None when the database holds none (or no tables)."""
    if _sqlite_file_missing(engine):  # connecting would create an empty file
        return None
    query = select(releases.c.version).where(releases.c.is_current.is_(True))
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalars().first()
    except SQLAlchemyError:
        return None


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"items": value}


def data_through(conn, stored: str | None) -> str:
    """A release's ``data_through``; when none was stored, the data's last request (never the
    wall clock)."""
    if stored:
        return stored
    latest = conn.execute(select(func.max(service_requests.c.requested_datetime))).scalar()
    return (latest or datetime(1970, 1, 1)).isoformat() + "+00:00"


def load_release(engine: Engine, version: str) -> Release | None:
    """The release row ``version``, with its JSON documents parsed."""
    with engine.connect() as conn:
        row = conn.execute(select(releases).where(releases.c.version == version)).mappings().first()
        if row is None:
            return None
        through = data_through(conn, row["data_through"])
    return Release(
        version=row["version"],
        package_name=row["package_name"],
        title=row["title"],
        created=row["created"],
        data_through=through,
        timezone=row["timezone"],
        license_name=row["license_name"],
        license_path=row["license_path"],
        source_title=row["source_title"],
        source_path=row["source_path"],
        is_demo=bool(row["is_demo"]),
        rows_read=row["rows_read"],
        rows_published=row["rows_published"],
        rows_quarantined=row["rows_quarantined"],
        release_dir=row["release_dir"],
        datapackage=_json(row["datapackage_json"]),
        report=_json(row["report_json"]),
        changelog=_json(row["changelog_json"]),
    )


def list_releases(engine: Engine) -> list[dict]:
    """Every release row the database knows (version, created, is_current), newest first."""
    cols = [releases.c.version, releases.c.created, releases.c.is_current, releases.c.rows_published]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(releases.c.created.desc())).mappings().all()
    return [dict(r) for r in rows]
