"""Real-browser harness: the app served by a real Streamlit server, driven by Debian's Chromium.

Fixtures:
  serve_app(db_url=None, script=app.py, env=None) -> base URL  (session scoped; one server per
      (script, db_url), reused across tests and stopped at the end of the session)
  browser   a Playwright Chromium (``/usr/bin/chromium``; skips when absent, fails in CI)
  page      a fresh 1280x900 page per test
  run_axe / save_screenshot / wait_for_streamlit / full_height   the helpers below, as fixtures
  demo_site, nyc_site, site   a release published by the ETL's CLI and served (one server each,
      built once per session); ``site`` is indirect: ``parametrize("site", ["demo", "nyc"],
      indirect=True)``. nyc_site needs ../shared/data (``shared_data``: skips, fails in CI).
  tab(width)  a page at "1280" (desktop) or "390" (phone) width, kept for the session, for the
      tests that only look (one context per width instead of one per test)

Every test in tests/browser/ is marked ``browser``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.browser import stop

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
            stop(proc)
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"streamlit did not become healthy on {base_url} ({' '.join(cmd)}):\n{tail}")
        time.sleep(0.25)
    return proc, base_url


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
        stop(proc)


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


_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    // Streamlit marks the run state on stApp: initial -> running -> notRunning.
    const state = app.getAttribute('data-test-script-state');
    if (state !== null && state !== 'notRunning') return false;
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && status.offsetParent !== null) return false;  // "Running... Stop"
    return !document.querySelector('[data-testid="stAppSkeleton"]');
}"""


def wait_for_streamlit(page, timeout_ms: int = 30_000, settle_ms: int = 300) -> None:
    """Wait until the app is mounted and the script run has finished (no running-status widget).

    Idle must hold again after ``settle_ms``: a run that ends in ``st.rerun()`` (or a page's
    first visit on a fresh server, see ``portal.ui.leave_legacy_pages_mode``) is idle for a
    moment before the next run starts.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout_ms)
    while True:
        left_ms = max(deadline - time.monotonic(), 0.1) * 1000
        page.wait_for_function(_IDLE_JS, timeout=left_ms, polling=100)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_IDLE_JS):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the Streamlit app at {page.url} kept running for {timeout_ms} ms")


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


_CONTENT_HEIGHT_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return Math.ceil(Math.max(main ? main.scrollHeight : 0, document.documentElement.scrollHeight));
}"""
MAX_PAGE_PX = 15_000  # below Chromium's 16,384 px texture limit


@contextmanager
def full_height(page, settle_ms: int = 400):
    """Grow the viewport to the whole app, then restore it.

    Streamlit scrolls inside ``section[data-testid="stMain"]``, not the document, so a
    ``full_page`` screenshot stops at the fold and axe judges only what is on screen. The width
    (the layout) stays as it is; only the height grows.
    """
    size = page.viewport_size
    try:
        for _ in range(3):  # content can reflow once the window is taller (maps, tables)
            want = min(page.evaluate(_CONTENT_HEIGHT_JS), MAX_PAGE_PX)
            if want <= page.viewport_size["height"]:
                break
            page.set_viewport_size({"width": size["width"], "height": want})
            page.wait_for_timeout(settle_ms)
        yield page
    finally:
        page.set_viewport_size(size)


def save_screenshot(page, name: str, full_page: bool = True) -> Path:
    """Write ``artifacts/screenshots/<name>.png`` (the whole app when ``full_page``) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_page:
        with full_height(page):
            page.screenshot(path=str(path), full_page=True)
    else:
        page.screenshot(path=str(path))
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


@pytest.fixture(name="full_height")
def _full_height_fixture():
    return full_height


# --- published releases, served ---------------------------------------------------------------

RELEASES = {  # site: (ETL profile, raw export under ../shared/data; None = the generated demo city)
    "demo": ("demo", None),
    "nyc": ("new-york-city", "new-york-city/test_sample3.csv"),
}
VIEWPORTS = {  # name used in test ids and screenshot names: Playwright context options
    "1280": {"viewport": {"width": 1280, "height": 900}},
    "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@dataclass(frozen=True)
class Site:
    """A release published by the ETL and the app serving it."""

    name: str
    base_url: str
    release_dir: Path  # datasets/releases/<package>/<version>/
    package: dict  # its datapackage.json

    @property
    def version(self) -> str:
        return self.package["version"]

    @property
    def is_demo(self) -> bool:
        return self.name == "demo"

    def resource(self, name: str) -> dict:
        return next(r for r in self.package["resources"] if r["name"] == name)

    def file(self, name: str) -> Path:
        return self.release_dir / self.resource(name)["path"]

    def url(self, path: str = "/") -> str:
        return self.base_url + path


def _etl(*args) -> str:
    """Run ``python -m etl ARGS`` as an operator would; fail the test with its output on error."""
    cmd = [sys.executable, "-m", "etl", *map(str, args)]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@pytest.fixture(scope="session")
def _sites(serve_app, tmp_path_factory) -> Callable[..., Site]:
    built: dict[str, Site] = {}

    def get(name: str, shared: Path | None = None) -> Site:
        if name not in built:
            profile, raw = RELEASES[name]
            out = tmp_path_factory.mktemp(f"release-{name}")
            if raw is None:
                _etl("demo-data", "--out", out / "input")
                raw_path = out / "input" / "requests.csv"
            else:
                raw_path = shared / raw
            db_url = f"sqlite:///{out / 'portal.db'}"
            _etl("publish", "--profile", profile, "--input", raw_path, "--out", out / "datasets", "--db", db_url)
            package_file = next((out / "datasets").glob("*/datapackage.json")).resolve()
            built[name] = Site(
                name,
                serve_app(db_url=db_url),
                package_file.parent,
                json.loads(package_file.read_text(encoding="utf-8")),
            )
        return built[name]

    return get


@pytest.fixture
def demo_site(_sites) -> Site:
    return _sites("demo")


@pytest.fixture
def nyc_site(_sites, shared_data) -> Site:
    return _sites("nyc", shared_data)


@pytest.fixture
def site(request) -> Site:
    """Indirect: ``@pytest.mark.parametrize("site", ["demo", "nyc"], indirect=True)``."""
    return request.getfixturevalue(f"{request.param}_site")


@pytest.fixture(scope="session")
def tab(browser) -> Iterator[Callable[[str], object]]:
    """``tab("1280")`` / ``tab("390")``: one long-lived page per width (see VIEWPORTS)."""
    pages: dict[str, object] = {}

    def get(width: str):
        if width not in pages:
            context = browser.new_context(locale="en-US", **VIEWPORTS[width])
            pages[width] = context.new_page()
            pages[width].set_default_timeout(30_000)
        return pages[width]

    yield get
    for p in pages.values():
        p.context.close()
