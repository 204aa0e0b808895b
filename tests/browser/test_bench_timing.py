"""Target 4's timing (bench/browser.py): read from the page's own clock, maps counted once drawn."""

from __future__ import annotations

import pytest

from bench.browser import RECORD_JS, visit

# The text appears 200 ms after load. A canvas is on the page from the start, and its first
# WebGL draw call comes in a task that starts 400 ms after load and then stays busy for 500 ms,
# like deck.gl's first draw into a map element that is already on screen.
PAGE = """<!doctype html><title>t</title><h1>Shown</h1><canvas width=40 height=40></canvas><script>
setTimeout(() => document.body.insertAdjacentHTML("beforeend", "<p>content</p>"), 200);
setTimeout(() => {
  const gl = document.querySelector("canvas").getContext("webgl2");
  gl.clearColor(0, 0, 1, 1); gl.clear(gl.COLOR_BUFFER_BIT);
  gl.drawArrays(gl.POINTS, 0, 0);
  const t = performance.now(); while (performance.now() - t < 500) {}
}, 400);
</script>"""
SPECS = [["h1", "Shown"], ["p", "content"]]


@pytest.fixture
def bench_page(browser):
    context = browser.new_context()
    context.add_init_script(RECORD_JS)
    context.route("http://bench.test/**", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    yield context.new_page()
    context.close()


def test_main_content_is_the_first_frame_that_shows_it(bench_page):
    main, drawn, done = visit(bench_page, "http://bench.test/p", SPECS, None, 10_000, done_js="() => true")
    assert 0.2 <= main < 0.4  # after the text, before the drawing task
    assert drawn is None  # no map asked for
    assert done >= main


def test_a_map_counts_once_its_first_draw_is_on_screen(bench_page):
    main, drawn, _ = visit(
        bench_page, "http://bench.test/p", SPECS, "main", 10_000, done_js="() => true", map_element="canvas"
    )
    assert 0.9 <= main < 1.4  # the draw call's task (from 0.4 s, 0.5 s long) has ended
    assert drawn == pytest.approx(main, abs=0.02)  # the same drawing, seen from two frames


def test_a_map_below_the_content_is_timed_apart(bench_page):
    main, drawn, _ = visit(
        bench_page, "http://bench.test/p", SPECS, "below", 10_000, done_js="() => true", map_element="canvas"
    )
    assert 0.2 <= main < 0.4
    assert 0.9 <= drawn < 1.4
