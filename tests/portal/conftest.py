"""Fixtures for the read side: a factory for hand-built release databases and named variants."""

from __future__ import annotations

import pytest
from sample_release import T, build_release_db  # noqa: F401  (re-exported for the tests)
from sqlalchemy import create_engine


@pytest.fixture
def make_release_db(tmp_path_factory):
    """Factory: ``make_release_db(is_demo=False, specs=REQUESTS, with_release=True)``."""

    def make(**kwargs):
        return build_release_db(tmp_path_factory.mktemp("release"), **kwargs)

    return make


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The hand-built release of sample_release.py (read-only: do not modify it in a test)."""
    return build_release_db(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def engine(sample):
    eng = create_engine(sample.url)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine):
    with engine.connect() as connection:
        yield connection
