"""Streamlit entry point: page config, the visitor's language, explicit navigation, and the frame
around every page (language picker and DEMO DATA banner above, attribution below).
Run: ``streamlit run app.py``."""

from pathlib import Path

import streamlit as st

from portal import cache, ui
from portal.i18n import N_

PAGES_DIR = Path(__file__).resolve().parent / "pages"  # absolute: independent of the cwd
PAGES = [  # file, title, url path, icon
    ("home.py", N_("Home"), "", ":material/home:"),
    ("map.py", N_("Map"), "map", ":material/map:"),
    ("track.py", N_("Track a request"), "track", ":material/search:"),
    ("neighborhood.py", N_("Neighborhood report"), "neighborhood", ":material/description:"),
    ("performance.py", N_("Performance"), "performance", ":material/speed:"),
    ("data.py", N_("Data"), "data", ":material/download:"),
]


def build_navigation(tr):
    """Register the pages (Home is the default at ``/``), titled in the visitor's language, and
    return the one to run."""
    pages = [
        st.Page(PAGES_DIR / name, title=tr._(title), icon=icon, default=True)
        if not url
        else st.Page(PAGES_DIR / name, title=tr._(title), icon=icon, url_path=url)
        for name, title, url, icon in PAGES
    ]
    return st.navigation(pages, position="top")


def main() -> None:
    tr = ui.language()
    st.set_page_config(page_title=tr._("311 open data"), page_icon="🏙️", layout="centered")
    page = build_navigation(tr)
    ui.language_picker(tr)
    ctx = cache.current()
    if ctx is not None:
        ui.demo_banner(ctx.release)
    page.run()
    if ctx is not None:
        ui.footer(ctx.release)
    ui.frame_end(tr)


if __name__ == "__main__":
    main()
