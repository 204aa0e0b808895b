"""HTML tables and legends: escaped text, safe links, a card per row on phones."""

from __future__ import annotations

from portal import html


def test_table_escapes_text_and_links_and_labels_every_cell():
    out = html.table(
        [html.Column("id", "Request <id>"), html.Column("n", "Requests", numeric=True)],
        [{"id": html.Link("<b>SR-1</b>", html.href("track", id="SR 1&x", lang="es")), "n": "1,234"}],
        caption="Oldest & open",
    )
    assert '<th scope="col" role="columnheader">Request &lt;id&gt;</th>' in out
    assert '<a href="track?id=SR+1%26x&amp;lang=es" target="_self">&lt;b&gt;SR-1&lt;/b&gt;</a>' in out
    assert '<td role="cell" data-label="Requests" class=num>1,234</td>' in out  # the phone card's label
    assert "<caption>Oldest &amp; open</caption>" in out and "<b>" not in out


def test_href_leaves_out_empty_parameters():
    assert html.href("neighborhood", nbhd="N1", lang=None) == "neighborhood?nbhd=N1"
    assert html.href("track") == "track"


def test_legend_pairs_every_colour_with_words():
    out = html.legend("Points <x>", [("rgba(0,114,178,1.000)", "open", False), ("#fff", "outside", True)])
    assert "Points &lt;x&gt;" in out
    assert out.count('aria-hidden="true"') == 2 and "open</li>" in out and "outside</li>" in out
    assert "background:transparent" in out  # an outline-only swatch


def test_style_turns_rows_into_cards_on_phones():
    assert f"@media (max-width: {html.PHONE_MAX_PX}px)" in html.STYLE and "content: attr(data-label)" in html.STYLE
    assert "p311-cards" not in html.table([html.Column("k", "Item")], [{"k": "x"}], cards=False)
