"""The browser harness itself: serve a throwaway Streamlit script, look, run axe, screenshot."""

from __future__ import annotations

import textwrap


def test_harness_serves_script_runs_axe_and_screenshots(
    serve_app, page, tmp_path, wait_for_streamlit, run_axe, save_screenshot
):
    script = tmp_path / "hello_app.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            import streamlit as st

            st.title("Harness check")
            st.write("db:", os.environ.get("PORTAL_DB_URL", "none"))
            """
        )
    )
    base_url = serve_app(db_url="sqlite:///harness.db", script=script)

    page.goto(base_url)
    wait_for_streamlit(page)

    assert page.get_by_role("heading", name="Harness check").is_visible()
    assert page.get_by_text("sqlite:///harness.db").is_visible()

    violations = run_axe(page)
    assert isinstance(violations, list)
    assert all({"id", "impact", "nodes"} <= set(v) for v in violations)

    shot = save_screenshot(page, "harness")
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wait_for_streamlit_waits_for_the_script_run(serve_app, page, tmp_path, wait_for_streamlit):
    script = tmp_path / "slow_app.py"
    script.write_text(
        "import time\nimport streamlit as st\n\nst.write('started')\ntime.sleep(2)\nst.write('finished')\n"
    )
    page.goto(serve_app(script=script))
    wait_for_streamlit(page)

    assert page.get_by_text("finished").is_visible()
