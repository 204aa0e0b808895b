"""Database access for the read side: the release the database serves, as the pages need it.

Which database (``PORTAL_DB_URL``, resolved by ``core.db.resolve_url``: a relative SQLite path is
relative to the working directory), how to connect and which release it holds are the rules in
``core.db``, the same for the ETL that writes it. Nothing here touches the database at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.db import current_version as current_version
from core.db import make_engine as make_engine
from core.db import resolve_url as resolve_url
from core.tables import releases, service_requests

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


def read_release(engine: Engine, version: str) -> Release | None:
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
