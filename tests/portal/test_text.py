"""Escaping for Markdown, HTML and plain text."""

from __future__ import annotations

import pytest

from portal.text import html_text, md, plain, quoted


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("Pothole", "Pothole"),
        ("![x](http://e.test/p.png)", "\\!\\[x\\]\\(http\\:\u2060//e\\.test/p\\.png\\)"),  # U+2060: no autolink
        ("www.e.test a@e.test", "www\u2060\\.e\\.test a@\u2060e\\.test"),
        ("*bold* _it_ `code`", r"\*bold\* \_it\_ \`code\`"),
        (":red[alert] :smile:", r"\:red\[alert\] \:smile\:"),
        ("<script>", r"\<script\>"),
        ("a\nb", "a b"),
        (None, ""),
    ],
)
def test_md(raw, escaped):
    assert md(raw) == escaped


def test_html_and_plain():
    assert html_text('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert plain("a\x00b\x1bc\td") == "abc\td"
    assert plain("abcdef", 4) == "abc…"
    assert quoted("x" * 50) == "'" + "x" * 39 + "…'"
