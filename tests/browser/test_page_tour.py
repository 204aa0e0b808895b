"""Every page of the demo and New York City releases, at desktop and phone width, in Chromium.

Per (release, page, width) one visit: the page's heading and main content, no Streamlit exception
box, the attribution (license, source, release version), the DEMO DATA banner exactly on the demo
release, a full-height screenshot in artifacts/screenshots/<release>-<page>-<width>.png, and axe-core
with no 'serious' or 'critical' violation (every violation, whatever its impact, is written to
artifacts/axe/<release>-<page>-<width>.json). All problems of a visit are reported together.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

SITES = ["demo", pytest.param("nyc", marks=pytest.mark.shared)]
WIDTHS = ["1280", "390"]
BLOCKING = {"serious", "critical"}
AXE_REPORTS = Path(os.environ.get("PORTAL_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "artifacts")) / "axe"
MAP = '[data-testid="stDeckGlJsonChart"] canvas'
TABLE = '[data-testid="stDataFrame"]'

# page: (path, main heading, what else shows the page's main content)
# Each check is ("heading" | "button" | "field" | "text", name) or ("css", selector).
PAGES = {
    "home": (
        "/",
        "311 service requests",
        [
            ("heading", "The latest 30 days"),
            ("text", "New requests"),
            ("text", "Open backlog"),
            ("heading", "Track a request"),
            ("field", "Request id"),
            ("button", "Track"),
        ],
    ),
    "map": (
        "/map",
        "Map of requests",
        [
            ("field", "Request types"),
            ("text", "Shade neighborhoods by"),
            ("css", MAP),
            ("text", "requests match the filters"),
        ],
    ),
    "track": (
        "/track",
        "Track a request",
        [("field", "Request id"), ("button", "Look up"), ("text", "Enter the id of a service request")],
    ),
    "neighborhood": (
        "/neighborhood",
        "Neighborhood report",
        [
            ("text", "Top request types in the period"),
            ("css", MAP),
            ("heading", "Downloads"),
            ("button", "Printable brief (PDF)"),
        ],
    ),
    "performance": ("/performance", "Performance", [("field", "Period"), ("css", TABLE)]),
    "data": (
        "/data",
        "Data",
        [
            ("heading", "Files"),
            ("button", "Download service_requests.csv"),
            ("heading", "Data dictionary"),
            ("heading", "Versions"),
        ],
    ),
}


def locate(page, kind: str, name: str):
    if kind == "css":
        return page.locator(name).first
    if kind == "text":
        return page.get_by_text(name).first
    if kind == "field":  # a text input or select, by its label
        return page.get_by_label(name, exact=True).first
    return page.get_by_role(kind, name=name).first  # heading, button


def content_problems(page, site, heading: str, checks: list) -> list[str]:
    problems = []
    for kind, name in [("heading", heading), *checks]:
        found = locate(page, kind, name)
        if not found.is_visible():
            problems.append(f"missing {kind} {name!r}")
        elif kind == "css" and (found.bounding_box() or {}).get("width", 0) < 300:
            problems.append(f"{name} is narrower than 300 px: {found.bounding_box()}")
    for box in page.locator('[data-testid="stException"]').all():
        problems.append(f"Streamlit exception box: {box.inner_text()[:500]}")
    footer = page.locator('[data-testid="stMarkdownContainer"]', has_text="License:").last
    footer_text = footer.inner_text() if footer.count() else ""
    license_title = site.package["licenses"][0]["title"]
    source_title = site.package["sources"][0]["title"]
    for label, text in [
        ("license", f"License: {license_title}"),
        ("source", f"Source: {source_title}"),
        ("release version", f"release {site.version}"),
    ]:
        if text not in footer_text:
            problems.append(f"attribution lacks the {label} ({text!r}); footer: {footer_text[:300]!r}")
    banner = page.get_by_text(re.compile(r"^DEMO DATA$"))
    if site.is_demo and not banner.first.is_visible():
        problems.append("the DEMO DATA banner is missing on the demo release")
    if not site.is_demo and banner.count():
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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("site", SITES, indirect=True)
def test_page_shows_its_content_attribution_and_passes_axe(
    site, name, width, tab, wait_for_streamlit, full_height, run_axe, save_screenshot
):
    path, heading, checks = PAGES[name]
    page = tab(width)
    page.goto(site.url(path))
    wait_for_streamlit(page)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for()
    if any(kind == "css" and sel == MAP for kind, sel in checks):
        page.locator(MAP).first.wait_for()

    with full_height(page):
        save_screenshot(page, f"{site.name}-{name}-{width}")
        problems = content_problems(page, site, heading, checks)
        problems += axe_problems(run_axe(page), f"{site.name}-{name}-{width}")
    assert not problems, f"{site.url(path)} at {width} px:\n" + "\n".join(problems)
