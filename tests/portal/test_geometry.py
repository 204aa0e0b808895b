"""Geometry for drawing: simplified boundaries, framing views, neighbors, label points."""

from __future__ import annotations

import pydeck as pdk
import pytest

from portal import geometry


def _nb(code, name):
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    return {"neighborhood_code": code, "name": name, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_view_for_fits_the_geometries():
    view = geometry.view_for([_nb("A", "a")["geometry"]], 512, 512)
    assert (view.latitude, view.longitude) == (0.5, 0.5)
    assert 8.4 < view.zoom < 8.6  # 1 degree across 512 px: log2(360) ≈ 8.49
    assert geometry.view_for([[-105.0, 39.75]]).zoom == 16.0  # a single point: closest zoom


def test_display_geometry_drops_invisible_detail_and_rounds():
    # a square with a 1 m wiggle on one side and 9-decimal coordinates
    ring = [[0.0, 0.0], [0.0005, 0.000001], [0.001, 0.0], [0.001, 0.001], [0.0, 0.001], [0.0, 0.0]]
    ring = [[x + 0.123456789, y + 0.987654321] for x, y in ring]
    shown = geometry.display_geometry({"type": "Polygon", "coordinates": [ring]})
    assert shown == {
        "type": "Polygon",
        "coordinates": [
            [[0.12346, 0.98765], [0.12446, 0.98765], [0.12446, 0.98865], [0.12346, 0.98865], [0.12346, 0.98765]]
        ],
    }
    far = [[x + 1, y] for x, y in ring]
    multi = geometry.display_geometry({"type": "MultiPolygon", "coordinates": [[ring], [far]]})
    assert multi["type"] == "MultiPolygon" and [len(p[0]) for p in multi["coordinates"]] == [5, 5]
    assert geometry.display_geometry(None) is None


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
    assert geometry.display_tolerance(pdk.ViewState(latitude=latitude, longitude=0, zoom=zoom)) == expected


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
    assert [n["neighborhood_code"] for n in geometry.nearby(nbhds, focus)] == ["here", "east", "corner"]
    assert [n["neighborhood_code"] for n in geometry.nearby(nbhds, focus, margin=0.5)] == ["here", "east"]
    assert geometry.nearby(nbhds, []) == nbhds  # nothing to frame on: all kept


def test_label_point_is_inside_a_concave_shape():
    # a U: its centroid (1.5, 1.2) is in the notch, outside the shape
    u = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    point = geometry.label_point({"type": "Polygon", "coordinates": [u]})
    from shapely.geometry import Point, Polygon

    assert Polygon(u).contains(Point(point))
    assert geometry.label_point(None) is None
    assert geometry.area({"type": "Polygon", "coordinates": [u]}) == 7.0


def test_pixel_offset_is_web_mercator_at_the_views_zoom():
    view = pdk.ViewState(latitude=0, longitude=0, zoom=1)
    assert geometry.pixel_offset([0, 0], view) == (0, 0)
    x, y = geometry.pixel_offset([90, 0], view)
    assert (x, y) == pytest.approx((256.0, 0.0))  # a quarter of the 1,024 px world at zoom 1
    assert geometry.pixel_offset([0, 10], view)[1] < 0  # north is up


def test_label_boxes_count_wide_characters_wider():
    assert geometry.label_box("Park", 10) == pytest.approx((4 * 5.8 + 8, 16.5))
    assert geometry.label_box("公园", 10)[0] == pytest.approx(2 * 10 + 8)


def test_uncrowded_keeps_the_first_of_overlapping_labels():
    view = pdk.ViewState(latitude=0, longitude=0, zoom=10)
    labels = [([0, 0], "Big"), ([0.0001, 0], "Overlaps"), ([0.1, 0], "Far away")]
    assert geometry.uncrowded(labels, view, 13) == [0, 2]
