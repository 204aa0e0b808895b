"""Every page of the demo and New York City releases, at phone and desktop width, in English,
Spanish and Simplified Chinese, in Chromium.

Per (release, page, width, language) one visit, opened with ``?lang=``: the page's heading and
main content in that language, no Streamlit exception box, ``<html lang>`` set, the attribution
(license, source, release version), the DEMO DATA banner exactly on the demo release, the first
screen (the map's canvas on the Map page, the tracker's input on Home at 390 px), a full-height
screenshot in artifacts/screenshots/<release>-<page>-<width>-<lang>.png, and axe-core with no
'serious' or 'critical' violation (every violation, whatever its impact, is written to
artifacts/axe/<release>-<page>-<width>-<lang>.json). All problems of a visit are reported together.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from portal.i18n import translator

SITES = ["demo", pytest.param("nyc", marks=pytest.mark.shared)]
WIDTHS = ["1280", "390"]
LANGS = ["en", "es", "zh_Hans"]
BLOCKING = {"serious", "critical"}
AXE_REPORTS = Path(os.environ.get("PORTAL_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "artifacts")) / "axe"
MAP = '[data-testid="stDeckGlJsonChart"] canvas'
TABLE = ".p311-table table"

# page: (path, main heading, what else shows the page's main content, what must be on the first
# screen {width: check}). Texts are English msgids, translated for each language.
# Each check is ("heading" | "button" | "field" | "text", msgid) or ("css", selector).
PAGES = {
    "home": (
        "/",
        "311 service requests",
        [("heading", "Track a request"), ("field", "Request id"), ("button", "Track"), ("text", "New requests")],
        {"390": ("field", "Request id"), "1280": ("field", "Request id")},
    ),
    "map": (
        "/map",
        "Map of requests",
        [("css", MAP), ("field", "Find a neighborhood or a street"), ("text", "The map as a table")],
        {"390": ("css", MAP), "1280": ("css", MAP)},
    ),
    "track": (
        "/track",
        "Track a request",
        [("field", "Request id"), ("button", "Look up")],
        {"390": ("field", "Request id"), "1280": ("field", "Request id")},
    ),
    "neighborhood": (
        "/neighborhood",
        "Neighborhood report",
        [("css", MAP), ("heading", "Downloads"), ("button", "Printable brief (PDF)"), ("css", TABLE)],
        {},
    ),
    "performance": (
        "/performance",
        "Performance",
        [("field", "Period"), ("css", TABLE), ("css", '[data-testid="stVegaLiteChart"]')],
        {},
    ),
    "data": ("/data", "Data", [("text", "Files"), ("text", "Data dictionary"), ("css", TABLE)], {}),
}
LICENSE_WORD = {"en": "License: ", "es": "Licencia: ", "zh_Hans": "许可协议："}


def locate(page, kind: str, name: str):
    if kind == "css":
        return page.locator(name).first
    if kind == "text":
        return page.get_by_text(name, exact=True).first
    if kind == "field":  # a text input or select, by its label
        return page.get_by_label(name, exact=True).first
    return page.get_by_role(kind, name=name).first  # heading, button


def _check(tr, kind: str, name: str) -> tuple[str, str]:
    return kind, name if kind == "css" else tr._(name)


def first_screen_problems(page, tr, kind: str, name: str) -> list[str]:
    box = locate(page, *_check(tr, kind, name)).bounding_box()
    height = page.viewport_size["height"]
    if box is None or box["y"] >= height or box["y"] < 0:
        return [f"{name!r} is not on the first screen ({height} px high): {box}"]
    return []


def content_problems(page, site, tr, heading: str, checks: list) -> list[str]:
    problems = []
    for kind, name in [("heading", heading), *checks]:
        found = locate(page, *_check(tr, kind, name))
        if not found.is_visible():
            problems.append(f"missing {kind} {_check(tr, kind, name)[1]!r}")
        elif name == MAP and (found.bounding_box() or {}).get("width", 0) < 300:
            problems.append(f"{name} is narrower than 300 px: {found.bounding_box()}")
    for box in page.locator('[data-testid="stException"]').all():
        problems.append(f"Streamlit exception box: {box.inner_text()[:500]}")
    if page.evaluate("document.documentElement.lang") != tr.tag:
        problems.append(f"<html lang> is {page.evaluate('document.documentElement.lang')!r}, not {tr.tag!r}")
    footer = page.locator('[data-testid="stMarkdownContainer"]', has_text=LICENSE_WORD[tr.code].strip()).last
    footer_text = footer.inner_text() if footer.count() else ""
    for label, text in [
        ("license", LICENSE_WORD[tr.code] + site.package["licenses"][0]["title"]),
        ("source", site.package["sources"][0]["title"]),
        ("release version", site.version),
    ]:
        if text not in footer_text:
            problems.append(f"attribution lacks the {label} ({text!r}); footer: {footer_text[:300]!r}")
    demo = page.get_by_text(tr._("DEMO DATA"), exact=True)  # the banner's bold words
    if site.is_demo and not demo.first.is_visible():
        problems.append("the DEMO DATA banner is missing on the demo release")
    if not site.is_demo and demo.count():
        problems.append("a DEMO DATA banner on a real city's release")
    return problems


def axe_problems(violations: list[dict], name: str) -> list[str]:
    """The blocking violations as lines; every violation goes to artifacts/axe/<name>.json."""
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(
        json.dumps(
            [
                {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
                for v in violations
            ],
            indent=1,
        )
    )
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:8])
        for v in violations
        if v.get("impact") in BLOCKING
    ]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("site", SITES, indirect=True)
def test_page_shows_its_content_attribution_and_passes_axe(
    site, name, width, lang, tab, wait_for_streamlit, full_height, run_axe, save_screenshot
):
    path, heading, checks, first_screen = PAGES[name]
    tr = translator(lang)
    page = tab(width)
    page.goto(site.url(path) + ("" if lang == "en" else f"?lang={tr.tag}"))
    wait_for_streamlit(page)
    page.get_by_role("heading", name=tr._(heading), exact=True).first.wait_for()
    if any(kind == "css" and sel == MAP for kind, sel in checks):
        page.locator(MAP).first.wait_for()
    shot = f"{site.name}-{name}-{width}-{lang}"
    problems = []
    if width in first_screen:
        problems += first_screen_problems(page, tr, *first_screen[width])
        save_screenshot(page, f"{shot}-first-screen", full_page=False)
    with full_height(page):
        save_screenshot(page, shot)
        problems += content_problems(page, site, tr, heading, checks)
        problems += axe_problems(run_axe(page), shot)
    assert not problems, f"{site.url(path)} at {width} px in {lang}:\n" + "\n".join(problems)
