"""Building the message catalogs (translations): what ``pybabel extract`` reads besides Python (``babel.cfg``).

* ``extract_schema``: the title and description of every field of ``schemas/*.schema.json``, so
  the Data page's data dictionary is translated with the rest.
* ``extract_rule_tables``: the explanations in the tables of ``docs/data-rules.md`` that
  ``portal.glossary`` shows beside a release report's keys.
* ``extract_all``: the whole catalog as ``scripts/i18n.sh update`` extracts it, for the tests
  that check every language's ``.po`` against it.

The extractors follow Babel's protocol: ``(fileobj, keywords, comment_tags, options)`` yielding
``(line number, function name, message, comments)``.
"""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from portal.glossary import HEADINGS, section, table_rows

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "babel.cfg"


def extract_schema(fileobj, keywords, comment_tags, options):
    schema = json.loads(fileobj.read().decode("utf-8"))
    for field in schema.get("fields", []):
        for key in ("title", "description"):
            if field.get(key):
                yield 0, "_", field[key], [f"data dictionary: {field.get('name')} ({key})"]


def extract_rule_tables(fileobj, keywords, comment_tags, options):
    markdown = fileobj.read().decode("utf-8")
    for name, heading in HEADINGS.items():
        for key, text in table_rows(section(markdown, heading)):
            line = markdown[: markdown.find(text)].count("\n") + 1
            yield line, "_", text, [f"docs/data-rules.md, {name}: {key}. Keep the `code` marks."]


def extract_all() -> Catalog:
    """Every message of the code, the schemas and the rule tables (what ``locales/portal.pot`` holds)."""
    with MAPPING.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(domain="portal")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog
