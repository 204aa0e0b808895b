"""Target 4 (browser): from navigation to each page's main content, in headless Chromium, warm server.

``streamlit run app.py`` serves the release's SQLite database (PORTAL_DB_URL); Playwright drives
Debian's ``/usr/bin/chromium``. Each page is visited once to warm the server's caches, then timed
``runs`` times. The times are read from the page's own clock (``performance.now()``, which starts
at the navigation):

* ``main_s`` (the target: at most 3 s): the first animation frame in which every element of the
  page's main content is visible, checked on every frame. On the map page the map must also have
  been drawn: its element is on screen an instant before deck.gl's first draw into it, which takes
  seconds of software WebGL here (``RECORD_JS`` notes when that drawing is done).
* ``map_s``: the same for a smaller map lower on the page (track, neighborhood), timed apart.
* ``done_s``: Streamlit's script run has finished.

Earlier sessions polled Playwright locators instead. That rounds up to the poll's steps (up to
500 ms), and on the map it could pass before the first draw, so it was both coarse and early.
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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TARGET_S = 3.0
MAP_WAIT_MS = 15_000
METRIC, TABLE = ['[data-testid="stMetric"]', ""], [".p311-table table", ""]  # portal.html.table
DECK_ELEMENT = '[data-testid="stDeckGlJsonChart"]'
DECK = [DECK_ELEMENT + " canvas", ""]
# page -> (path, [css selector, text it contains]: all visible = "the page's main content is rendered",
#          its map: "main" (part of the main content), "below" (timed apart, as map_s) or None);
# {id}: a request of the release
PAGES = {
    "home": ("/", [["h1", "311 service requests"], METRIC], None),
    "map": ("/map", [["h1", "Map of requests"], DECK], "main"),
    "track": ("/track?id={id}", [["h1", "Track a request"], ["h2, h3", "Timeline"]], "below"),
    "neighborhood": ("/neighborhood", [["h1", "Neighborhood report"], METRIC, TABLE], "below"),
    "performance": ("/performance", [["h1", "Performance"], TABLE], None),
    "data": (
        "/data",
        [["h1", "Data"], ['[role="tab"]', "Data dictionary"], ['[data-testid="stDownloadButton"]', ""]],
        None,
    ),
}
# before any page script: note when the first WebGL drawing is done. A draw call only queues
# commands for the GPU process (here software GL, SwiftShader), and the frame waits for them; so
# the next animation frame after the first draw call reads back one pixel (which waits until the
# drawing is done, as that frame's display would) and notes the time.
RECORD_JS = """
window.__drawnAt = null;
let __drawSeen = false;
for (const proto of [window.WebGLRenderingContext, window.WebGL2RenderingContext].filter(Boolean).map(c => c.prototype)) {
    for (const name of ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced", "drawRangeElements"]) {
        const draw = proto[name];
        if (!draw) continue;
        proto[name] = function (...args) {
            if (!__drawSeen) {
                __drawSeen = true;
                const gl = this;
                requestAnimationFrame(() => {
                    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
                    window.__drawnAt = performance.now();
                });
            }
            return draw.apply(this, args);
        };
    }
}
"""
SHOWN_JS = """([specs, drawn]) => {
    if (drawn && window.__drawnAt === null) return false;
    const visible = el => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    const found = specs.every(([css, text]) => [...document.querySelectorAll(css)].some(
        el => visible(el) && el.textContent.includes(text)));
    return found ? Math.max(performance.now(), window.__drawnAt || 0) : false;
}"""
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
    cmd = [
        PYTHON,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env={**os.environ, "PORTAL_DB_URL": db_url},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
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


def visit(
    page,
    url: str,
    specs: list[list[str]],
    map_role: str | None,
    timeout_ms: int,
    done_js: str = DONE_JS,
    map_element: str = DECK_ELEMENT,
) -> tuple[float, float | None, float]:
    """(main_s, map_s, done_s) of one navigation, in the page's clock. ``specs`` visible, and with
    ``map_role`` "main" a WebGL draw made, is the main content; with "main" or "below", ``map_s``
    is when its first WebGL drawing was done (None if the page drew no map). The page's context
    must have ``RECORD_JS``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="commit", timeout=timeout_ms)
    main = page.wait_for_function(
        SHOWN_JS, arg=[specs, map_role == "main"], timeout=timeout_ms, polling="raf"
    ).json_value()
    page.wait_for_function(done_js, timeout=timeout_ms, polling=50)
    done = page.evaluate("performance.now()")
    drawn = None
    if map_role is not None:  # (a request without a place has no map: give up after MAP_WAIT_MS)
        try:
            drawn = page.wait_for_function("window.__drawnAt", timeout=MAP_WAIT_MS, polling=50).json_value()
        except PlaywrightTimeout:
            if page.locator(map_element).count():
                raise
    return main / 1000, None if drawn is None else drawn / 1000, done / 1000


def bench_browser(db_url: str, request_id: str, runs: int, log: Path, timeout_s: float = 60) -> dict:
    from playwright.sync_api import sync_playwright

    proc, base = start_streamlit(db_url, log)
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            context.add_init_script(RECORD_JS)
            page = context.new_page()
            for name, (path, specs, map_role) in PAGES.items():
                url = base + path.format(id=request_id)
                warm = visit(page, url, specs, map_role, int(timeout_s * 1000))
                mains, maps, dones = [], [], []
                for _ in range(runs):
                    page.goto("about:blank")
                    main, drawn, done = visit(page, url, specs, map_role, int(timeout_s * 1000))
                    mains.append(main)
                    maps.append(drawn)
                    dones.append(done)
                results[name] = {
                    "url": path.format(id=request_id),
                    "content": specs,
                    "map": map_role,
                    "warm_up_s": round(warm[0], 3),
                    "main_s": summary(mains),
                    "map_s": summary(maps) if None not in maps and map_role else None,
                    "done_s": summary(dones),
                    "ok": summary(mains)["median"] <= TARGET_S,
                }
            browser.close()
    finally:
        stop(proc)
    return results


def browser_rows(result: dict) -> list[dict]:
    return [
        {
            "page": name,
            "main_content_s": r["main_s"]["median"],
            "map_drawn_s": r["map_s"]["median"] if r["map_s"] else None,
            "script_done_s": r["done_s"]["median"],
            "warm_up_s": r["warm_up_s"],
            "target_s": TARGET_S,
            "ok": r["ok"],
        }
        for name, r in result.items()
    ]
