"""pydeck layers and the map deck, built from query results (no SQL, no Streamlit).

* **The portal's own layers always carry the map**: neighborhoods (shaded or outlined) and their
  names are drawn by deck.gl from the release, so the map reads with no tiles at all.
* **Street basemap** (``deck(..., basemap=True)``, the pages' default; ``PORTAL_BASEMAP=none``
  switches it off): CARTO's light map under those layers, fetched by the *visitor's browser*. The
  fallback is client-side and needs no detection: a browser that cannot reach the tile server
  (no internet, a firewall, an offline CI) draws the same deck without streets, which is exactly
  the offline map, labels included. The server never fetches tiles.
* **Names** (``labels``): a TextLayer at a point inside each shape; where two names would overlap
  at the map's first view, the bigger neighborhood's is drawn. Every name is also in the tooltip
  and in the page's table.
* Colours are colour-blind safe: a 5-step cividis ramp for the choropleth, magma for the
  heatmap (so the two never read as one scale); Okabe-Ito blue, vermillion and grey for open,
  overdue and closed points. Neighborhoods outside a filter are outlines without fill.
* Tooltips use deck.gl's ``text`` mode (set with ``innerText``), so nothing from the data is ever
  parsed as HTML; values are also cut to a sane length.
"""

from __future__ import annotations

import pydeck as pdk

from portal.geometry import uncrowded
from portal.i18n import N_, Translator, translator
from portal.legends import CIVIDIS_5, MAGMA_5, NO_DATA, class_edges, class_index, legend, rgba
from portal.text import plain

OUTLINE = [40, 40, 40, 255]
HIGHLIGHT = "#D55E00"
POINT_COLORS = {"open": "#0072B2", "overdue": "#D55E00", "closed": "#999999"}
POINT_STATES = {"open": N_("Open"), "overdue": N_("Open and overdue"), "closed": N_("Marked closed")}
TOOLTIP = {"text": "{tip}", "style": {"fontSize": "0.85rem", "maxWidth": "18rem"}}
POINT_LIMIT = 2000
FILL_ALPHA = 150  # choropleth fills are translucent (the street basemap shows through)
LABEL_SIZE = 13  # px
LABEL_FONT = '"Source Sans", "Source Sans Pro", "WenQuanYi Micro Hei", sans-serif'


def picked(state, layer: str) -> dict | None:
    """The object chosen on a map in ``layer`` (its feature's properties or its data row), if any:
    ``state`` is what ``st.pydeck_chart(on_select=...)`` returned."""
    objects = ((state or {}).get("selection") or {}).get("objects") or {}
    found = objects.get(layer) or []
    item = found[0] if found else None
    return (item.get("properties") or item) if isinstance(item, dict) else None


def _feature(nb: dict, fill: list[int], tip: str) -> dict:
    return {
        "type": "Feature",
        "geometry": nb["geometry"],
        "properties": {"fill": fill, "tip": tip, "code": nb["neighborhood_code"], "name": plain(nb["name"], 80)},
    }


def choropleth(
    neighborhoods: list[dict],
    values: dict[str, tuple[float | None, int]],
    measure_label: str,
    decimals: int = 0,
    tr: Translator | None = None,
    included: set[str] | None = None,
    missing: tuple[float | None, int] = (None, 0),
) -> tuple[pdk.Layer, list[tuple[str, str]]]:
    """A GeoJsonLayer shading each neighborhood by ``values[code] = (value, n)``, and its legend.
    A neighborhood without a value gets ``missing`` (``(0.0, 0)`` for a count: none matched).
    Neighborhoods not in ``included`` (a filter) are left unfilled and say so in their tooltip."""
    tr = tr or translator()
    shown = [nb for nb in neighborhoods if included is None or nb["neighborhood_code"] in included]
    edges = class_edges(values.get(nb["neighborhood_code"], missing)[0] for nb in shown)
    features = []
    for nb in neighborhoods:
        name = plain(nb["name"], 80)
        if included is not None and nb["neighborhood_code"] not in included:
            outside = tr._("Not in the current filter")
            features.append(_feature(nb, [0, 0, 0, 0], f"{name}\n{outside}"))
            continue
        value, n = values.get(nb["neighborhood_code"], missing)
        idx = class_index(value, edges)
        text = tr._("no data") if value is None else tr.decimal(value, decimals)
        tip = tr._("{name}\n{measure}: {value} (n = {n})").format(
            name=name, measure=measure_label, value=text, n=tr.number(n)
        )
        features.append(_feature(nb, rgba(CIVIDIS_5[idx] if idx is not None else NO_DATA, FILL_ALPHA), tip))
    layer = pdk.Layer(
        "GeoJsonLayer",
        id="neighborhoods",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        stroked=False,
        filled=True,
        pickable=True,
    )
    lacking = any(values.get(nb["neighborhood_code"], missing)[0] is None for nb in shown)
    return layer, legend(edges, decimals, tr, no_data=lacking or not shown)


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
    """Outlines with names in the tooltip (small maps); ``highlight`` gets a light fill and a bold border."""
    features = [
        {
            "type": "Feature",
            "geometry": nb["geometry"],
            "properties": {
                "fill": rgba("#0072B2", 40) if nb["neighborhood_code"] == highlight else [0, 0, 0, 0],
                "width": 3 if nb["neighborhood_code"] == highlight else 1,
                "tip": plain(nb["name"], 80),
            },
        }
        for nb in neighborhoods
    ]
    layer = pdk.Layer(
        "GeoJsonLayer",
        id="boundaries",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.fill",
        get_line_color=[60, 60, 60, 255],
        get_line_width="properties.width",
        stroked=True,
        filled=True,
        pickable=True,
    )
    layer.line_width_units = "pixels"  # set after construction: pydeck reads a string argument as an expression
    return layer


