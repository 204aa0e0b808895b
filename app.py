"""Streamlit entry point: page config, explicit navigation, and the frame around every page
(the DEMO DATA banner above, attribution below). Run: ``streamlit run app.py``."""

from pathlib import Path

import streamlit as st

from portal import cache, ui

PAGES_DIR = Path(__file__).resolve().parent / "pages"  # absolute: independent of the cwd
PAGES = [  # file, title, url path, icon
    ("home.py", "Home", "", ":material/home:"),
    ("map.py", "Map", "map", ":material/map:"),
    ("track.py", "Track a request", "track", ":material/search:"),
    ("neighborhood.py", "Neighborhood report", "neighborhood", ":material/description:"),
    ("performance.py", "Performance", "performance", ":material/speed:"),
    ("data.py", "Data", "data", ":material/download:"),
]


def build_navigation():
    """Register the pages (Home is the default at ``/``) and return the one to run."""
    pages = [
        st.Page(PAGES_DIR / name, title=title, icon=icon, default=True)
        if not url
        else st.Page(PAGES_DIR / name, title=title, icon=icon, url_path=url)
        for name, title, url, icon in PAGES
    ]
    return st.navigation(pages, position="top")


def main() -> None:
    st.set_page_config(page_title="311 open data", page_icon="🏙️", layout="centered")
    page = build_navigation()
    ctx = cache.current()
    if ctx is not None:
        ui.demo_banner(ctx.release)
    page.run()
    if ctx is not None:
        ui.footer(ctx.release)


if __name__ == "__main__":
    main()
