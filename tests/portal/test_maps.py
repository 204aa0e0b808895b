"""pydeck layers and legends: classes, colours, escaping, no basemap."""

from __future__ import annotations

import json

import pytest

from portal import maps


@pytest.mark.parametrize(
    "values, edges",
    [
        ([], []),
        ([None, None], []),
        ([3, 3], [3.0, 3.0]),
        ([0, 10], [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
        ([5, None, 15], [5.0, 7.0, 9.0, 11.0, 13.0, 15.0]),
    ],
)
def test_class_edges(values, edges):
    assert maps.class_edges(values) == pytest.approx(edges)


@pytest.mark.parametrize(
    "value, index",
    [
        (None, None),
        (0, 0),
        (1.99, 0),
        (2, 1),
        (7.5, 3),
        (9.99, 4),
        (10, 4),
    ],
)
def test_class_index(value, index):
    assert maps.class_index(value, [0, 2, 4, 6, 8, 10]) == index


def test_legend_labels_and_no_data():
    assert maps.legend([0, 2, 4, 6, 8, 10]) == [
        ("#00224E", "0 – 2"),
        ("#414D6B", "2 – 4"),
        ("#7C7B78", "4 – 6"),
        ("#BCAF6F", "6 – 8"),
        ("#FEE838", "8 – 10"),
        ("#D9D9D9", "no data"),
    ]
    assert maps.legend([3.0, 3.0], decimals=1) == [("#00224E", "3.0"), ("#D9D9D9", "no data")]


def _nb(code, name):
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    return {"neighborhood_code": code, "name": name, "geometry": {"type": "Polygon", "coordinates": [ring]}}


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


def test_choropleth_fill_and_hairline_outlines_share_deck_gl_polygon_program():
    hoods = [_nb("A", "Alpha"), _nb("B", "Beta")]
    fill, _ = maps.choropleth(hoods, {"A": (1.0, 1)}, "Requests")
    lines = maps.outlines(hoods)
    spec = json.loads(maps.deck([fill, lines], maps.view_for([])).to_json())["layers"]
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


def test_deck_has_no_basemap_and_text_tooltips():
    deck = maps.deck([maps.heatmap([{"lat": 1.0, "long": 2.0, "n": 3}])], maps.view_for([]))
    spec = json.loads(deck.to_json())
    assert "cartocdn" not in deck.to_json() and "mapbox" not in deck.to_json()
    assert spec["mapStyle"] == "__MAP_STYLE__"  # Streamlit draws no basemap for this sentinel
    assert "html" not in deck._tooltip and deck._tooltip["text"] == "{tip}"


def test_deck_basemap_only_when_asked():
    assert "carto" in maps.deck([], maps.view_for([]), basemap=True).to_json()


def test_points_colour_open_overdue_closed():
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
    assert layer.data[1]["tip"].startswith("b · T\nOverdue")


def test_view_for_fits_the_geometries():
    view = maps.view_for([_nb("A", "a")["geometry"]], 512, 512)
    assert (view.latitude, view.longitude) == (0.5, 0.5)
    assert 8.4 < view.zoom < 8.6  # 1 degree across 512 px: log2(360) ≈ 8.49
    assert maps.view_for([[-105.0, 39.75]]).zoom == 16.0  # a single point: closest zoom


def test_display_geometry_drops_invisible_detail_and_rounds():
    # a square with a 1 m wiggle on one side and 9-decimal coordinates
    ring = [[0.0, 0.0], [0.0005, 0.000001], [0.001, 0.0], [0.001, 0.001], [0.0, 0.001], [0.0, 0.0]]
    ring = [[x + 0.123456789, y + 0.987654321] for x, y in ring]
    shown = maps.display_geometry({"type": "Polygon", "coordinates": [ring]})
    assert shown == {
        "type": "Polygon",
        "coordinates": [
            [[0.12346, 0.98765], [0.12446, 0.98765], [0.12446, 0.98865], [0.12346, 0.98865], [0.12346, 0.98765]]
        ],
    }
    far = [[x + 1, y] for x, y in ring]
    multi = maps.display_geometry({"type": "MultiPolygon", "coordinates": [[ring], [far]]})
    assert multi["type"] == "MultiPolygon" and [len(p[0]) for p in multi["coordinates"]] == [5, 5]
    assert maps.display_geometry(None) is None


@pytest.mark.parametrize(
    "zoom, latitude, expected",
    [
        (10.0, 0.0, 3e-4),  # half a pixel: 360 / (512 * 2**10) / 2 = 3.4e-4 degrees
        (10.0, 60.0, 1.5e-4),  # a pixel spans half as many degrees of latitude at 60°: 1.7e-4
        (9.0, 40.7, 4e-4),  # a city-wide view (New York): 5.2e-4
        (13.0, 40.7, 1e-4),  # zoomed to a neighborhood: 3.3e-5, kept at the finest step
        (5.0, 0.0, 8e-4),  # a country: the coarsest step
    ],
)
def test_display_tolerance_is_the_largest_step_within_half_a_pixel(zoom, latitude, expected):
    assert maps.display_tolerance(maps.pdk.ViewState(latitude=latitude, longitude=0, zoom=zoom)) == expected


def _square(code, x, y, size=1.0):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"neighborhood_code": code, "name": code, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_nearby_keeps_what_a_map_framed_on_the_focus_shows():
    nbhds = [
        _square("here", 0, 0),
        _square("east", 1, 0),
        _square("corner", 1.9, 1.9),
        _square("far", 2.5, 0),
        _square("none", 0, 0),
    ]
    nbhds[-1]["geometry"] = None
    focus = [nbhds[0]["geometry"]]
    assert [n["neighborhood_code"] for n in maps.nearby(nbhds, focus)] == ["here", "east", "corner"]
    assert [n["neighborhood_code"] for n in maps.nearby(nbhds, focus, margin=0.5)] == ["here", "east"]
    assert maps.nearby(nbhds, []) == nbhds  # nothing to frame on: all kept
