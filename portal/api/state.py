"""One worker's database access: the engine, the current release, and finished answers.

Every answer starts by asking the database which release is current (one indexed query, as each
dashboard page run does), and everything else is kept under that version: the release's
metadata and vocabulary (``Current``) and finished answers (``AnswerCache``). Publishing a new
release therefore changes the next answer of every worker, with no invalidation and no restart.

Every query is bounded in time (``query_timeout``): SQLite connections get a progress handler that
interrupts a statement past its deadline, PostgreSQL connections a ``statement_timeout``.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from portal import db, package, queries
from portal.catalog import CatalogContext, catalog_context
from portal.filters import Vocabulary

PROGRESS_STEPS = 1000  # SQLite virtual-machine steps between two looks at the clock


class NoRelease(Exception):
    """The database holds no current release (nothing published yet, or unreachable)."""


@dataclass(frozen=True)
class Current:
    """What every answer about release ``release.version`` needs, read once per version."""

    release: db.Release
    vocab: Vocabulary
    targets: dict[str, float]
    service_types: list[dict]
    resources: list[package.Resource]
    extent: CatalogContext  # the requests' span and the neighborhoods' bounds (addresses left empty)

    @property
    def version(self) -> str:
        return self.release.version


def install_timeout(engine: Engine, seconds: float) -> None:
    """Bound every statement on ``engine`` to ``seconds`` (see the module docstring)."""
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _progress(dbapi_conn, record):
            info = record.info
            info["deadline"] = math.inf
            dbapi_conn.set_progress_handler(lambda: time.monotonic() > info["deadline"], PROGRESS_STEPS)

        @event.listens_for(engine, "before_cursor_execute")
        def _deadline(conn, _cursor, _statement, _parameters, _context, _many):
            conn.info["deadline"] = time.monotonic() + seconds

    elif engine.dialect.name == "postgresql":

        @event.listens_for(engine, "do_connect")
        def _statement_timeout(_dialect, _record, _cargs, cparams):
            cparams["options"] = f"{cparams.get('options', '')} -c statement_timeout={int(seconds * 1000)}".strip()


def is_timeout(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "interrupted" in text or "statement timeout" in text or "canceling statement" in text


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def make_api_engine(url: str) -> Engine:
    """An engine whose connections are kept and reused: an answer then costs no file open.

    For PostgreSQL that is ``portal.db``'s engine (pooled already). A SQLite connection is kept too,
    but checked out only while the file it opened is still the file at the path (same device and
    inode): the ETL publishes a full release by renaming a new file over the old one, and a kept
    connection would go on reading the old file (portal.db's engine opens one per use instead).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return db.make_engine(url)
    path = parsed.database
    engine = create_engine(url, pool_size=8, max_overflow=32, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_conn, record):
        record.info["file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def _still_the_file(_dbapi_conn, record, _proxy):
        if record.info.get("file") != _file_identity(path):
            raise DisconnectionError("the database file was replaced")  # the pool opens a new connection

    return engine


class SqliteWatch:
    """Says cheaply whether a SQLite file may hold another release than at the last look.

    ``token()`` is the file's identity (device, inode: a full publish renames a new file over the
    old one) with its ``PRAGMA data_version`` on a connection kept for this alone (SQLite changes
    it whenever another connection commits to the file, in any journal mode). While the token is
    the same, nothing was committed, so the release read last time is still the current one.
    """

    def __init__(self, path: str):
        self.path = path
        self._identity: tuple[int, int] | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def token(self) -> tuple | None:
        identity = _file_identity(self.path)
        if identity is None:
            return None
        with self._lock:
            if identity != self._identity or self._conn is None:
                if self._conn is not None:
                    self._conn.close()
                self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                self._identity = identity
            return identity, self._conn.execute("PRAGMA data_version").fetchone()[0]


class AnswerCache:
    """Finished answers ``(body, headers)`` by key, least recently used dropped first, at most
    ``max_bytes`` of bodies."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[bytes, dict]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, dict] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, answer: tuple[bytes, dict]) -> None:
        if len(answer[0]) > self.max_bytes // 4:  # one big answer must not flush the rest
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = answer
            self._size += len(answer[0])
            while self._size > self.max_bytes:
                _, (old, _) = self._items.popitem(last=False)
                self._size -= len(old)


class Service:
    """The database behind one worker process."""

    def __init__(self, db_url: str, query_timeout: float, cache_bytes: int):
        self.url = db.resolve_url(db_url)
        self.engine = make_api_engine(self.url)
        install_timeout(self.engine, query_timeout)
        self.answers = AnswerCache(cache_bytes)
        self._current: Current | None = None
        self._lock = threading.Lock()
        path = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._watch = SqliteWatch(path) if path and path != ":memory:" else None
        self._token: tuple | None = None

    @contextmanager
    def connect(self):
        with self.engine.connect() as conn:
            yield conn

    def current(self) -> Current:
        """The current release (raises ``NoRelease``): asked of the database, unless a SQLite file
        has seen no commit since the last answer (``SqliteWatch``)."""
        token = self._watch.token() if self._watch else None
        found = self._current
        if token is not None and token == self._token and found is not None:
            return found
        version = db.current_version(self.engine)
        if version is None:
            raise NoRelease()
        if found is None or found.version != version:
            with self._lock:
                if self._current is None or self._current.version != version:
                    self._current = self._read(version)
                    self.answers = AnswerCache(self.answers.max_bytes)  # answers of the old release go
                found = self._current
        self._token = token  # read before the version: a commit in between is seen next time
        return found

    def _read(self, version: str) -> Current:
        release = db.load_release(self.engine, version)
        if release is None:
            raise NoRelease()
        with self.connect() as conn:
            return Current(
                release=release,
                vocab=queries.vocabulary(conn, release.timezone),
                targets=queries.service_targets(conn),
                service_types=queries.list_service_types(conn),
                resources=package.resources(release),
                extent=catalog_context(conn, "", ""),
            )

    def dispose(self) -> None:
        self.engine.dispose()
