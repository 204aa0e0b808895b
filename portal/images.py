"""The brief's pictures (matplotlib, no network): the chart of its period, the small map of the
neighborhood with its open requests, and the newsletter PNGs.

All data text goes into matplotlib through ``mpl_text`` (``$`` escaped, because matplotlib would
read ``$...$`` as mathtext). Every text is in the visitor's language, set in DejaVu Sans with
WenQuanYi Micro Hei for CJK glyphs (``portal.fonts``).
"""

from __future__ import annotations

import io
import math
import textwrap

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from portal import wording
from portal.brief import Brief
from portal.fonts import mpl_families
from portal.geometry import bounds
from portal.i18n import Translator
from portal.maps import POINT_COLORS
from portal.wording import Imprint, mpl_text

PNG_SIZES = {"wide": (1200, 675), "square": (1080, 1080)}
BAR, PARTIAL_BAR = "#414D6B", "#A7B0C8"


def _figure(size: tuple[int, int], dpi: int = 100) -> Figure:
    return Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)


def _png(fig: Figure, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    with _fonts():
        fig.savefig(buf, format="png", dpi=dpi)  # no bbox_inches: the size must stay exact
    return buf.getvalue()


def _fonts():
    from matplotlib import rc_context

    return rc_context({"font.family": mpl_families()})


def plot_trend(ax, brief: Brief, tr: Translator) -> None:
    """The period's bars; a first bar shorter than the others is lighter and marked ``*``."""
    partial = brief.partial_first
    labels = [tr.day_month(b.first_day) + ("*" if b is partial else "") for b in brief.weekly]
    colors = [PARTIAL_BAR if b is partial else BAR for b in brief.weekly]
    ax.bar(range(len(labels)), [b.n for b in brief.weekly], color=colors)
    step = max(len(labels) // 8, 1)
    ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize=8)
    ax.set_ylabel(tr._("requests"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max([b.n for b in brief.weekly] + [1]) * 1.05)
    ax.spines[["top", "right"]].set_visible(False)


def trend_png(brief: Brief, tr: Translator, size: tuple[int, int] = (900, 260)) -> bytes:
    """The bars of the brief's period, exactly ``size`` pixels."""
    with _fonts():
        fig = _figure(size)
        plot_trend(fig.add_subplot(), brief, tr)
        fig.tight_layout()
    return _png(fig)


def _rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


def map_png(brief: Brief, neighbors: list[dict], tr: Translator, size: tuple[int, int] = (900, 560)) -> bytes:
    """The neighborhood (bold, tinted) among its neighbors (named), with its open requests as dots:
    blue open, vermillion overdue (a legend says which)."""
    with _fonts():
        fig = _figure(size)
        ax = fig.add_axes([0, 0.08, 1, 0.92])
        here = [n for n in neighbors if n["neighborhood_code"] == brief.code]
        for nb in neighbors:
            mine = nb["neighborhood_code"] == brief.code
            for ring in _rings(nb["geometry"]) if nb.get("geometry") else []:
                xs, ys = zip(*ring)
                ax.fill(xs, ys, color="#0072B2" if mine else "#FFFFFF", alpha=0.12 if mine else 1.0, zorder=1)
                ax.plot(xs, ys, color="#222222" if mine else "#888888", linewidth=2.0 if mine else 0.6, zorder=2)
            if nb.get("label_point") and not mine:
                ax.annotate(mpl_text(nb["name"], 30), nb["label_point"], fontsize=7, color="#444444", ha="center")
        for state in ("open", "overdue"):
            pts = [p for p in brief.open_points if p["overdue"] == (state == "overdue")]
            ax.scatter([p["long"] for p in pts], [p["lat"] for p in pts], s=9, color=POINT_COLORS[state], zorder=3)
        box = bounds([n["geometry"] for n in here if n.get("geometry")])
        if box:
            pad_x, pad_y = (box[2] - box[0]) * 0.15 or 0.01, (box[3] - box[1]) * 0.15 or 0.01
            ax.set_xlim(box[0] - pad_x, box[2] + pad_x)
            ax.set_ylim(box[1] - pad_y, box[3] + pad_y)
        ax.set_aspect(1 / max(0.2, math.cos(math.radians(sum(ax.get_ylim()) / 2))))  # degrees shown square
        ax.set_axis_off()
        handles = [
            Patch(color=POINT_COLORS["open"], label=tr._("open")),
            Patch(color=POINT_COLORS["overdue"], label=tr._("open and overdue")),
        ]
        fig.legend(handles=handles, loc="lower left", ncols=2, fontsize=9, frameon=False)
    return _png(fig)


def newsletter(brief: Brief, imprint: Imprint, tr: Translator, size: str = "wide") -> Figure:
    """The newsletter image's figure: headline numbers, the period's bars and top types, and where
    it comes from (city, release, data-through date, licence, portal address)."""
    width, height = PNG_SIZES[size]
    wide = width > height
    with _fonts():
        fig = _figure((width, height))
        demo = tr._("DEMO DATA") + " · " if imprint.is_demo else ""
        head = tr._("{name}: 311 requests").format(name=mpl_text(brief.name, 60))
        fig.suptitle(demo + head, x=0.02, ha="left", fontsize=18, fontweight="bold")
        width_chars = (66 if wide else 92) if tr.code.split("_")[0] not in ("zh", "ja", "ko") else (36 if wide else 50)
        pair = tr._("{label}: {value}")
        lines = [
            line
            for label, text in wording.key_numbers(brief, tr)
            for line in textwrap.wrap(
                pair.format(label=label, value=mpl_text(text)), width_chars, subsequent_indent="    "
            )
        ]
        fig.text(0.02, 0.88 if wide else 0.90, mpl_text(wording.period_text(brief, tr)), fontsize=12, va="top")
        fig.text(0.02, 0.80 if wide else 0.85, "\n".join(lines), fontsize=12 if wide else 13, va="top", linespacing=1.6)
        trend = fig.add_axes([0.55, 0.52, 0.42, 0.30] if wide else [0.1, 0.40, 0.85, 0.16])
        plot_trend(trend, brief, tr)
        trend.set_title(wording.trend_label(brief, tr), fontsize=10, loc="left")
        top = fig.add_axes([0.62, 0.14, 0.35, 0.28] if wide else [0.45, 0.12, 0.5, 0.2])
        types = brief.top_types[:5][::-1]
        top.barh([mpl_text(t, 28) for t, _ in types], [n for _, n in types], color="#7C7B78")
        top.set_title(tr._("Top request types"), fontsize=10, loc="left")
        top.tick_params(labelsize=9)
        top.xaxis.set_major_locator(MaxNLocator(integer=True))
        foot = [mpl_text(line) for line in [*wording.imprint_lines(imprint, brief, tr), wording.caveat_line(tr)]]
        fig.text(0.02, 0.015, "\n".join(foot), fontsize=8, color="#333333", va="bottom", linespacing=1.4)
    return fig


def brief_png(brief: Brief, imprint: Imprint, tr: Translator, size: str = "wide") -> bytes:
    """The newsletter image, exactly PNG_SIZES[size] pixels."""
    return _png(newsletter(brief, imprint, tr, size))
