"""pydeck layers, view states and legends built from query results (no SQL, no Streamlit).

* No basemap by default: ``map_provider=None`` keeps the map legible offline (in Streamlit,
  ``map_style=None`` would mean "Streamlit's CARTO basemap", fetched from the internet). The
  neighborhood boundaries are drawn as a layer, so the map reads without tiles.
* Colour-blind safe colours: cividis (5 steps) for the choropleth, magma for the heatmap (never
  read as one scale); Okabe-Ito blue, vermillion and grey for open, overdue and closed points.
* Tooltips use deck.gl's ``text`` mode (set with ``innerText``), so nothing from the data is ever
  parsed as HTML; values are also cut to a sane length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pydeck as pdk
from shapely.geometry import mapping, shape

from portal.text import plain
from portal.timefmt import format_local

CIVIDIS_5 = ["#00224E", "#414D6B", "#7C7B78", "#BCAF6F", "#FEE838"]
MAGMA_5 = ["#FCFDBF", "#FC8961", "#B73779", "#51127C", "#000004"]  # heatmap: light = few
NO_DATA = "#D9D9D9"
OUTLINE = [40, 40, 40, 255]
POINT_COLORS = {"open": "#0072B2", "overdue": "#D55E00", "closed": "#999999"}
TOOLTIP = {"text": "{tip}", "style": {"fontSize": "0.85rem", "maxWidth": "18rem"}}
POINT_LIMIT = 2000
FILL_ALPHA = 150  # choropleth fills are translucent (the optional street basemap shows through)
DISPLAY_TOLERANCE = 1e-4  # degrees, about 10 m: invisible at neighborhood zoom; the finest used
# tolerances a map may use (a few steps, so each is simplified and cached once per release)
TOLERANCE_STEPS = (1e-4, 1.5e-4, 2e-4, 3e-4, 4e-4, 6e-4, 8e-4)
DISPLAY_DECIMALS = 5  # about 1 m


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


def _fmt(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}"


def legend(edges: list[float], decimals: int = 0) -> list[tuple[str, str]]:
    """``[(hex colour, label)]`` for the classes, then "no data"."""
    if len(edges) == 2 and edges[0] == edges[1]:
        items = [(CIVIDIS_5[0], _fmt(edges[0], decimals))]
    else:
        colors = CIVIDIS_5 if len(edges) == 6 else CIVIDIS_5[: max(len(edges) - 1, 0)]
        items = [
            (colors[i], f"{_fmt(edges[i], decimals)} – {_fmt(edges[i + 1], decimals)}") for i in range(len(edges) - 1)
        ]
    return items + [(NO_DATA, "no data")]


def _rounded(coords) -> list:
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DISPLAY_DECIMALS) for c in coords]
    return [_rounded(part) for part in coords]


def display_geometry(geometry: dict | None, tolerance: float = DISPLAY_TOLERANCE) -> dict | None:
    """A lighter copy of a GeoJSON geometry, for drawing only: simplified (topology kept) and
    rounded. New York City's community districts go from 83,000 vertices to 11,000, so a map
    page sends a few hundred kilobytes to the phone instead of megabytes."""
    if not geometry:
        return geometry
    simple = shape(geometry).simplify(tolerance, preserve_topology=True)
    if simple.is_empty:
        return geometry
    return {"type": simple.geom_type, "coordinates": _rounded(mapping(simple)["coordinates"])}


def display_tolerance(view: pdk.ViewState) -> float:
    """How far a drawn boundary may stray at ``view``: the largest of ``TOLERANCE_STEPS`` within
    half a screen pixel at its zoom and latitude (never below ``DISPLAY_TOLERANCE``).

    Each boundary vertex costs drawing time: with software WebGL, New York City's city-wide map
    draws sooner from the 5,000 vertices of its view's step (4e-4) than from 11,000 (BENCHMARKS.md,
    target 4). Detail under half a pixel cannot be seen; zoomed in, the lines may stray by a few
    pixels, while the requests' points are always placed exactly."""
    lon_per_px = 360 / (512 * 2**view.zoom)  # deck.gl's web-mercator world: 512 px at zoom 0
    half_px = lon_per_px * math.cos(math.radians(view.latitude)) / 2  # in degrees of latitude
    return max((t for t in TOLERANCE_STEPS if t <= half_px), default=TOLERANCE_STEPS[0])


def _bounds(geometries: Iterable) -> tuple[float, float, float, float] | None:
    xs, ys = [], []
    for geometry in geometries:
        for x, y in _coords(geometry):
            xs.append(x)
            ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def nearby(neighborhoods: list[dict], focus: list, margin: float = 1.0) -> list[dict]:
    """The neighborhoods whose bounding box meets the box of ``focus`` (geometries) grown by
    ``margin`` times its width and height on every side: what a map framed on ``focus`` shows,
    with some room to pan. A neighborhood without geometry is left out; with no focus, all are kept."""
    box = _bounds(focus)
    if box is None:
        return neighborhoods
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    kept = []
    for nb in neighborhoods:
        b = _bounds([nb["geometry"]]) if nb.get("geometry") else None
        if b and b[0] <= x1 + dx and b[2] >= x0 - dx and b[1] <= y1 + dy and b[3] >= y0 - dy:
            kept.append(nb)
    return kept


