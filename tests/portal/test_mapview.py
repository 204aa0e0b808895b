"""The Map page's map: framing, layers in order, filtered-out shapes, the table for screen readers."""

from __future__ import annotations

import json

from portal import maps, mapview
from portal.geometry import view_for
from portal.i18n import translator
from portal.places import Place

EN = translator("en")


def _nb(code, name, x):
    ring = [[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]
    return {
        "neighborhood_code": code,
        "name": name,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "label_point": [x + 0.5, 0.5],
        "area": 1.0,
    }


NBHDS = [_nb("N1", "Northside", 0), _nb("N2", "Southside", 1)]


def test_focus_is_the_place_then_the_filter_then_everything():
    block = Place("block", "100 block of MAIN ST", "N1", [0.5, 0.5], 3)
    assert mapview.focus(NBHDS, "N2", block) == [[0.5, 0.5]]
    assert mapview.focus(NBHDS, "N2", Place("neighborhood", "Northside", "N1")) == [NBHDS[0]["geometry"]]
    assert mapview.focus(NBHDS, "N2", None) == [NBHDS[1]["geometry"]]
    assert mapview.focus(NBHDS, None, None) == [n["geometry"] for n in NBHDS]


def test_layers_draw_names_last_and_a_found_block_as_a_pin():
    shade = mapview.shading(NBHDS, {"N1": (3.0, 3)}, "count", "Requests", EN, None)
    block = Place("block", "100 block of MAIN ST", "N1", [0.5, 0.5], 3)
    spec = json.loads(maps.deck(mapview.layers(NBHDS, shade, [], block, view_for([])), view_for([])).to_json())
    assert [layer["id"] for layer in spec["layers"]] == ["neighborhoods", "outlines", "pin", "pin_label", "labels"]


def test_a_neighborhood_filter_leaves_the_others_as_outlines_with_their_own_legend_entry():
    shade = mapview.shading(NBHDS, {"N1": (3.0, 3)}, "count", "Requests", EN, "N1")
    assert shade.legend[-1] == ("#FFFFFF", "not in the current filter")
    assert shade.outline_only == ("not in the current filter",)
    assert shade.layer.data["features"][1]["properties"]["fill"] == [0, 0, 0, 0]


def test_table_rows_link_each_neighborhood_to_its_report():
    rows = mapview.table_rows(NBHDS, {"N1": (1234.0, 1234)}, "count", EN, None, "es")
    assert [(r["name"].label, r["name"].href, r["value"], r["n"]) for r in rows] == [
        ("Northside", "neighborhood?nbhd=N1&lang=es", "1,234", "1,234"),
        ("Southside", "neighborhood?nbhd=N2&lang=es", "0", "0"),  # a count without a match is 0
    ]
    median = mapview.table_rows(NBHDS, {"N1": (2.25, 4)}, "median_days", EN, "N1", None)
    assert [(r["value"], r["n"]) for r in median] == [("2.2", "4"), ("not in the current filter", "")]


def test_chosen_is_what_was_tapped_else_what_was_found():
    found = Place("neighborhood", "Southside", "N2")
    assert mapview.chosen({"code": "N1", "name": "Northside"}, found, NBHDS) == {"code": "N1", "name": "Northside"}
    assert mapview.chosen(None, found, NBHDS) == {"code": "N2", "name": "Southside"}
    assert mapview.chosen(None, None, NBHDS) is None
