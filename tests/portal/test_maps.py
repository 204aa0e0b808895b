"""pydeck layers: classes, colours, escaping, names on the map, filtered-out shapes, the basemap."""

from __future__ import annotations

import json

from portal import maps
from portal.geometry import view_for
from portal.i18n import translator


def _nb(code, name, x=0):
    ring = [[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]
    return {
        "neighborhood_code": code,
        "name": name,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "label_point": [x + 0.5, 0.5],
        "area": 1.0 + x,
    }


def test_choropleth_tooltips_are_plain_text_and_colours_follow_classes():
    layer, legend = maps.choropleth(
        [_nb("A", "<img src=x onerror=alert(1)>"), _nb("B", "Hill & Dale"), _nb("C", "Empty")],
        {"A": (0.0, 4), "B": (10.0, 9)},
        "Requests",
    )
    feats = layer.data["features"]
    assert feats[0]["properties"]["tip"] == "<img src=x onerror=alert(1)>\nRequests: 0 (n = 4)"
    assert feats[2]["properties"]["tip"] == "Empty\nRequests: no data (n = 0)"
    assert [f["properties"]["fill"][:3] for f in feats] == [
        maps.rgba("#00224E")[:3],
        maps.rgba("#FEE838")[:3],
        maps.rgba("#D9D9D9")[:3],
    ]
    assert legend[-1] == ("#D9D9D9", "no data")
    assert [f["properties"]["code"] for f in feats] == ["A", "B", "C"]  # what a tap selects


def test_choropleth_counts_zero_where_nothing_matched_and_has_no_no_data_then():
    layer, legend = maps.choropleth(
        [_nb("A", "Alpha"), _nb("B", "Beta")], {"A": (3.0, 3)}, "Requests", missing=(0.0, 0)
    )
    assert layer.data["features"][1]["properties"]["tip"] == "Beta\nRequests: 0 (n = 0)"
    assert len(legend) == 5 and "no data" not in [label for _, label in legend]


def test_choropleth_shows_filtered_out_neighborhoods_as_such():
    hoods = [_nb("A", "Alpha"), _nb("B", "Beta", 1)]
    layer, legend = maps.choropleth(hoods, {"A": (5.0, 5)}, "Requests", included={"A"}, missing=(0.0, 0))
    alpha, beta = layer.data["features"]
    assert beta["properties"]["fill"] == [0, 0, 0, 0]  # outline only: not "no data", not zero
    assert beta["properties"]["tip"] == "Beta\nNot in the current filter"
    assert alpha["properties"]["tip"] == "Alpha\nRequests: 5 (n = 5)"
    assert legend == [("#00224E", "5")]  # the classes are over the included neighborhoods only


def test_choropleth_tooltip_in_spanish():
    layer, _ = maps.choropleth([_nb("A", "Alpha")], {"A": (1234.0, 1234)}, "Solicitudes", tr=translator("es"))
    assert layer.data["features"][0]["properties"]["tip"] == "Alpha\nSolicitudes: 1.234 (n = 1.234)"


def test_choropleth_fill_and_hairline_outlines_share_deck_gl_polygon_program():
    hoods = [_nb("A", "Alpha"), _nb("B", "Beta")]
    fill, _ = maps.choropleth(hoods, {"A": (1.0, 1)}, "Requests")
    lines = maps.outlines(hoods)
    spec = json.loads(maps.deck([fill, lines], view_for([])).to_json())["layers"]
    # the fill draws no stroke (a stroke would need deck.gl's path program); the borders are
    # the wireframe of the same polygons at 0 m, in the outline colour, and not pickable
    assert (spec[0]["stroked"], spec[0]["filled"], spec[0]["pickable"]) == (False, True, True)
    assert (spec[1]["extruded"], spec[1]["wireframe"], spec[1]["filled"], spec[1]["stroked"]) == (
        True,
        True,
        False,
        False,
    )
    assert (spec[1]["getElevation"], spec[1]["getLineColor"], spec[1]["pickable"]) == (0, maps.OUTLINE, False)
    assert [f["geometry"] for f in spec[1]["data"]["features"]] == [h["geometry"] for h in hoods]


def test_labels_name_every_neighborhood_that_fits_the_bigger_first():
    hoods = [_nb("A", "Ñandú Park", 1), _nb("B", "Small")]
    layer = json.loads(maps.deck([maps.labels(hoods)], view_for([])).to_json())["layers"][0]
    assert layer["@@type"] == "TextLayer"
    assert [(d["text"], d["position"]) for d in layer["data"]] == [("Ñandú Park", [1.5, 0.5]), ("Small", [0.5, 0.5])]
    # strings set as plain values (pydeck would make "@@=auto" an expression): accents and CJK drawn
    assert layer["characterSet"] == "auto" and layer["fontFamily"].startswith('"Source Sans"')
    assert "extensions" not in layer  # no collision pass: names are chosen on the server
    # at a view where the two names (1 degree apart) would overlap, the bigger neighborhood's is kept
    far = maps.labels(hoods, view_for([[0, 0], [2, 1]], 60, 60))
    assert [d["text"] for d in far.data] == ["Ñandú Park"]
    near = maps.labels(hoods, view_for([[0, 0], [2, 1]], 1200, 600))
    assert [d["text"] for d in near.data] == ["Ñandú Park", "Small"]


def test_boundaries_width_units_are_pixels_not_an_expression():
    spec = json.loads(maps.deck([maps.boundaries([_nb("A", "Alpha")], "A")], view_for([])).to_json())["layers"][0]
    assert spec["lineWidthUnits"] == "pixels"
    assert spec["data"]["features"][0]["properties"]["width"] == 3  # the highlighted one is bold


def test_deck_has_no_basemap_and_text_tooltips():
    deck = maps.deck([maps.heatmap([{"lat": 1.0, "long": 2.0, "n": 3}])], view_for([]))
    spec = json.loads(deck.to_json())
    assert "cartocdn" not in deck.to_json() and "mapbox" not in deck.to_json()
    assert spec["mapStyle"] == "__MAP_STYLE__"  # Streamlit draws no basemap for this sentinel
    assert "html" not in deck._tooltip and deck._tooltip["text"] == "{tip}"


def test_deck_street_basemap_is_carto_under_the_same_layers():
    layers = [maps.outlines([_nb("A", "Alpha")]), maps.labels([_nb("A", "Alpha")])]
    with_streets = json.loads(maps.deck(layers, view_for([]), basemap=True).to_json())
    without = json.loads(maps.deck(layers, view_for([])).to_json())
    assert with_streets["mapProvider"] == "carto" and "basemaps.cartocdn.com" in with_streets["mapStyle"]
    assert with_streets["layers"] == without["layers"]  # offline, the browser draws exactly these


def test_points_colour_open_overdue_closed_and_say_which():
    rows = [
        {
            "service_request_id": i,
            "service_name": "T",
            "status": s,
            "overdue": o,
            "lat": 1.0,
            "long": 2.0,
            "requested_datetime": None,
        }
        for i, s, o in [("a", "open", False), ("b", "open", True), ("c", "closed", False)]
    ]
    layer = maps.points(rows, "UTC")
    assert [d["fill"][:3] for d in layer.data] == [
        maps.rgba(maps.POINT_COLORS[k])[:3] for k in ("open", "overdue", "closed")
    ]
    assert layer.data[1]["tip"].startswith("b · T\nOpen and overdue")
    assert [d["id"] for d in layer.data] == ["a", "b", "c"]


def test_picked_reads_the_selection_of_one_layer():
    state = {"selection": {"objects": {"neighborhoods": [{"properties": {"code": "A", "name": "Alpha"}}]}}}
    assert maps.picked(state, "neighborhoods") == {"code": "A", "name": "Alpha"}
    assert maps.picked(state, "requests") is None
    assert maps.picked({"selection": {"objects": {"requests": [{"id": "SR-1"}]}}}, "requests") == {"id": "SR-1"}
    assert maps.picked(None, "neighborhoods") is None
