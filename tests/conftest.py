"""Fixtures shared by every test package, and the CI rule that nothing may skip.

Locally a test that needs something absent (../shared/data, PostgreSQL, Chromium) skips with a
reason. In CI (``PORTAL_REQUIRE_SHARED=1``, set by ``.ci/run``) the same test fails instead, and any
test that skipped anyway turns the run red at the end, with the list of what skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
ARTIFACTS_DIR = Path(os.environ.get("PORTAL_ARTIFACTS_DIR", REPO_ROOT / "artifacts"))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no")


def require_real() -> bool:
    """True in CI runs that must exercise real data and real services (``.ci/run``)."""
    return os.environ.get("PORTAL_REQUIRE_SHARED") == "1"


def in_ci() -> bool:
    return require_real() or _truthy(os.environ.get("CI"))


def skip_or_fail(reason: str, *, strict: bool | None = None) -> None:
    """Skip the test with ``reason``; fail it instead when ``strict`` (default: require_real())."""
    if require_real() if strict is None else strict:
        pytest.fail(f"{reason} (skips are not allowed here: PORTAL_REQUIRE_SHARED/CI is set)")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repo: the real city exports."""
    data = SHARED_DIR / "data"
    if not data.is_dir():
        skip_or_fail("../shared/data not found beside the repo: real-data test skipped")
    return data


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a throwaway PostgreSQL database (``scripts/test.sh`` starts one)."""
    url = os.environ.get("PORTAL_TEST_PG_URL", "").strip()
    if not url:
        skip_or_fail(
            "PORTAL_TEST_PG_URL is not set: run the tests through bash scripts/test.sh "
            "(it starts PostgreSQL via scripts/pg.sh) to run the PostgreSQL tests",
            strict=in_ci(),
        )
    return url


@pytest.fixture
def tmp_db_url(tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh SQLite file in the test's tmp dir."""
    return f"sqlite:///{tmp_path}/portal.db"


# --- CI: no silent skips ------------------------------------------------------------------------

_SKIPPED: list[tuple[str, str]] = []  # (nodeid, reason) of tests that skipped in this run


def pytest_configure(config: pytest.Config) -> None:
    _SKIPPED.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _record_skip(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _record_skip(report)  # a whole module skipped at import (pytest.importorskip, allow_module_level)


def _record_skip(report) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        _SKIPPED.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if require_real() and _SKIPPED and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = _SKIPPED
    if not (require_real() and skipped):
        return
    terminalreporter.section("skipped tests are failures in CI", sep="=", red=True, bold=True)
    for nodeid, reason in skipped:
        terminalreporter.line(f"SKIPPED {nodeid}: {reason}", red=True)
    terminalreporter.line(
        f"{len(skipped)} test(s) skipped with PORTAL_REQUIRE_SHARED=1: exit status set to 1", red=True
    )


# AppTest.from_file("app.py") would see the pages/ folder beside app.py and run the app in
# Streamlit's legacy pages-folder mode (each page without the app's frame). The app is run from
# a wrapper instead, so st.navigation is in charge, as in the browser.
APP_WRAPPER = f"import runpy\nrunpy.run_path({str(REPO_ROOT / 'app.py')!r}, run_name='__main__')\n"


@pytest.fixture
def run_page(monkeypatch):
    """``run_page(db_url, page, **query_params) -> AppTest`` after the page's first run
    (home first, then ``switch_page`` to the page, as a visitor following a link would)."""
    from streamlit.testing.v1 import AppTest

    def run(db_url: str, page: str = "home", **params) -> AppTest:
        monkeypatch.setenv("PORTAL_DB_URL", db_url)
        at = AppTest.from_string(APP_WRAPPER, default_timeout=60)
        at.run()
        if page != "home":
            for key, value in params.items():
                at.query_params[key] = value
            at.switch_page(str(REPO_ROOT / "pages" / f"{page}.py"))
            at.run()
        return at

    return run


# --- the API over HTTP ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def serve_api(tmp_path_factory):
    """Factory: ``serve_api(db_url, *flags)`` -> base URL of ``python -m portal.api`` (two workers)
    on a free loopback port, started once per (db_url, flags) and stopped at the end of the session."""
    from bench.apiserver import start_api, stop

    servers: dict[tuple, tuple] = {}
    logs = tmp_path_factory.mktemp("api-logs")

    def serve(db_url: str, *flags: str) -> str:
        key = (db_url, flags)
        if key not in servers or servers[key][0].poll() is not None:
            servers[key] = start_api(db_url, logs / f"api-{len(servers)}.log", 2, *flags)
        return servers[key][1]

    yield serve
    for proc, _ in servers.values():
        stop(proc)
