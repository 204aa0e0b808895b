"""Which database holds the release, how to connect to it, and which release it holds.

The rules both sides follow (the ETL writes the database, the dashboard reads it):

* A database is named by a SQLAlchemy URL; ``DEFAULT_DB_URL`` (``sqlite:///datasets/portal.db``)
  when none is given. ``check_url`` turns anything else (a bare file path, say) into one clear
  message with the corrected form.
* A relative SQLite path is relative to the **current working directory** of the process that
  was given the URL, like every other path on a command line (``--input``, ``--out``). ``resolve_url``
  makes it absolute, so that ``python -m etl publish`` and ``streamlit run app.py`` started in
  the same folder use the same file, and a later change of directory changes nothing.
* SQLite files are opened without a connection pool: the ETL publishes a release into SQLite by
  renaming a new file over the old one, and a pooled connection would go on reading the old file.

Nothing here connects at import time.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from core.tables import releases

DEFAULT_DB_URL = "sqlite:///datasets/portal.db"


def check_url(url: str, name: str = "--db") -> str:
    """``url`` if it is a SQLAlchemy URL of an installed database driver; else ValueError with
    one line that says so and gives the corrected form (``name`` is how the user gave it)."""
    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        if "://" not in url:
            raise ValueError(
                f"{name} {url!r} is not a database URL; for a SQLite file write {name} sqlite:///{url}"
            ) from None
        raise ValueError(f"{name} {url!r} is not a usable database URL ({exc})") from None
    return url


def resolve_url(url: str | None) -> str:
    """The database URL to use: ``DEFAULT_DB_URL`` when none is given, a relative SQLite path
    made absolute against the current working directory."""
    url = (url or "").strip() or DEFAULT_DB_URL
    path = sqlite_file(url)
    if path is None or path.is_absolute():
        return url
    return make_url(url).set(database=str(Path.cwd() / path)).render_as_string(hide_password=False)


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str, **options) -> Engine:
    """An engine for ``url``; creating it does not connect. A SQLite file is not pooled (see the
    module's docstring); other databases check a pooled connection before handing it out.
    ``options`` go to ``create_engine`` as they are."""
    if sqlite_file(url) is not None:
        options.setdefault("poolclass", NullPool)
    elif make_url(url).get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def current_version(db: Engine | str) -> str | None:
    """Version of the release the database holds (``releases.is_current``); None when it holds
    none: no such SQLite file (none is created), no tables, no current release, or a database
    that cannot be read."""
    engine = make_engine(db) if isinstance(db, str) else db
    try:
        path = sqlite_file(engine.url)
        if path is not None and not path.is_file():
            return None
        query = select(releases.c.version).where(releases.c.is_current.is_(True))
        try:
            with engine.connect() as conn:
                return conn.execute(query).scalars().first()
        except SQLAlchemyError:
            return None
    finally:
        if isinstance(db, str):
            engine.dispose()


def ping(url: str) -> None:
    """Connect to the database once and let go; SQLAlchemyError when it cannot be reached."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def display_url(url: str) -> str:
    """``url`` without its user name and password, for messages."""
    return url.split("@")[-1] if "@" in url else url
