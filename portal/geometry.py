"""Geometry for drawing: lighter boundaries, the view that frames them, label points (no SQL, no Streamlit).

Everything here works on GeoJSON geometries (dicts) and ``[long, lat]`` pairs, in degrees (WGS 84).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pydeck as pdk
from shapely.geometry import mapping, shape

DISPLAY_TOLERANCE = 1e-4  # degrees, about 10 m: invisible at neighborhood zoom; the finest used
# tolerances a map may use (a few steps, so each is simplified and cached once per release)
TOLERANCE_STEPS = (1e-4, 1.5e-4, 2e-4, 3e-4, 4e-4, 6e-4, 8e-4)
DISPLAY_DECIMALS = 5  # about 1 m


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


def bounds(geometries: Iterable) -> tuple[float, float, float, float] | None:
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
    box = bounds(focus)
    if box is None:
        return neighborhoods
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    kept = []
    for nb in neighborhoods:
        b = bounds([nb["geometry"]]) if nb.get("geometry") else None
        if b and b[0] <= x1 + dx and b[2] >= x0 - dx and b[1] <= y1 + dy and b[3] >= y0 - dy:
            kept.append(nb)
    return kept


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
    box = bounds(geometries)
    if box is None:
        return pdk.ViewState(latitude=0, longitude=0, zoom=1)
    x0, y0, x1, y1 = box
    lon_span = max(x1 - x0, 1e-4)
    lat_mid = (y1 + y0) / 2
    lat_span = max(y1 - y0, 1e-4) / max(math.cos(math.radians(lat_mid)), 0.1)
    # deck.gl's web-mercator world is 512 px wide at zoom 0
    zoom = min(math.log2(360 * width_px / 512 / lon_span), math.log2(360 * height_px / 512 / lat_span))
    return pdk.ViewState(latitude=lat_mid, longitude=(x1 + x0) / 2, zoom=round(max(1.0, min(zoom, 16.0)), 2))


def label_point(geometry: dict | None) -> list[float] | None:
    """``[long, lat]`` of a point inside the shape, for its name (a centroid can fall outside a
    concave shape), rounded like the drawing."""
    if not geometry:
        return None
    shp = shape(geometry)
    if shp.is_empty:
        return None
    point = shp.representative_point()
    return [round(point.x, DISPLAY_DECIMALS), round(point.y, DISPLAY_DECIMALS)]


def area(geometry: dict | None) -> float:
    """Area in square degrees: only to rank shapes by size (bigger names win a crowded map)."""
    return float(shape(geometry).area) if geometry else 0.0


def pixel_offset(point: list[float], view: pdk.ViewState) -> tuple[float, float]:
    """Where ``[long, lat]`` is drawn, in screen pixels from the centre of a map at ``view``
    (deck.gl's web-mercator world: 512 px wide at zoom 0; y grows downwards)."""

    def world(lon: float, lat: float) -> tuple[float, float]:
        lat = max(min(lat, 85.0), -85.0)
        y = 256 - 256 / math.pi * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return 512 * (lon + 180) / 360, y

    x, y = world(*point)
    cx, cy = world(view.longitude, view.latitude)
    scale = 2**view.zoom
    return (x - cx) * scale, (y - cy) * scale


def label_box(text: str, size_px: float) -> tuple[float, float]:
    """About how wide and high a label of ``text`` is drawn: wide (CJK) characters a full size,
    others a little over half, plus the label's padding."""
    import unicodedata

    width = sum(size_px if unicodedata.east_asian_width(c) in "WF" else 0.58 * size_px for c in text)
    return width + 8, size_px * 1.25 + 4


def uncrowded(labels: list[tuple[list[float], str]], view: pdk.ViewState, size_px: float) -> list[int]:
    """The indexes of the labels (point, text), most important first, whose boxes do not overlap
    a label kept before them at ``view``: what a map can show without names on top of names."""
    kept: list[tuple[float, float, float, float]] = []
    out = []
    for i, (point, text) in enumerate(labels):
        x, y = pixel_offset(point, view)
        w, h = label_box(text, size_px)
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if all(box[2] <= k[0] or box[0] >= k[2] or box[3] <= k[1] or box[1] >= k[3] for k in kept):
            kept.append(box)
            out.append(i)
    return out
