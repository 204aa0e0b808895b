"""Charts the pages draw with Vega-Lite (Altair), built here from plain rows (no Streamlit).

Labels and numbers arrive formatted in the visitor's language; each chart keeps the order it
is given (a date axis in words would otherwise sort alphabetically) and has a text alternative
(``*_alt``) with the same numbers, for screen readers: its marks are left out of the accessibility
tree (``aria=False``), where Vega would otherwise put unlabelled images (axe: svg-img-alt).
"""

from __future__ import annotations

import altair as alt

from portal.brief import Brief
from portal.i18n import Translator

BAR, PARTIAL_BAR, TARGET = "#414D6B", "#A7B0C8", "#D55E00"


def trend_rows(brief: Brief, tr: Translator) -> list[dict]:
    partial = brief.partial_first
    return [
        {
            "label": tr.day_month(b.first_day) + ("*" if b is partial else ""),
            "n": b.n,
            "shown": tr.number(b.n),
            "part": "partial" if b is partial else "whole",
        }
        for b in brief.weekly
    ]


def trend_chart(brief: Brief, tr: Translator, y_title: str) -> alt.Chart:
    """The brief's bars in order; a short first bar is lighter (its label carries ``*``)."""
    rows = trend_rows(brief, tr)
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("label:N", sort=[r["label"] for r in rows], title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title=y_title, axis=alt.Axis(tickMinStep=1)),
    )
    bars = base.mark_bar(aria=False).encode(
        color=alt.Color("part:N", scale=alt.Scale(domain=["whole", "partial"], range=[BAR, PARTIAL_BAR]), legend=None)
    )
    return (bars + base.mark_text(dy=-6, aria=False).encode(text="shown:N")).properties(height=220)


def trend_alt(brief: Brief, tr: Translator, title: str) -> str:
    return title + ": " + "; ".join(f"{r['label']} {r['shown']}" for r in trend_rows(brief, tr))


def target_rows(table, types: list[dict], tr: Translator, limit: int = 15) -> list[dict]:
    """The per-type performance table's types with a median, busiest first, with the target days
    of ``types`` (``queries.list_service_types``; a name shared by codes without one target has none)."""
    targets: dict[str, set] = {}
    for t in types:
        targets.setdefault(t["service_name"], set()).add(t["target_days"])
    rows = []
    for r in table[table["median_days"].notna()].head(limit).itertuples():
        found = targets.get(str(r.group), {None})
        target = next(iter(found)) if len(found) == 1 else None
        rows.append(
            {
                "group": str(r.group),
                "median": float(r.median_days),
                "target": target,
                "median_text": tr.decimal(r.median_days),
                "target_text": tr.decimal(target) if target is not None else tr._("none"),
            }
        )
    return rows


def target_chart(rows: list[dict], tr: Translator) -> alt.Chart:
    """Median days to close per type (bars) against the type's target (a dark tick), labelled."""
    order = [r["group"] for r in rows]
    y = alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color=BAR, aria=False).encode(y=y, x=alt.X("median:Q", title=tr._("days")))
    text = base.mark_text(align="left", dx=4, aria=False).encode(y=y, x="median:Q", text="median_text:N")
    ticks = base.mark_tick(color=TARGET, thickness=3, size=18, aria=False).encode(y=y, x="target:Q")
    return (bars + text + ticks).properties(height=max(28 * len(rows), 80))


def target_alt(rows: list[dict], tr: Translator) -> str:
    parts = [
        tr._("{type}: median {median} days, target {target}").format(
            type=r["group"], median=r["median_text"], target=r["target_text"]
        )
        for r in rows
    ]
    return "; ".join(parts)
