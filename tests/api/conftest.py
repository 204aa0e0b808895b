"""The API served for real: ``python -m portal.api`` (uvicorn, two workers) on a loopback port, over
the hand-built sample release (tests/portal/sample_release.py) in SQLite and in PostgreSQL.

``api`` is parametrized over both databases; every test that takes it runs against each, over
real HTTP (httpx). The PostgreSQL copy lives in a database of its own (``portal_api_test``) on the
test server, so other tests that reload ``portal_test`` never change what the API serves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "portal"))  # sample_release

from sample_release import build_release_db  # noqa: E402

API_DB = "portal_api_test"


@dataclass(frozen=True)
class Api:
    base: str
    kind: str  # sqlite | postgresql
    db_url: str
    release_dir: Path

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kwargs)


def fresh_pg_database(pg_url: str, name: str) -> str:
    """URL of database ``name`` on the test server, dropped and created empty."""
    admin = create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sample_sqlite(tmp_path_factory):
    return build_release_db(tmp_path_factory.mktemp("api-sample-sqlite"))


@pytest.fixture(scope="session")
def sample_pg(tmp_path_factory, pg_url):
    url = fresh_pg_database(pg_url, API_DB)
    return build_release_db(tmp_path_factory.mktemp("api-sample-pg"), url=url)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request, serve_api) -> Api:
    """The API over the sample release, once per database."""
    sample = request.getfixturevalue("sample_sqlite" if request.param == "sqlite" else "sample_pg")
    return Api(serve_api(sample.url), request.param, sample.url, sample.release_dir)


@pytest.fixture(scope="session")
def api_sqlite(serve_api, sample_sqlite) -> Api:
    """The API over the SQLite sample only (for what does not depend on the database)."""
    return Api(serve_api(sample_sqlite.url), "sqlite", sample_sqlite.url, sample_sqlite.release_dir)
