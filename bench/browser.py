"""Target 4 (browser): from navigation to each page's main content, in headless Chromium, warm server.

``streamlit run app.py`` serves the release's SQLite database (PORTAL_DB_URL); Playwright drives
Debian's ``/usr/bin/chromium``. Each page is visited once to warm the server's caches, then timed
``runs`` times: ``page.goto`` until every selector of the page's main content is visible
(``main_s``, the target: at most 3 s), and until Streamlit's script run has finished (``done_s``).
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .measure import PYTHON, REPO, summary

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TARGET_S = 3.0
METRIC, DATAFRAME, DECK = '[data-testid="stMetric"]', '[data-testid="stDataFrame"]', '[data-testid="stDeckGlJsonChart"]'
# page -> (path, selectors that mean "the page's main content is rendered"); {id}: a request of the release
PAGES = {
    "home": ("/", ['h1:has-text("311 service requests")', METRIC]),
    "map": ("/map", ['h1:has-text("Map of requests")', DECK]),
    "track": ("/track?id={id}", ['h1:has-text("Track a request")', 'h2:has-text("Timeline"), h3:has-text("Timeline")']),
    "neighborhood": ("/neighborhood", ['h1:has-text("Neighborhood report")', METRIC, DATAFRAME]),
    "performance": ("/performance", ['h1:has-text("Performance")', DATAFRAME]),
    "data": ("/data", ['h1:has-text("Data")', 'h2:has-text("Data dictionary"), h3:has-text("Data dictionary")']),
}
DONE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    const state = app.getAttribute('data-test-script-state');
    return (state === null || state === 'notRunning') && !document.querySelector('[data-testid="stAppSkeleton"]');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(db_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [PYTHON, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PORTAL_DB_URL": db_url}, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.25)
    stop(proc)
    raise RuntimeError(f"streamlit did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _visit(page, url: str, selectors: list[str], timeout_ms: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    for sel in selectors:
        page.locator(sel).first.wait_for(state="visible", timeout=timeout_ms)
    main = time.perf_counter() - t0
    page.wait_for_function(DONE_JS, timeout=timeout_ms, polling=50)
    return main, time.perf_counter() - t0


def bench_browser(db_url: str, request_id: str, runs: int, log: Path, timeout_s: float = 60) -> dict:
    from playwright.sync_api import sync_playwright

    proc, base = start_streamlit(db_url, log)
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            page = context.new_page()
            for name, (path, selectors) in PAGES.items():
                url = base + path.format(id=request_id)
                warm = _visit(page, url, selectors, int(timeout_s * 1000))
                mains, dones = [], []
                for _ in range(runs):
                    page.goto("about:blank")
                    main, done = _visit(page, url, selectors, int(timeout_s * 1000))
                    mains.append(main)
                    dones.append(done)
                results[name] = {"url": path.format(id=request_id), "selectors": selectors, "warm_up_s": round(warm[0], 3),
                                 "main_s": summary(mains), "done_s": summary(dones),
                                 "ok": summary(mains)["median"] <= TARGET_S}
            browser.close()
    finally:
        stop(proc)
    return results


def browser_rows(result: dict) -> list[dict]:
    return [{"page": name, "main_content_s": r["main_s"]["median"], "script_done_s": r["done_s"]["median"],
             "warm_up_s": r["warm_up_s"], "target_s": TARGET_S, "ok": r["ok"]} for name, r in result.items()]
