"""Shared Streamlit pieces: the language, the release guard, banner, attribution, numbers with
their n, filters, maps and URL state. One of the two portal modules that import streamlit.
Every string from the data or the URL goes through ``portal.text`` before it reaches Markdown
or HTML; every word of ours goes through the visitor's ``Translator`` (``tr()``).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import streamlit as st

from portal import cache, html, i18n, legends, package, settings
from portal.db import PUBLISH_HINT, Release, parse_utc_naive
from portal.definitions import define, n_text
from portal.filters import STATUSES, Filters, Vocabulary
from portal.i18n import Msg, Translator
from portal.metrics import SMALL_SAMPLE, Measure
from portal.text import md

LANG = "lang"  # the URL parameter and session key of the visitor's language


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


# --- language -------------------------------------------------------------------------------


def language() -> Translator:
    """The visitor's language, in this order: ``?lang=`` (a shared link opens in its sender's
    language), the choice made earlier in this session, the browser's language when the portal
    has it, English. Any language but English stays in the URL across pages."""
    code = i18n.resolve(st.query_params.get(LANG), st.session_state.get(LANG), st.context.locale)
    st.session_state[LANG] = code
    tr = i18n.translator(code)
    if code != i18n.SOURCE and st.query_params.get(LANG) != tr.tag:
        st.query_params[LANG] = tr.tag
    elif code == i18n.SOURCE and LANG in st.query_params:
        del st.query_params[LANG]
    return tr


def tr() -> Translator:
    """The language of this run (``language`` chose it in app.py)."""
    return i18n.translator(st.session_state.get(LANG, i18n.SOURCE))


def _picked() -> None:
    st.session_state[LANG] = st.session_state["lang_picker"] or st.session_state[LANG]
    if st.session_state[LANG] == i18n.SOURCE:
        st.query_params.pop(LANG, None)
    else:
        st.query_params[LANG] = i18n.tag(st.session_state[LANG])


def language_picker(tr: Translator) -> None:
    """The languages by their own names; the label says "Language" in each of them."""
    names = i18n.languages()
    st.session_state["lang_picker"] = tr.code
    label = " · ".join(dict.fromkeys(i18n.translator(code)._("Language") for code in names))
    st.segmented_control(
        label, list(names), format_func=names.get, key="lang_picker", on_change=_picked, label_visibility="collapsed"
    )


def frame_end(tr: Translator) -> None:
    """The page's language for browsers and screen readers (``<html lang>``), and the phone
    menu button's visible name; sent last, so they take no room above the page."""
    menu = tr._("Menu").replace("\\", "").replace('"', "")
    st.html(html.STYLE + f'<style>[data-testid="stExpandSidebarButton"]::after{{content:"{menu}"}}</style>')
    st.html(f"<script>document.documentElement.lang = {tr.tag!r};</script>", unsafe_allow_javascript=True)


def page_link(page, label: str, icon: str | None = None, **params) -> None:
    """``st.page_link`` that keeps the visitor's language."""
    lang = st.session_state.get(LANG, i18n.SOURCE)
    if lang != i18n.SOURCE:
        params[LANG] = i18n.tag(lang)
    st.page_link(page, label=label, icon=icon, query_params=params or None)


# --- the frame ------------------------------------------------------------------------------


def require_release() -> cache.Ctx:
    """The current release, or a helpful message and a stopped page when there is none.
    Every page starts here (which also puts it inside the app's frame)."""
    leave_legacy_pages_mode()
    ctx = cache.current()
    if ctx is None:
        _ = tr()._
        st.info(
            _(
                "**No release loaded yet.** This portal shows one published release of 311 data, "
                "and the database has none. Publish one, for example:"
            )
        )
        st.code(PUBLISH_HINT, language="bash")
        st.caption(_("Set PORTAL_DB_URL to use another database (default sqlite:///datasets/portal.db)."))
        frame_end(tr())  # the page stops here, before app.py's end of the frame
        st.stop()
    return ctx


def demo_banner(release: Release) -> None:
    if release.is_demo:
        st.warning(
            tr()._(
                "**DEMO DATA** — a fictional city generated for demonstration. These are not real service requests."
            ),
            icon=":material/science:",
        )


def release_line(release: Release) -> str:
    """``Data current through … · release … , published …`` (Markdown-safe)."""
    t = tr()
    try:
        created = t.datetime(parse_utc_naive(release.created), release.timezone)
    except ValueError:
        created = release.created
    return t._("Data current through **{through}** · release **{version}**, published {created}").format(
        through=md(t.datetime(release.as_of, release.timezone)), version=md(release.version), created=md(created)
    )


_SAFE_URL = re.compile(r"https?://[^\s<>()\[\]\\]{1,300}")


def _link(label: str | None, href: str | None) -> str:
    """A Markdown link when ``href`` is a plain http(s) URL, else just the escaped label."""
    label = md(label or href or tr()._("unknown"), 120)
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
    text = (
        tr()
        ._("{title} · License: {licence} · Source: {source} · {release}")
        .format(
            title=md(release.title, 200),
            licence=licence,
            source=_link(src[0].get("title"), src[0].get("path")),
            release=release_line(release),
        )
    )
    st.markdown(f":small[{text}]")