def choropleth(
    neighborhoods: list[dict], values: dict[str, tuple[float | None, int]], measure_label: str, decimals: int = 0
) -> tuple[pdk.Layer, list[tuple[str, str]]]:
    """A GeoJsonLayer shading each neighborhood by ``values[code] = (value, n)``, and its legend."""
    edges = class_edges(v for v, _ in values.values())
    features = []
    for nb in neighborhoods:
        value, n = values.get(nb["neighborhood_code"], (None, 0))
        idx = class_index(value, edges)
        shown = "no data" if value is None else _fmt(value, decimals)
        features.append(
            {
                "type": "Feature",
                "geometry": nb["geometry"],
                "properties": {
                    "fill": rgba(CIVIDIS_5[idx] if idx is not None else NO_DATA, FILL_ALPHA),
                    "tip": f"{plain(nb['name'], 80)}\n{measure_label}: {shown} (n = {n})",
                },
            }
        )
    layer = pdk.Layer(
        "GeoJsonLayer",
        id="neighborhoods",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        stroked=False,
        filled=True,
        pickable=True,
    )
    return layer, legend(edges, decimals)


def outlines(neighborhoods: list[dict]) -> pdk.Layer:
    """The neighborhoods' borders as hairlines (one device pixel), drawn over a choropleth.

    They are the wireframe of the polygons extruded to 0 m: deck.gl's polygon layer draws them as
    plain GL lines, where ``stroked`` borders need its path layer. Preparing the path layer's
    large program is most of the city map's first drawing in a browser without a GPU: in
    headless Chromium the map page was drawn 0.8 s sooner (BENCHMARKS.md, target 4).
    """
    features = [{"type": "Feature", "geometry": nb["geometry"], "properties": {}} for nb in neighborhoods]
    return pdk.Layer(
        "GeoJsonLayer",
        id="outlines",
        data={"type": "FeatureCollection", "features": features},
        extruded=True,
        wireframe=True,
        filled=False,
        stroked=False,
        get_elevation=0,
        get_line_color=OUTLINE,
        material=False,
        pickable=False,
    )


def boundaries(neighborhoods: list[dict], highlight: str | None = None) -> pdk.Layer:
    """Outlines only (for small maps); ``highlight`` gets a light fill."""
    features = [
        {
            "type": "Feature",
            "geometry": nb["geometry"],
            "properties": {
                "fill": rgba("#0072B2", 40) if nb["neighborhood_code"] == highlight else [0, 0, 0, 0],
                "tip": plain(nb["name"], 80),
            },
        }
        for nb in neighborhoods
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        id="boundaries",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        get_line_color=[60, 60, 60, 255],
        line_width_min_pixels=1,
        stroked=True,
        filled=True,
        pickable=False,
    )


def heatmap(cells: list[dict]) -> pdk.Layer:
    """A HeatmapLayer over grid cells counted in SQL (``lat``, ``long``, ``n``)."""
    return pdk.Layer(
        "HeatmapLayer",
        id="heat",
        data=cells,
        get_position=["long", "lat"],
        get_weight="n",
        radius_pixels=30,
        opacity=0.55,
        aggregation="SUM",
        color_range=[rgba(c)[:3] for c in MAGMA_5],
    )


def point_state(point: dict) -> str:
    if point.get("status") == "open":
        return "overdue" if point.get("overdue") else "open"
    return "closed"


def points(rows: list[dict], tz_name: str, radius_m: int = 40, min_px: int = 4) -> pdk.Layer:
    """A ScatterplotLayer of requests coloured by open / overdue / closed."""
    data = []
    for r in rows:
        state = point_state(r)
        tip = "\n".join(
            [
                f"{plain(r['service_request_id'], 64)} · {plain(r['service_name'], 80)}",
                f"{state.capitalize()} ({plain(r.get('status_description'), 60) or r['status']})",
                f"Requested {format_local(r.get('requested_datetime'), tz_name)}",
                plain(r.get("address") or r.get("neighborhood") or "", 80),
            ]
        ).strip()
        data.append({"lat": r["lat"], "long": r["long"], "fill": rgba(POINT_COLORS[state], 230), "tip": tip})
    return pdk.Layer(
        "ScatterplotLayer",
        id="requests",
        data=data,
        get_position=["long", "lat"],
        get_fill_color="fill",
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        get_radius=radius_m,
        radius_min_pixels=min_px,
        radius_max_pixels=max(12, min_px),
        pickable=True,
    )


def _coords(geometry) -> Iterable[tuple[float, float]]:
    if isinstance(geometry, dict):
        geometry = geometry.get("coordinates", [])
    if geometry and isinstance(geometry[0], (int, float)):
        yield float(geometry[0]), float(geometry[1])
        return
    for part in geometry or []:
        yield from _coords(part)


def view_for(geometries: Iterable, width_px: int = 480, height_px: int = 420) -> pdk.ViewState:
    """A view state that fits all the geometries (GeoJSON dicts or [long, lat] pairs)."""
    box = _bounds(geometries)
    if box is None:
        return pdk.ViewState(latitude=0, longitude=0, zoom=1)
    x0, y0, x1, y1 = box
    lon_span = max(x1 - x0, 1e-4)
    lat_mid = (y1 + y0) / 2
    lat_span = max(y1 - y0, 1e-4) / max(math.cos(math.radians(lat_mid)), 0.1)
    # deck.gl's web-mercator world is 512 px wide at zoom 0
    zoom = min(math.log2(360 * width_px / 512 / lon_span), math.log2(360 * height_px / 512 / lat_span))
    return pdk.ViewState(latitude=lat_mid, longitude=(x1 + x0) / 2, zoom=round(max(1.0, min(zoom, 16.0)), 2))


def deck(layers: list[pdk.Layer], view: pdk.ViewState, basemap: bool = False) -> pdk.Deck:
    """The map: no basemap unless asked for (then CARTO light, which needs the internet)."""
    if basemap:
        return pdk.Deck(
            layers=layers, initial_view_state=view, tooltip=TOOLTIP, map_provider="carto", map_style="light"
        )
    return pdk.Deck(layers=layers, initial_view_state=view, tooltip=TOOLTIP, map_provider=None)
