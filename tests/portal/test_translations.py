"""The message catalogs are complete: every user-visible string of ``pages/``, ``app.py`` and
``portal/`` goes through the catalog, and every language translates every entry.

* ``test_no_text_outside_the_catalog`` reads the code: a string literal that reads as words (two
  words, or the label of a Streamlit element) must be inside ``_()``, ``tr._()``, ``ngettext()``
  or ``N_()``, unless it is a docstring, an exception for developers, or listed in ``NOT_SHOWN``
  with the reason it never reaches a visitor.
* ``test_every_language_translates_every_message`` extracts the catalog as ``scripts/i18n.sh
  update`` does and compares each ``.po`` with it: a message missing, untranslated, fuzzy or
  left over fails, and so does a translation that changes a ``{placeholder}``, ``**bold**`` or
  a `` `code` `` mark.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal import i18n
from portal.translations import extract_all

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "portal").glob("*.py")])
GETTEXT = {"_", "N_", "ngettext", "gettext"}
UI_CALLS = {  # Streamlit elements whose first argument (or label) a visitor reads
    "title", "header", "subheader", "markdown", "caption", "write", "text", "info", "warning", "error",
    "success", "metric", "button", "download_button", "selectbox", "radio", "multiselect", "text_input",
    "toggle", "segmented_control", "pills", "tabs", "expander", "popover", "page_link", "form_submit_button",
    "date_input", "checkbox", "badge", "toast", "legend", "metric_days", "metric_share",
}  # fmt: skip
UI_KEYWORDS = {"label", "help", "placeholder", "caption", "title", "alt"}
WORDS = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
# (module, text) -> why it is not in the catalog
NOT_SHOWN = {
    ("portal/html.py", None): "CSS rules and HTML markup, no words",
    ("portal/ui.py", "<script>document.documentElement.lang = "): "sets <html lang>: markup",
    ("portal/maps.py", '"Source Sans", "Source Sans Pro", "WenQuanYi Micro Hei", sans-serif'): "a CSS font list",
    ("portal/fonts.py", None): "font names and file paths",
    ("portal/translations.py", None): "comments for translators, in the catalog itself",
    ("portal/settings.py", None): "help text of environment variables, for operators (docs/deployment.md)",
    ("portal/db.py", None): "the database layer: SQL and the publish command",
    ("portal/sqlstats.py", None): "SQL",
    ("portal/queries.py", None): "SQL",
    ("portal/summaries.py", None): "stored figures' names",
    ("portal/export.py", None): "file formats",
    ("portal/cache.py", None): "caches; its one message is an exception",
    ("portal/glossary.py", None): "the headings of docs/data-rules.md it reads; its words come from there",
    ("portal/images.py", "lower left"): "a matplotlib legend position",
    # The open interfaces (python -m portal.api) answer in English, as Open311, Atom and DCAT-US
    # clients expect: their words are not the dashboard's (see docs/i18n.md, "What is not translated").
    ("portal/catalog.py", None): "the DCAT-US catalog and its landing page",
    ("portal/events.py", None): "the Atom feeds' entries",
    ("portal/feeds.py", None): "the Atom feeds",
    ("portal/georeport.py", None): "Open311 GeoReport v2",
    ("portal/links.py", None): "the open interfaces' addresses",
    ("portal/xmldoc.py", None): "XML documents of the open interfaces",
    **{
        ("portal/filters.py", prefix): "a parameter's help or an error of the open interfaces (English)"
        for prefix in (
            "Request type (service_code)",
            "open, closed (marked closed)",
            "First day requested",
            "Last day requested",
            "Neighborhood code (neighborhood_code)",
            "Page number",
            "Rows per page",
            " is not a W3C datetime",
            " takes four numbers",
            "; this address takes ",
            "Unknown parameter ",
        )
    },
    ("portal/reports.py", "<link href="): "reportlab markup around a link",
    ("portal/ui.py", '<style>[data-testid="stExpandSidebarButton"]'): "CSS around the translated word Menu",
}


def _parents(tree: ast.AST) -> dict:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _docstrings(tree: ast.AST) -> set:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(first.value)
    return found


def _context(node, parents) -> tuple[bool, bool]:
    """(inside a gettext call or a raise, shown as such by a Streamlit element): the first call
    around the literal decides (``"...".format()`` and ``+`` are looked through)."""
    child, verdict = node, None
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.Raise):
            return True, False
        if verdict is None and isinstance(parent, ast.Call):
            name = _call_name(parent)
            if name in GETTEXT:
                return True, False
            if not (name == "format" and parent.func.value is child):
                first = parent.args[:1] == [child]
                label = any(child in (k, k.value) and k.arg in UI_KEYWORDS for k in parent.keywords)
                verdict = name in UI_CALLS and (first or label)
        child = parent
    return False, bool(verdict)


MARKUP = re.compile(r":material/[a-z_]+:|:[a-z]+(?:-badge)?\[|[\]\[*`#:·(){}<>]")


def visible_literals(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of the string literals in ``path`` that a visitor could read untranslated:
    words (two or more, or any as the label of a Streamlit element), not a dict key."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents, docs = _parents(tree), _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or node in docs:
            continue
        holder = parents[node] if isinstance(parents.get(node), ast.JoinedStr) else node
        if isinstance(parents.get(holder), ast.Dict) and holder in parents[holder].keys:
            continue  # a code naming an entry; the entry's words are its value
        if isinstance(parents.get(holder), ast.Compare):
            continue  # a code compared with a value
        translated, shown = _context(holder, parents)
        words = MARKUP.sub(" ", node.value).strip()
        if translated or not re.search(r"[^\W\d_]", words):
            continue
        if WORDS.search(words) or shown:
            found.append((node.lineno, node.value))
    return sorted(found)


def _allowed(rel: str, text: str) -> bool:
    return (rel, None) in NOT_SHOWN or any(m == rel and t and text.startswith(t) for m, t in NOT_SHOWN)


def gettext_in_fstrings(path: Path) -> list[int]:
    """Lines where ``_()`` is called inside an f-string: Babel does not extract those."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno
        for fstring in ast.walk(tree)
        if isinstance(fstring, ast.JoinedStr)
        for node in ast.walk(fstring)
        if isinstance(node, ast.Call) and _call_name(node) in GETTEXT
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_gettext_inside_an_f_string(path):
    assert gettext_in_fstrings(path) == [], f"{path.name}: _() inside an f-string is never extracted to the catalog"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_text_outside_the_catalog(path):
    rel = str(path.relative_to(ROOT))
    leaks = [f"{rel}:{line}: {text!r}" for line, text in visible_literals(path) if not _allowed(rel, text)]
    assert not leaks, "text a visitor reads must go through the catalog (docs/i18n.md):\n" + "\n".join(leaks)


