"""Map colours and legends: the classes of a choropleth and the swatches that explain them.

Colours are colour-blind safe: a 5-step cividis ramp for the choropleth and magma for the
heatmap (so the two never read as one scale). A legend always pairs a colour with its words.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.i18n import Translator, translator

CIVIDIS_5 = ["#00224E", "#414D6B", "#7C7B78", "#BCAF6F", "#FEE838"]
MAGMA_5 = ["#FCFDBF", "#FC8961", "#B73779", "#51127C", "#000004"]  # heatmap: light = few
NO_DATA = "#D9D9D9"


def rgba(hex_color: str, alpha: int = 255) -> list[int]:
    h = hex_color.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def class_edges(values: Iterable[float | None], k: int = 5) -> list[float]:
    """``k + 1`` equal-interval edges from the smallest to the largest value (None ignored)."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    if high == low:
        return [low, high]
    step = (high - low) / k
    return [low + step * i for i in range(k)] + [high]


def class_index(value: float | None, edges: list[float]) -> int | None:
    """Which class ``value`` falls in (0-based; the top edge belongs to the last class)."""
    if value is None or not edges:
        return None
    for i in range(1, len(edges) - 1):
        if value < edges[i]:
            return i - 1
    return max(len(edges) - 2, 0)


def legend(
    edges: list[float], decimals: int = 0, tr: Translator | None = None, no_data: bool = True
) -> list[tuple[str, str]]:
    """``[(hex colour, label)]`` for the classes, then "no data" (when some shape has none)."""
    tr = tr or translator()
    if len(edges) == 2 and edges[0] == edges[1]:
        items = [(CIVIDIS_5[0], tr.decimal(edges[0], decimals))]
    else:
        colors = CIVIDIS_5 if len(edges) == 6 else CIVIDIS_5[: max(len(edges) - 1, 0)]
        items = [
            (colors[i], f"{tr.decimal(edges[i], decimals)} – {tr.decimal(edges[i + 1], decimals)}")
            for i in range(len(edges) - 1)
        ]
    return items + ([(NO_DATA, tr._("no data"))] if no_data else [])


def swatches(items: list[tuple[str, str]], alpha: int = 255, outline: tuple[str, ...] = ()) -> list:
    """Legend items as ``(CSS colour, label, outline only)``: ``alpha`` is the layer's, so a
    translucent fill and its swatch look the same; labels in ``outline`` get an unfilled swatch."""
    out = []
    for color, label in items:
        r, g, b, _ = rgba(color)
        out.append((f"rgba({r},{g},{b},{alpha / 255:.3f})", label, label in outline))
    return out