def labels(neighborhoods: list[dict], view: pdk.ViewState | None = None, layer_id: str = "labels") -> pdk.Layer:
    """Each neighborhood's name on a light box, at ``label_point`` (``portal.cache.neighborhoods``).
    With ``view``, names that would overlap at that view are left out, the bigger neighborhood's
    kept (``geometry.uncrowded``): chosen here once, not by deck.gl's collision filter, whose extra
    drawing pass costs a browser without a GPU about a second before the map first shows."""
    named = [nb for nb in sorted(neighborhoods, key=lambda n: -n.get("area", 0)) if nb.get("label_point")]
    texts = [plain(nb["name"], 40) for nb in named]
    shown = uncrowded([(nb["label_point"], t) for nb, t in zip(named, texts)], view, LABEL_SIZE) if view else None
    data = [
        {"position": nb["label_point"], "text": text}
        for i, (nb, text) in enumerate(zip(named, texts))
        if shown is None or i in shown
    ]
    layer = pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_text="text",
        get_size=LABEL_SIZE,
        get_color=[20, 20, 20, 255],
        background=True,
        get_background_color=[255, 255, 255, 220],
        background_padding=[3, 1, 3, 1],
        pickable=False,
    )
    # set after construction: pydeck would turn a string argument into an accessor expression
    layer.character_set = "auto"  # every character of the names (accents, CJK), not only ASCII
    layer.font_family = LABEL_FONT
    return layer


def pin(point: list[float], text: str) -> list[pdk.Layer]:
    """A found place (a block): a ringed dot and its words."""
    data = [{"position": point, "text": plain(text, 60)}]
    dot = pdk.Layer(
        "ScatterplotLayer",
        id="pin",
        data=data,
        get_position="position",
        get_fill_color=rgba(HIGHLIGHT, 230),
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=2,
        get_radius=60,
        radius_min_pixels=9,
        pickable=False,
    )
    return [dot, labels([{"label_point": point, "name": text}], layer_id="pin_label")]


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


def points(
    rows: list[dict], tz_name: str, radius_m: int = 40, min_px: int = 4, tr: Translator | None = None
) -> pdk.Layer:
    """A ScatterplotLayer of requests coloured by open / overdue / closed (the tooltip says which)."""
    tr = tr or translator()
    data = []
    for r in rows:
        state = point_state(r)
        tip = "\n".join(
            [
                f"{plain(r['service_request_id'], 64)} · {plain(r['service_name'], 80)}",
                tr._(POINT_STATES[state]) + f" ({plain(r.get('status_description'), 60) or r['status']})",
                tr._("Requested {when}").format(when=tr.datetime(r.get("requested_datetime"), tz_name)),
                plain(r.get("address") or r.get("neighborhood") or "", 80),
            ]
        ).strip()
        data.append(
            {
                "lat": r["lat"],
                "long": r["long"],
                "fill": rgba(POINT_COLORS[state], 230),
                "tip": tip,
                "id": plain(r["service_request_id"], 64),
            }
        )
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


def open_dots(points: list[dict]) -> pdk.Layer:
    """Open requests (``lat``, ``long``, ``overdue``) as small dots: blue open, vermillion overdue."""
    data = [
        {"position": [p["long"], p["lat"]], "fill": rgba(POINT_COLORS["overdue" if p["overdue"] else "open"], 220)}
        for p in points
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="open_requests",
        data=data,
        get_position="position",
        get_fill_color="fill",
        get_radius=25,
        radius_min_pixels=3,
        radius_max_pixels=8,
        pickable=False,
    )


def deck(layers: list[pdk.Layer], view: pdk.ViewState, basemap: bool = False) -> pdk.Deck:
    """The map: CARTO's light street map under the layers when ``basemap`` (fetched by the
    browser, see the module docstring), else no basemap at all."""
    if basemap:
        return pdk.Deck(
            layers=layers, initial_view_state=view, tooltip=TOOLTIP, map_provider="carto", map_style="light"
        )
    return pdk.Deck(layers=layers, initial_view_state=view, tooltip=TOOLTIP, map_provider=None)
