"""Real-browser harness: the app served by a real Streamlit server, driven by Debian's Chromium.

Fixtures:
  serve_app(db_url=None, script=app.py, env=None) -> base URL  (session scoped; one server per
      (script, db_url), reused across tests and stopped at the end of the session)
  browser   a Playwright Chromium (``/usr/bin/chromium``; skips when absent, fails in CI)
  page      a fresh 1280x900 page per test
  run_axe / save_screenshot / wait_for_streamlit   the helpers below, as fixtures

Every test in tests/browser/ is marked ``browser``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("PORTAL_ARTIFACTS_DIR", REPO_ROOT / "artifacts")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HEALTH_TIMEOUT_S = 60


def _strict() -> bool:
    return os.environ.get("PORTAL_REQUIRE_SHARED") == "1"


def _skip_or_fail(reason: str) -> None:
    if _strict():
        pytest.fail(f"{reason} (not allowed to skip: PORTAL_REQUIRE_SHARED=1)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- serving the app ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


def _start_streamlit(script: Path, db_url: str | None, env: dict | None, log: Path):
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    if db_url is not None:
        full_env["PORTAL_DB_URL"] = db_url
    out = log.open("wb")
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out.close()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while not _healthy(base_url):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"streamlit did not become healthy on {base_url} ({' '.join(cmd)}):\n{tail}")
        time.sleep(0.25)
    return proc, base_url


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Factory: ``serve_app(db_url, script=REPO_ROOT/"app.py", env=None)`` -> base URL.

    Starts ``streamlit run`` on a free loopback port with PORTAL_DB_URL=db_url, waits for
    ``/_stcore/health`` (60 s), and reuses the server for the same (script, db_url, env).
    """
    servers: dict[tuple, tuple[subprocess.Popen, str]] = {}
    logs = tmp_path_factory.mktemp("streamlit-logs")

    def serve(db_url: str | None = None, script: Path | str | None = None, env: dict | None = None) -> str:
        script = Path(script) if script is not None else REPO_ROOT / "app.py"
        key = (str(script.resolve()), db_url, tuple(sorted((env or {}).items())))
        if key in servers and servers[key][0].poll() is None:
            return servers[key][1]
        log = logs / f"streamlit-{len(servers)}.log"
        servers[key] = _start_streamlit(script, db_url, env, log)
        return servers[key][1]

    yield serve
    for proc, _ in servers.values():
        _stop(proc)


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} not found: install Debian's chromium (bash scripts/setup.sh --test)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed: bash scripts/setup.sh --test")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


# --- helpers (plain functions, also offered as fixtures) ----------------------------------------


def wait_for_streamlit(page, timeout_ms: int = 30_000, settle_ms: int = 300) -> None:
    """Wait until the app is mounted and the script run has finished (no running-status widget)."""
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            // Streamlit marks the run state on stApp: initial -> running -> notRunning.
            const state = app.getAttribute('data-test-script-state');
            if (state !== null && state !== 'notRunning') return false;
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            if (status && status.offsetParent !== null) return false;  // "Running... Stop"
            return !document.querySelector('[data-testid="stAppSkeleton"]');
        }""",
        timeout=timeout_ms,
        polling=100,
    )
    page.wait_for_timeout(settle_ms)


def run_axe(page, options: dict | None = None) -> list[dict]:
    """Run axe-core in the page and return its violations (each a dict with id, impact, nodes...)."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `npm ci` (bash scripts/setup.sh --test does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        "async (opts) => (await axe.run(document, opts)).violations",
        {"resultTypes": ["violations"], **(options or {})},
    )


def save_screenshot(page, name: str, full_page: bool = True) -> Path:
    """Write ``artifacts/screenshots/<name>.png`` and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(name="wait_for_streamlit")
def _wait_for_streamlit_fixture():
    return wait_for_streamlit


@pytest.fixture(name="run_axe")
def _run_axe_fixture():
    return run_axe


@pytest.fixture(name="save_screenshot")
def _save_screenshot_fixture():
    return save_screenshot
