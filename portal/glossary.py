"""What every key of a release's ``report.json`` and ``changelog.json`` means, in plain words.

The words come from the tables that document them in ``docs/data-rules.md`` (one table per kind:
the report's and the changelog's own keys, the quality flags, the redactions, the quarantine
reasons), read when first needed: the Data page explains a key with the same sentence the docs
give it, and ``scripts/i18n.sh`` puts those sentences in the message catalogs
(``portal.translations.extract_rule_tables``). A key written ``name_<field>`` or ``a.<step>`` in a
table stands for every key of that shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from portal.i18n import DASH, Translator

RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "data-rules.md"
HEADINGS = {
    "report": "## The release report",
    "changelog": "## The changelog",
    "quality_flags": "## Quality flags",
    "redactions": "## Redactions",
    "quarantine_reasons": "## Quarantine reasons",
}
SECTION_TABLES = {  # a report section whose keys are explained by a rules table
    "quality_flags": "quality_flags",
    "redactions": "redactions",
    "quarantine_reasons": "quarantine_reasons",
    "quarantine_examples": "quarantine_reasons",
}


def section(markdown: str, heading: str) -> str:
    """The text under ``heading`` (a whole line) up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = markdown.index(f"\n{heading}\n") + len(heading) + 2
    nxt = re.compile(rf"^#{{1,{len(level)}}} ", re.M).search(markdown, start)
    return markdown[start : nxt.start() if nxt else len(markdown)]


def table_rows(text: str) -> list[tuple[str, str]]:
    """``(key, explanation)`` of the first Markdown table in ``text``: its first two columns,
    the key without its backticks."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")][2:]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    return [(row[0].strip("`"), row[1]) for row in cells if len(row) >= 2]


@lru_cache(maxsize=1)
def tables(path: Path = RULES_MD) -> dict[str, list[tuple[str, str]]]:
    markdown = path.read_text(encoding="utf-8")
    return {name: table_rows(section(markdown, heading)) for name, heading in HEADINGS.items()}


def _fits(pattern: str, key: str) -> bool:
    if pattern == key:
        return True
    if "<" not in pattern:
        return False
    regex = re.sub(r"<[^>]+>", ".+", re.escape(pattern).replace(r"\<", "<").replace(r"\>", ">"))
    return re.fullmatch(regex, key) is not None


def explanation(doc: str, path: tuple[str, ...]) -> str | None:
    """The documented sentence for the key at ``path`` of the ``doc`` ("report" or "changelog"):
    an exact entry wins over a pattern. None when the docs do not explain it."""
    if doc == "report" and len(path) == 2 and path[0] in SECTION_TABLES:
        name, key = SECTION_TABLES[path[0]], path[1]
    else:
        name, key = doc, ".".join(path)
    rows = tables()[name]
    exact = [text for pattern, text in rows if pattern == key]
    fitting = [text for pattern, text in rows if _fits(pattern, key)]
    return (exact or fitting or [None])[0]


def plain_words(text: str) -> str:
    """A documented sentence without its Markdown code marks."""
    return text.replace("`", "")


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    meaning: str


def _value(value, tr: Translator) -> str:
    if value is None or value == "" or value == []:
        return DASH
    if isinstance(value, bool):
        return tr._("yes") if value else tr._("no")
    if isinstance(value, int):
        return tr.number(value)
    if isinstance(value, float):
        return tr.decimal(value, 2)
    if isinstance(value, list):
        return ", ".join(_value(v.get("row") if isinstance(v, dict) else v, tr) for v in value)
    return str(value)


def _meaning(doc: str, path: tuple[str, ...], tr: Translator) -> str:
    found = explanation(doc, path)
    return plain_words(tr._(found)) if found else tr._("Not explained in docs/data-rules.md.")


def entries(doc: str, document: dict, tr: Translator) -> list[tuple[str, list[Entry]]]:
    """The document as titled lists of (key, value, meaning): first its scalar keys, then one
    list per section (a dict), each led by the section's own explanation as its title."""
    top = [Entry(k, _value(v, tr), _meaning(doc, (k,), tr)) for k, v in document.items() if not isinstance(v, dict)]
    out = [("", top)] if top else []
    for key, value in document.items():
        if isinstance(value, dict) and value:
            rows = [Entry(k, _value(v, tr), _meaning(doc, (key, k), tr)) for k, v in value.items()]
            out.append((f"{key}: {_meaning(doc, (key,), tr)}", rows))
    return out


def unexplained(doc: str, document: dict) -> list[str]:
    """Every key path of ``document`` the docs do not explain (for the tests)."""
    missing = [k for k in document if explanation(doc, (k,)) is None]
    for key, value in document.items():
        if isinstance(value, dict):
            missing += [f"{key}.{k}" for k in value if explanation(doc, (key, k)) is None]
    return missing