def portal_url() -> str | None:
    """The portal's address for downloads (``PORTAL_PUBLIC_URL``, else the one the browser used)."""
    configured = settings.setting("PORTAL_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


# --- numbers with their n -------------------------------------------------------------------


def n_caption(m: Measure) -> str:
    t = tr()
    text = n_text(m, t)  # "n = 4,417 closed; 580 still open, not counted": digits and words only
    if m.n == 0:
        return text + " · " + t._("no data")
    small = t._("small sample (n < {small})").format(small=t.number(SMALL_SAMPLE))
    return text + (f" · :orange-badge[{small}]" if m.small else "")


def n_note(col, text: str) -> None:
    # Small text rather than st.caption: the caption's 60% opacity takes the small-sample badge
    # below the WCAG AA contrast ratio (axe color-contrast on .stMarkdownBadge).
    col.markdown(f":small[:gray[{text}]]")


def metric_days(col, label: str, m: Measure, help_key: str = "median") -> None:
    t = tr()
    col.metric(label, t.days(m.value), help=define(help_key, t))
    n_note(col, n_caption(m))


def metric_share(col, label: str, m: Measure) -> None:
    t = tr()
    col.metric(label, t.percent(m.value), help=define("target", t))
    n_note(col, n_caption(m))


# --- URL state and messages -----------------------------------------------------------------


def query_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params.keys() if key != LANG}


def set_query_params(params: dict) -> None:
    """The page's view in the URL (the language parameter is kept)."""
    if query_params() != {k: v if isinstance(v, list) else [v] for k, v in params.items()}:
        lang = st.query_params.get(LANG)
        st.query_params.from_dict({**params, **({LANG: lang} if lang else {})})


def show_messages(messages: list[Msg]) -> None:
    t = tr()
    for message in messages:
        st.warning(md(t.msg(message), 300), icon=":material/link_off:")


# --- filters, tables, maps ------------------------------------------------------------------


def _dates(vocab: Vocabulary, filters: Filters, key: str) -> tuple[date | None, date | None]:
    if not vocab.first_day:
        return None, None
    picked = st.date_input(
        tr()._("Requested between (city time)"),
        key=f"{key}_dates",
        value=(filters.start or vocab.first_day, filters.end or vocab.last_day),
        min_value=vocab.first_day,
        max_value=vocab.last_day,
    )
    picked = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
    start = picked[0] if picked and picked[0] != vocab.first_day else None
    end = picked[1] if len(picked) > 1 and picked[1] != vocab.last_day else None
    return start, end


def filter_controls(
    filters: Filters, vocab: Vocabulary, types: list[dict], nbhds: list[dict], key: str, expanded: bool = False
) -> Filters:
    """Widgets for every filter in one collapsed box that says how many are set; returns the choice."""
    _ = tr()._
    type_names = {t["service_code"]: t["service_name"] for t in types}
    codes = sorted(vocab.service_codes, key=lambda c: type_names.get(c, c).lower())
    names = {n["neighborhood_code"]: n["name"] for n in nbhds}
    label = _("Filters ({n} set)").format(n=filters.active) if filters.active else _("Filters: none set")
    with st.expander(label, expanded=expanded, icon=":material/filter_list:", key=f"{key}_filters"):
        left, right = st.columns(2)
        chosen = left.multiselect(
            _("Request types"),
            codes,
            default=list(filters.service_codes),
            format_func=lambda c: type_names.get(c, c),
            key=f"{key}_types",
            placeholder=_("All types"),
        )
        status = right.selectbox(
            _("Status"),
            [None, *STATUSES],
            key=f"{key}_status",
            index=[None, *STATUSES].index(filters.status),
            format_func=lambda s: _("Any status") if s is None else _(STATUSES[s]),
        )
        nb_options = [None, *sorted(names, key=lambda c: names[c].lower())]
        nbhd = left.selectbox(
            _("Neighborhood"),
            nb_options,
            key=f"{key}_nbhd",
            index=nb_options.index(filters.neighborhood),
            format_func=lambda c: _("All neighborhoods") if c is None else names[c],
        )
        with right:
            start, end = _dates(vocab, filters, key)
    return Filters(tuple(chosen), status, start, end, nbhd)


def legend(title: str, items: list[tuple[str, str]], alpha: int = 255, outline: tuple[str, ...] = ()) -> None:
    """Colour swatches with their labels (``maps.swatches``)."""
    st.html(html.legend(title, legends.swatches(items, alpha, outline)))


def pydeck_map(deck, height: int = 420, key: str | None = None, alt: str | None = None, select: bool = False):
    """The map; with ``select``, a tap or click on a shape or point reruns the page and the
    returned state names what was chosen (``picked``)."""
    return st.pydeck_chart(deck, height=height, key=key, alt=alt, on_select="rerun" if select else "ignore")
