"""HTML the pages show where Streamlit's own elements fall short (no Streamlit here).

* ``table``: a real ``<table>`` that wraps its text, keeps links, reads in a screen reader and
  becomes one card per row on a phone (every column visible, none scrolled away). Cells are
  display strings the caller formatted (``Translator``), or a ``Link``.
* ``legend``: colour swatches, each with its words (colour is never the only carrier).
* ``STYLE``: the portal's few CSS rules, sent once per page (``portal.ui.styles``).

Every text goes through ``html_text`` (escaped); hrefs are built from url-encoded parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from portal.text import html_text

PHONE_MAX_PX = 640


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    numeric: bool = False


def href(path: str, **params) -> str:
    """A relative link to a page of the portal with its query parameters (None values left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def _cell(value) -> str:
    if isinstance(value, Link):
        return f'<a href="{html_text(value.href)}" target="_self">{html_text(value.label)}</a>'
    return html_text(value)


def table(columns: list[Column], rows: list[dict], caption: str | None = None, cards: bool = True) -> str:
    """An accessible table; on a phone each row is a card of "header: value" lines (``cards``;
    a two-column list of items and values stays a table)."""
    head = "".join(
        f'<th scope="col" role="columnheader"{" class=num" if c.numeric else ""}>{html_text(c.header)}</th>'
        for c in columns
    )
    body = "".join(
        '<tr role="row">'
        + "".join(
            f'<td role="cell" data-label="{html_text(c.header)}"{" class=num" if c.numeric else ""}>'
            f"{_cell(row.get(c.key, ''))}</td>"
            for c in columns
        )
        + "</tr>"
        for row in rows
    )
    cap = f"<caption>{html_text(caption)}</caption>" if caption else ""
    kind = "p311-table p311-cards" if cards else "p311-table"
    return (
        f'<div class="{kind}"><table role="table">{cap}<thead role="rowgroup"><tr role="row">{head}</tr>'
        f'</thead><tbody role="rowgroup">{body}</tbody></table></div>'
    )


def swatch(color_css: str, outline_only: bool = False) -> str:
    fill = "transparent" if outline_only else color_css
    return (
        f'<span aria-hidden="true" style="width:1rem;height:1rem;background:{fill};border:1px solid #444;'
        f'margin-right:.35rem;display:inline-block;flex:none"></span>'
    )


def legend(title: str, items: list[tuple[str, str, bool]]) -> str:
    """``items``: (CSS colour, label, outline only). The labels carry the meaning; the swatches repeat it."""
    entries = "".join(
        f'<li style="display:inline-flex;align-items:center;margin:0 .8rem .3rem 0">{swatch(color, outline)}'
        f"{html_text(label)}</li>"
        for color, label, outline in items
    )
    return (
        f'<div class="p311-legend"><b>{html_text(title)}</b>'
        f'<ul style="list-style:none;padding:0;margin:.2rem 0 0 0">{entries}</ul></div>'
    )


STYLE = f"""
<style>
.p311-table {{ width: 100%; overflow-x: auto; font-size: .88rem; }}
.p311-table table {{ width: 100%; border-collapse: collapse; }}
.p311-table caption {{ text-align: left; font-weight: 600; padding: .2rem 0 .4rem; }}
.p311-table th, .p311-table td {{ border-bottom: 1px solid #d6d6d6; padding: .35rem .35rem;
  text-align: left; vertical-align: top; overflow-wrap: break-word; hyphens: auto; }}
.p311-table th {{ background: #f0f2f6; font-weight: 600; line-height: 1.25; }}
.p311-table th:first-child, .p311-table td:first-child {{ min-width: 7rem; }}
.p311-table .num {{ text-align: right; }}
.p311-table td.num {{ font-variant-numeric: tabular-nums; white-space: nowrap; }}
.p311-legend {{ font-size: .85rem; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  .p311-cards thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  .p311-cards table, .p311-cards tbody, .p311-cards tr, .p311-cards td {{ display: block; width: 100%; }}
  .p311-cards tr {{ border: 1px solid #d6d6d6; border-radius: .4rem; margin-bottom: .6rem; padding: .3rem .5rem; }}
  .p311-cards td, .p311-cards td.num {{ border: none; padding: .15rem 0; display: flex; gap: .6rem;
    justify-content: space-between; text-align: right; white-space: normal; min-width: 0; }}
  .p311-cards td::before {{ content: attr(data-label); font-weight: 600; text-align: left; flex: 0 0 50%; }}
  .p311-cards td:empty {{ display: none; }}
  .p311-cards td:first-child {{ font-weight: 600; font-size: 1rem; justify-content: flex-start; text-align: left; }}
  .p311-cards td:first-child::before {{ content: none; }}
}}
</style>
"""
