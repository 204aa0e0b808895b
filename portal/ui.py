"""Shared Streamlit pieces: the release guard, banner, attribution, badges, filters, URL state.

One of the two portal modules that import streamlit. Every string from the data or the URL
goes through ``portal.text`` before it reaches Markdown or HTML.
"""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from portal import cache, maps, package
from portal.db import PUBLISH_HINT, Release, parse_utc_naive
from portal.filters import STATUSES, Filters, Vocabulary
from portal.metrics import DEFINITIONS, SMALL_SAMPLE, Measure, n_text
from portal.text import html_text, md
from portal.timefmt import format_local


def leave_legacy_pages_mode() -> None:
    """Make sure the page runs inside app.py's frame (navigation, banner, attribution).

    Streamlit runs an app that has a ``pages/`` folder in its legacy pages-folder mode until
    some run calls ``st.navigation``; on a fresh server, a first visit straight to ``/map``
    would run pages/map.py alone. This switches the mode off and reruns the same page, which
    then goes through app.py (page hashes are the same in both modes: the URL path).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_release() -> cache.Ctx:
    """The current release, or a helpful message and a stopped page when there is none.
    Every page starts here (which also puts it inside the app's frame)."""
    leave_legacy_pages_mode()
    ctx = cache.current()
    if ctx is None:
        st.info(
            "**No release loaded yet.** This portal shows one published release of 311 data, "
            "and the database has none. Publish one, for example:"
        )
        st.code(PUBLISH_HINT, language="bash")
        st.caption("Set PORTAL_DB_URL to use another database (default sqlite:///datasets/portal.db).")
        st.stop()
    return ctx


def demo_banner(release: Release) -> None:
    if release.is_demo:
        st.warning(
            "**DEMO DATA** — a fictional city generated for demonstration. These are not real service requests.",
            icon=":material/science:",
        )


def release_line(release: Release) -> str:
    """``Data current through … · release … , published …`` (Markdown-safe)."""
    through = format_local(release.as_of, release.timezone)
    try:
        created = format_local(parse_utc_naive(release.created), release.timezone)
    except ValueError:
        created = release.created
    return f"Data current through **{md(through)}** · release **{md(release.version)}**, published {md(created)}"


_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]\\]{1,300}")


def _link(label: str | None, href: str | None) -> str:
    """A Markdown link when ``href`` is a plain http(s) URL, else just the escaped label."""
    label = md(label or href or "unknown", 120)
    if href and _SAFE_URL.fullmatch(str(href)):
        return f"[{label}](<{href}>)"
    return label


def footer(release: Release) -> None:
    """Attribution on every page: license, source and release version."""
    lic = package.licenses(release)[:1] or [{}]
    src = package.sources(release)[:1] or [{}]
    st.divider()
    # Small text, not st.caption: a caption is drawn at 60% opacity, which takes its links
    # below the WCAG AA contrast ratio (axe color-contrast: 2.96:1 for the theme's link blue).
    licence = _link(lic[0].get("title") or lic[0].get("name"), lic[0].get("path"))
    st.markdown(
        f":small[{md(release.title, 200)} · License: {licence}"
        f" · Source: {_link(src[0].get('title'), src[0].get('path'))} · {release_line(release)}]"
    )


def n_caption(m: Measure) -> str:
    text = n_text(m)  # "n = 4,417 closed; 580 still open, not counted": digits and words only
    if m.n == 0:
        return text + " · no data"
    return text + (f" · :orange-badge[small sample (n < {SMALL_SAMPLE})]" if m.small else "")


def _n_note(col, m: Measure) -> None:
    # Small text rather than st.caption: the caption's 60% opacity takes the small-sample badge
    # below the WCAG AA contrast ratio (axe color-contrast on .stMarkdownBadge).
    col.markdown(f":small[:gray[{n_caption(m)}]]")


def metric_days(col, label: str, m: Measure, help_key: str = "median") -> None:
    col.metric(label, "—" if m.value is None else f"{m.value:.1f} days", help=DEFINITIONS[help_key])
    _n_note(col, m)


def metric_share(col, label: str, m: Measure) -> None:
    col.metric(label, "—" if m.value is None else f"{m.value:.0%}", help=DEFINITIONS["target"])
    _n_note(col, m)


def query_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params.keys()}


def set_query_params(params: dict) -> None:
    if query_params() != {k: v if isinstance(v, list) else [v] for k, v in params.items()}:
        st.query_params.from_dict(params)


def show_messages(messages: list[str]) -> None:
    for message in messages:
        st.warning(md(message, 300), icon=":material/link_off:")


def _dates(vocab: Vocabulary, filters: Filters, key: str) -> tuple[date | None, date | None]:
    if not vocab.first_day:
        return None, None
    picked = st.date_input(
        "Requested between (city time)",
        key=f"{key}_dates",
        value=(filters.start or vocab.first_day, filters.end or vocab.last_day),
        min_value=vocab.first_day,
        max_value=vocab.last_day,
    )
    picked = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
    start = picked[0] if picked and picked[0] != vocab.first_day else None
    end = picked[1] if len(picked) > 1 and picked[1] != vocab.last_day else None
    return start, end


def filter_controls(filters: Filters, vocab: Vocabulary, types: list[dict], nbhds: list[dict], key: str) -> Filters:
    """Widgets for every filter, starting from ``filters``; returns what the user chose."""
    type_names = {t["service_code"]: t["service_name"] for t in types}
    codes = sorted(vocab.service_codes, key=lambda c: type_names.get(c, c).lower())
    names = {n["neighborhood_code"]: n["name"] for n in nbhds}
    with st.expander("Filters", expanded=True, icon=":material/filter_list:"):
        left, right = st.columns(2)
        chosen = left.multiselect(
            "Request types",
            codes,
            default=list(filters.service_codes),
            format_func=lambda c: type_names.get(c, c),
            key=f"{key}_types",
            placeholder="All types",
        )
        status = right.selectbox(
            "Status",
            [None, *STATUSES],
            key=f"{key}_status",
            index=[None, *STATUSES].index(filters.status),
            format_func=lambda s: "Any status" if s is None else STATUSES[s],
        )
        nb_options = [None, *sorted(names, key=lambda c: names[c].lower())]
        nbhd = left.selectbox(
            "Neighborhood",
            nb_options,
            key=f"{key}_nbhd",
            index=nb_options.index(filters.neighborhood),
            format_func=lambda c: "All neighborhoods" if c is None else names[c],
        )
        with right:
            start, end = _dates(vocab, filters, key)
    return Filters(tuple(chosen), status, start, end, nbhd)


def _css_rgba(hex_color: str, alpha: int) -> str:
    r, g, b, _ = maps.rgba(hex_color)
    return f"rgba({r},{g},{b},{alpha / 255:.3f})"


def legend(title: str, items: list[tuple[str, str]], alpha: int = 255) -> None:
    """Colour swatches with labels (labels HTML-escaped). ``alpha`` is the layer's, so that a
    translucent fill and its swatch look the same."""
    swatches = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:0 .8rem .3rem 0">'
        f'<span style="width:1rem;height:1rem;background:{_css_rgba(color, alpha)};border:1px solid #555;'
        f'margin-right:.35rem;display:inline-block"></span>{html_text(label)}</span>'
        for color, label in items
    )
    st.markdown(f'<div style="font-size:.85rem"><b>{html_text(title)}</b><br>{swatches}</div>', unsafe_allow_html=True)


def pydeck_map(deck, height: int = 420, key: str | None = None) -> None:
    st.pydeck_chart(deck, height=height, key=key)
