"""Map: the map first, then search, what to shade and show, and the filters (collapsed).

The view (filters, measure, search) lives in the URL, so any view is a shareable permalink.
The controls are drawn below the map but decided before it: the map is filled in last.
"""

from pathlib import Path

import streamlit as st

from portal import cache, html, links, maps, mapview, settings, ui
from portal.definitions import define
from portal.filters import MEASURES, parse_choice, parse_filters
from portal.places import clean_query, places

here = Path(__file__)
ctx = ui.require_release()
tr = ui.tr()
_ = tr._
st.title(_("Map of requests"))
map_area = st.container()
vocab = cache.vocabulary(ctx.url, ctx.version)
params = ui.query_params()
parsed = parse_filters(params, vocab)
measure, measure_msgs = parse_choice(params, "measure", MEASURES, "count")
ui.show_messages(parsed.messages + measure_msgs)
nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)

typed = st.text_input(_("Find a neighborhood or a street"), value=(params.get("q") or [""])[-1], key="map_q")
query = clean_query(typed)
blocks = cache.blocks(ctx.url, ctx.version, query) if len(query) >= 3 else []
found = places(nbhds, blocks, query) if query else []
place = None
if found:
    pick = st.radio(
        _("Places found"),
        range(len(found)),
        format_func=lambda i: mapview.place_label(found[i], tr),
        key=f"map_place_{query}",
    )
    place = found[pick]
elif query:
    st.caption(_("No neighborhood or published block matches “{query}”.").format(query=query))
left, right = st.columns(2)
measure = left.selectbox(
    _("Shade neighborhoods by"),
    list(MEASURES),
    index=list(MEASURES).index(measure),
    format_func=lambda m: _(MEASURES[m]),
    key="map_measure",
)
points = cache.map_points(ctx.url, ctx.version, parsed.filters, maps.POINT_LIMIT)
overlays = {"points": _("Individual requests"), "none": _("Nothing"), "heatmap": _("Heatmap")}
if points is None:
    overlays.pop("points")
overlay = right.segmented_control(
    _("On top"),
    list(overlays),
    format_func=overlays.get,
    default=next(iter(overlays)),
    key=f"map_overlay_{len(overlays)}",
)
filters = ui.filter_controls(parsed.filters, vocab, cache.service_types(ctx.url, ctx.version), nbhds, key="map")
basemap = st.toggle(
    _("Street map underneath (where the network allows)"), value=settings.basemap_on(), key="map_basemap"
)
ui.set_query_params({**filters.to_params(), "measure": measure, **({"q": query} if query else {})})

values = cache.neighborhood_values(ctx.url, ctx.version, filters, measure)
view, drawn = cache.framed_neighborhoods(
    ctx.url, ctx.version, mapview.focus(nbhds, filters.neighborhood, place), 360, 420
)
shade = mapview.shading(drawn, values, measure, _(MEASURES[measure]), tr, filters.neighborhood)
top = []
if overlay == "heatmap":
    top = [maps.heatmap(cache.heat_cells(ctx.url, ctx.version, filters))]
elif overlay == "points" and points is not None:
    top = [maps.points(points, ctx.release.timezone, tr=tr)]
with map_area:
    alt = _(
        "Map of the neighborhoods shaded by {measure}, with their names; the same numbers are in the table below it."
    )
    deck = maps.deck(mapview.layers(drawn, shade, top, place, view), view, basemap=basemap)
    state = ui.pydeck_map(deck, 440, "map_deck", alt.format(measure=_(MEASURES[measure])), select=True)
    ui.legend(_(MEASURES[measure]), shade.legend, alpha=maps.FILL_ALPHA, outline=shade.outline_only)
    for title, items in mapview.overlay_legends(overlay, tr):
        ui.legend(title, items)
    if chosen := mapview.chosen(maps.picked(state, "neighborhoods"), place, nbhds):
        report = _("Open the report for {name}").format(name=chosen["name"])
        ui.page_link(here.with_name("neighborhood.py"), report, ":material/description:", nbhd=chosen["code"])
    if request := maps.picked(state, "requests"):
        track = _("Track request {id}").format(id=request["id"])
        ui.page_link(here.with_name("track.py"), track, ":material/search:", id=request["id"])
    total = tr.number(cache.count(ctx.url, ctx.version, filters))
    st.caption(_("{n} requests match the filters. Tap or click a neighborhood to open its report.").format(n=total))
    feed = links.feed_url(filters, links.api_base())
    st.markdown(
        _("[Follow this view]({url}): an Atom feed of new and closed requests, for any feed reader.").format(
            url=f"<{feed}>"
        )
    )

if points is None:
    more = _(
        "More than {limit} located requests match: narrow the filters (a neighborhood, a type or dates) "
        "to see individual requests."
    )
    st.caption(more.format(limit=tr.number(maps.POINT_LIMIT)))
notes = [
    _("Sensitive request types are only placed at neighborhood level."),
    define("overdue", tr),
    define("closed", tr),
]
st.caption(" ".join(notes + ([define("median", tr)] if measure == "median_days" else [])))
with st.expander(_("The map as a table"), icon=":material/table:"):
    lang = None if tr.code == "en" else tr.tag
    rows = mapview.table_rows(nbhds, values, measure, tr, filters.neighborhood, lang)
    st.html(html.table(mapview.table_columns(_(MEASURES[measure]), tr), rows))
