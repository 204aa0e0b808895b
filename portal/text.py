"""Making data text safe for the three places it is shown: Markdown, HTML and plain text.

Every string that comes from the data (names, notes, descriptions) or from a URL is untrusted:
Markdown would turn ``![x](http://...)`` into an image fetch and HTML would run markup, so each
sink gets its own escape.
"""
from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(value, limit: int | None = None) -> str:
    """Text with control characters removed and, if ``limit``, cut with an ellipsis."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def md(value, limit: int | None = None) -> str:
    """Escape Markdown so the value renders literally (also Streamlit's ``:color[...]``)."""
    return _MD_SPECIAL.sub(r"\\\1", plain(value, limit)).replace("\n", " ")


def html_text(value, limit: int | None = None) -> str:
    """Escape HTML (pydeck tooltips and legends render HTML)."""
    return html.escape(plain(value, limit), quote=True)


def quoted(value, limit: int = 40) -> str:
    """A short quoted rendering of an untrusted value for messages, e.g. ``'abc…'``."""
    return "'" + plain(value, limit) + "'"
