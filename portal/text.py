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
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp|mailto|xmpp):|\bwww(?=\.)|@")
_TYPOGRAPHY = re.compile(r"<->|->|<-|--|>=|<=|~=")


def plain(value, limit: int | None = None) -> str:
    """Text with control characters removed and, if ``limit``, cut with an ellipsis."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def md(value, limit: int | None = None) -> str:
    """Escape Markdown so the value renders literally (also Streamlit's ``:color[...]``).

    Escaping does not stop what is done to the text after parsing: GitHub-flavoured autolinks
    (``https://...``, ``www.``, ``a@b.c``) and Streamlit's arrows and dashes (`` -- `` -> em dash,
    `` -> ``, `` >= ``, ...). A word joiner (U+2060, invisible) after ``https:``, ``www``, ``@`` and
    inside those pairs keeps the text as it is: no link, no substituted characters.
    """
    text = _AUTOLINK.sub("\\g<0>" + WORD_JOINER, plain(value, limit))
    text = _TYPOGRAPHY.sub(lambda m: m[0][0] + WORD_JOINER + m[0][1:], text)
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def html_text(value, limit: int | None = None) -> str:
    """Escape HTML (pydeck tooltips and legends render HTML)."""
    return html.escape(plain(value, limit), quote=True)


def quoted(value, limit: int = 40) -> str:
    """A short quoted rendering of an untrusted value for messages, e.g. ``'abc…'``."""
    return "'" + plain(value, limit) + "'"