def test_the_scanner_finds_untranslated_text(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text(
        'st.title("Map of requests")\n'
        'st.metric(_("Status"), view.status)\n'
        'st.caption("Open")\n'
        'if by == "by agency": pass\n'
        'x = f"{n} requests match the filters"\n'
        'st.button(label="Go")\n'
        'ok = _("Fine words here")\n'
        'raise ValueError("for developers only")\n'
        'key = "map_measure"\n'
    )
    assert [t for _, t in visible_literals(sample)] == ["Map of requests", "Open", " requests match the filters", "Go"]
    hidden = tmp_path / "hidden.py"
    hidden.write_text('st.markdown(f"**{_(\'Versions\')}**")\nst.markdown("**" + _("Versions") + "**")\n')
    assert gettext_in_fstrings(hidden) == [1]


# --- the catalogs against the code -----------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
MARKS = ("**", "`", "\n")


@pytest.fixture(scope="module")
def extracted():
    return {m.id: m for m in extract_all() if m.id}


def _catalog(code: str):
    with (i18n.LOCALES_DIR / code / "LC_MESSAGES" / "portal.po").open("rb") as fh:
        return read_po(fh, locale=code)


def _problems(message) -> list[str]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if "fuzzy" in message.flags or not all(strings):
        return [f"untranslated or fuzzy: {ids[0]!r}"]
    out = []
    for text in strings:
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(ids[-1])):
            out.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
        if any(ids[0].count(m) != text.count(m) for m in MARKS):
            out.append(f"**, ` or line breaks differ: {ids[0]!r} -> {text!r}")
    return out


@pytest.mark.parametrize("code", [c for c in i18n.languages() if c != i18n.SOURCE])
def test_every_language_translates_every_message(code, extracted):
    catalog = {m.id: m for m in _catalog(code) if m.id}
    missing = sorted(str(k) for k in set(extracted) - set(catalog))
    stale = sorted(str(k) for k in set(catalog) - set(extracted))
    problems = [p for key in extracted.keys() & catalog.keys() for p in _problems(catalog[key])]
    assert not missing, f"{code}: not in the catalog (run bash scripts/i18n.sh update):\n" + "\n".join(missing)
    assert not stale, f"{code}: no longer in the code (run bash scripts/i18n.sh update):\n" + "\n".join(stale)
    assert not problems, f"{code}:\n" + "\n".join(problems)


def test_the_catalog_holds_code_schema_and_rule_tables(extracted):
    assert "Map of requests" in extracted  # pages/
    assert ("{n} day", "{n} days") in extracted  # ngettext
    assert "Five-digit ZIP code, as text so leading zeros survive." in extracted  # schemas/
    assert "the id is blank" in extracted  # docs/data-rules.md, quarantine reasons
    assert "Seconds spent on that step." in extracted  # docs/data-rules.md, the release report
