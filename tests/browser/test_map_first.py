"""The Map page as a resident uses it: the street basemap's offline fallback, a tap on a
neighborhood, the search, and the whole page by keyboard alone (demo release)."""

from __future__ import annotations

import re

from PIL import Image
from playwright.sync_api import expect

MAP = '[data-testid="stDeckGlJsonChart"]'
CIVIDIS = [(0x00, 0x22, 0x4E), (0x41, 0x4D, 0x6B), (0x7C, 0x7B, 0x78), (0xBC, 0xAF, 0x6F), (0xFE, 0xE8, 0x38)]
FILL_ALPHA = 150 / 255  # portal.maps.FILL_ALPHA over a white page


def _shaded(rgb: tuple[int, int, int]) -> tuple[int, ...]:
    return tuple(round(c * FILL_ALPHA + 255 * (1 - FILL_ALPHA)) for c in rgb)


def _close(a, b, tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def test_without_the_tile_server_the_map_is_drawn_without_streets(demo_site, page, wait_for_streamlit, tmp_path):
    """The basemap is on by default and fetched by the browser; when the tile server cannot be
    reached (here: every request to it is refused, as offline), the neighborhoods are drawn all the
    same, each shaded in its class's colour (their names are the same deck's TextLayer)."""
    tried = []
    page.route(
        re.compile(r"https?://[^/]*cartocdn\.com/.*"), lambda route: (tried.append(route.request.url), route.abort())
    )
    page.goto(demo_site.url("/map"))
    wait_for_streamlit(page)
    page.locator(f"{MAP} canvas").first.wait_for()
    page.wait_for_timeout(2500)  # software WebGL
    assert tried, "the street basemap was not requested: it should be on by default"
    assert not page.locator('[data-testid="stException"]').count()
    shot = tmp_path / "map.png"
    page.locator(MAP).first.screenshot(path=str(shot))
    colours = [c for _, c in Image.open(shot).convert("RGB").getcolors(1 << 20)]
    shaded = [rgb for rgb in CIVIDIS if any(_close(c, _shaded(rgb)) for c in colours)]
    assert len(shaded) >= 4, f"only {len(shaded)} of the 5 classes' colours drawn"


def test_a_tap_on_a_neighborhood_offers_its_report(demo_site, page, wait_for_streamlit):
    page.goto(demo_site.url("/map"))
    wait_for_streamlit(page)
    canvas = page.locator(f"{MAP} canvas").first
    canvas.wait_for()
    page.wait_for_timeout(2000)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_streamlit(page)
    link = page.get_by_role("link", name=re.compile(r"^Open the report for "))
    expect(link).to_be_visible()
    name = re.search(r"Open the report for (.+)$", link.inner_text().strip()).group(1)  # after the icon
    link.click()
    page.wait_for_url(re.compile(r"/neighborhood\?nbhd="))
    wait_for_streamlit(page)
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def _tab_to(page, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies the JS predicate ``matches`` (on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({matches}); }}"):
            return
    raise AssertionError(f"Tab never reached an element with {matches}")


def test_the_map_page_works_by_keyboard_alone(demo_site, page, wait_for_streamlit):
    page.goto(demo_site.url("/map"))
    wait_for_streamlit(page)
    page.locator(f"{MAP} canvas").first.wait_for()
    # the language picker (a radio group: Tab reaches the chosen language, the arrows the others)
    _tab_to(page, "el.getAttribute('role') === 'radio' && el.innerText.trim() === 'English'")
    page.keyboard.press("ArrowRight")
    if page.evaluate("document.activeElement.getAttribute('aria-checked')") != "true":
        page.keyboard.press("Space")
    wait_for_streamlit(page)
    expect(page.get_by_role("heading", name="Mapa de solicitudes")).to_be_visible()
    _tab_to(page, "el.getAttribute('aria-label') === 'Buscar un vecindario o una calle'")
    page.keyboard.type("maple")
    page.keyboard.press("Enter")
    wait_for_streamlit(page)
    expect(page.get_by_role("link", name="Abrir el informe de Maple Hill")).to_be_visible()
    assert re.search(r"[?&]q=maple", page.url) and re.search(r"[?&]lang=es", page.url)
    # the filters box opens from the keyboard
    _tab_to(page, "el.tagName === 'SUMMARY' && el.innerText.includes('Filtros')")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Tipos de solicitud", exact=True)).to_be_visible()
    # the map as a table: open it and follow a neighborhood's link, by keyboard
    _tab_to(page, "el.tagName === 'SUMMARY' && el.innerText.includes('El mapa en forma de tabla')")
    page.keyboard.press("Enter")
    _tab_to(page, "el.tagName === 'A' && el.innerText.trim() === 'Aspen Terrace'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/neighborhood\?nbhd=.*lang=es"))
    wait_for_streamlit(page)
    expect(page.get_by_role("heading", name="Informe del vecindario")).to_be_visible()
    expect(page.get_by_role("heading", name="Aspen Terrace", exact=True)).to_be_visible()


def test_a_found_block_is_pinned_on_the_map(demo_site, page, wait_for_streamlit):
    page.goto(demo_site.url("/map?q=block"))
    wait_for_streamlit(page)
    radios = page.get_by_role("radiogroup", name="Places found")
    expect(radios).to_be_visible()
    first = radios.locator('[data-testid="stRadioOption"]').first
    assert re.search(r"block of .* · block$", first.inner_text().strip())
    expect(page.get_by_role("link", name=re.compile(r"^Open the report for "))).to_be_visible()
