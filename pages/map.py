"""Map: neighborhoods shaded by a chosen measure, a heatmap, and points when few enough.

The view (filters and measure) lives in the URL, so any view is a shareable permalink.
"""

import streamlit as st

from portal import cache, maps, ui
from portal.filters import MEASURES, parse_choice, parse_filters
from portal.metrics import DEFINITIONS

ctx = ui.require_release()
rel = ctx.release
st.title("Map of requests")
vocab = cache.vocabulary(ctx.url, ctx.version)
params = ui.query_params()
parsed = parse_filters(params, vocab)
measure, measure_msgs = parse_choice(params, "measure", MEASURES, "count")
ui.show_messages(parsed.messages + measure_msgs)

nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)
filters = ui.filter_controls(parsed.filters, vocab, cache.service_types(ctx.url, ctx.version), nbhds, key="map")
measure = st.radio(
    "Shade neighborhoods by",
    list(MEASURES),
    index=list(MEASURES).index(measure),
    format_func=MEASURES.get,
    horizontal=True,
    key="map_measure",
)
ui.set_query_params({**filters.to_params(), "measure": measure})

values = cache.neighborhood_values(ctx.url, ctx.version, filters, measure)
focus = [n["geometry"] for n in nbhds if filters.neighborhood in (None, n["neighborhood_code"])]
view, drawn = cache.framed_neighborhoods(ctx.url, ctx.version, focus, 360, 420)
choropleth, legend = maps.choropleth(drawn, values, MEASURES[measure], decimals=1 if measure == "median_days" else 0)
points = cache.map_points(ctx.url, ctx.version, filters, maps.POINT_LIMIT)
overlays = {"points": "Individual requests", "none": "Nothing", "heatmap": "Heatmap"}
if points is None:
    overlays.pop("points")
overlay = (
    st.segmented_control(
        "Overlay",
        list(overlays),
        format_func=overlays.get,
        default=next(iter(overlays)),
        key=f"map_overlay_{len(overlays)}",
    )
    or "none"
)
layers = [choropleth, maps.outlines(drawn)]
if overlay == "heatmap":
    layers.append(maps.heatmap(cache.heat_cells(ctx.url, ctx.version, filters)))
elif overlay == "points" and points is not None:
    layers.append(maps.points(points, rel.timezone))
basemap = st.toggle("Street basemap (needs internet)", value=False, key="map_basemap")
ui.pydeck_map(maps.deck(layers, view, basemap=basemap), height=460, key="map_deck")

ui.legend(MEASURES[measure], legend, alpha=maps.FILL_ALPHA)
if overlay == "heatmap":
    ui.legend(
        "Heatmap (requests with a point location)",
        [(maps.MAGMA_5[0], "fewer"), (maps.MAGMA_5[2], ""), (maps.MAGMA_5[4], "more")],
    )
if points is None:
    st.caption(
        f"More than "
        f"{maps.POINT_LIMIT:,} located requests match: narrow the filters (a neighborhood, "
        "a type or dates) to see individual requests."
    )
if overlay == "points":
    ui.legend(
        "Points",
        [
            (maps.POINT_COLORS["open"], "open"),
            (maps.POINT_COLORS["overdue"], "open and overdue"),
            (maps.POINT_COLORS["closed"], "marked closed"),
        ],
    )
total = cache.count(ctx.url, ctx.version, filters)
st.caption(
    f"{total:,} requests match the filters. Sensitive request types are only placed at "
    "neighborhood level. "
    f"{DEFINITIONS['overdue']} {DEFINITIONS['closed']}"
)
if measure == "median_days":
    st.caption(DEFINITIONS["median"] + " Hover a neighborhood for n.")
