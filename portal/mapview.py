"""The Map page's map, put together from its parts (no SQL, no Streamlit): what to frame, the
layers in drawing order, the legend, and the same numbers as a table for screen readers.

Everything the page shows about a neighborhood is here once: its shade, its name on the map,
its tooltip, its row in the table (with a link to its brief), and whether a filter leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pydeck as pdk

from portal import html, maps
from portal.i18n import Translator
from portal.legends import MAGMA_5
from portal.maps import POINT_COLORS
from portal.places import Place

COUNT_MEASURES = ("count", "backlog")  # a neighborhood without a matching request has 0, not "no data"


def focus(nbhds: list[dict], neighborhood: str | None, place: Place | None) -> list:
    """What the map frames: the found place, else the filtered neighborhood, else every one."""
    if place is not None and place.kind == "block":
        return [place.point]
    code = place.code if place is not None else neighborhood
    return [n["geometry"] for n in nbhds if code in (None, n["neighborhood_code"]) and n.get("geometry")]


@dataclass(frozen=True)
class Shading:
    layer: pdk.Layer
    legend: list[tuple[str, str]]
    outline_only: tuple[str, ...]  # legend labels drawn as unfilled swatches


def shading(
    drawn: list[dict], values: dict, measure: str, label: str, tr: Translator, neighborhood: str | None
) -> Shading:
    """The choropleth of ``measure``; with a neighborhood filter the others are outlines."""
    included = {neighborhood} if neighborhood else None
    missing = (0.0, 0) if measure in COUNT_MEASURES else (None, 0)
    decimals = 1 if measure == "median_days" else 0
    layer, legend = maps.choropleth(drawn, values, label, decimals, tr, included, missing)
    if included is None:
        return Shading(layer, legend, ())
    outside = tr._("not in the current filter")
    return Shading(layer, [*legend, ("#FFFFFF", outside)], (outside,))


def layers(
    drawn: list[dict], shade: Shading, overlay: list[pdk.Layer], place: Place | None, view: pdk.ViewState
) -> list[pdk.Layer]:
    """Shading, borders, what is on top (points or heat), the found place, then the names that fit at ``view``."""
    found = []
    if place is not None and place.kind == "block":
        found = maps.pin(place.point, place.label)
    elif place is not None:
        found = [maps.boundaries([n for n in drawn if n["neighborhood_code"] == place.code], place.code)]
    return [shade.layer, maps.outlines(drawn), *overlay, *found, maps.labels(drawn, view)]


def overlay_legends(overlay: str, tr: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    if overlay == "heatmap":
        title = tr._("Heatmap (requests with a point location)")
        return [(title, [(MAGMA_5[0], tr._("fewer")), (MAGMA_5[2], ""), (MAGMA_5[4], tr._("more"))])]
    if overlay == "points":
        keys = [("open", tr._("open")), ("overdue", tr._("open and overdue")), ("closed", tr._("marked closed"))]
        return [(tr._("Points"), [(POINT_COLORS[k], label) for k, label in keys])]
    return []


def table_rows(
    nbhds: list[dict], values: dict, measure: str, tr: Translator, neighborhood: str | None, lang: str | None
) -> list[dict]:
    """The map as rows: each neighborhood with a link to its brief, the value and its n."""
    missing = (0.0, 0) if measure in COUNT_MEASURES else (None, 0)
    rows = []
    for nb in sorted(nbhds, key=lambda n: n["name"].lower()):
        code = nb["neighborhood_code"]
        value, n = values.get(code, missing)
        out = neighborhood is not None and code != neighborhood
        decimals = 1 if measure == "median_days" else 0
        rows.append(
            {
                "name": html.Link(nb["name"], html.href("neighborhood", nbhd=code, lang=lang)),
                "value": tr._("not in the current filter") if out else tr.decimal(value, decimals),
                "n": "" if out else tr.number(n),
            }
        )
    return rows


def table_columns(measure_label: str, tr: Translator) -> list[html.Column]:
    return [
        html.Column("name", tr._("Neighborhood (opens its report)")),
        html.Column("value", measure_label, numeric=True),
        html.Column("n", "n", numeric=True),
    ]


def place_label(place: Place, tr: Translator) -> str:
    kind = tr._("neighborhood") if place.kind == "neighborhood" else tr._("block")
    return f"{place.label} · {kind}"


def chosen(picked: dict | None, place: Place | None, nbhds: list[dict]) -> dict | None:
    """The neighborhood to offer the report of: the one tapped on the map, else the one found."""
    if picked and picked.get("code"):
        return {"code": picked["code"], "name": picked.get("name", picked["code"])}
    if place is not None and place.code:
        name = next((n["name"] for n in nbhds if n["neighborhood_code"] == place.code), place.code)
        return {"code": place.code, "name": name}
    return None
