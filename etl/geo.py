"""Neighborhood boundaries and the spatial join that assigns each request to one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from .errors import InputError
from .privacy import random_point_in
from .transform import add_flag


@dataclass
class Neighborhoods:
    codes: list[str]
    names: list[str]
    geometries: list  # shapely geometries, WGS 84
    repairs: list[str]  # messages about polygons that had to be repaired
    source: Path
    ambiguous: set = field(default_factory=set)  # codes used by more than one feature

    def __post_init__(self):
        for geom in self.geometries:
            shapely.prepare(geom)
        self.index = {c: i for i, c in enumerate(self.codes)}

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return tuple(shapely.total_bounds(np.array(self.geometries, dtype=object)))

    def name_of(self, codes: pd.Series) -> pd.Series:
        return codes.map(dict(zip(self.codes, self.names))).fillna("").astype("str")

    def locate(self, lat: pd.Series, lon: pd.Series) -> pd.Series:
        """Code of the polygon containing each point ('' where none does).

        Points on a shared edge go to the first polygon.

        Each polygon is prepared once and tested only against the points inside its bounding box,
        so a point is tested against the few polygons whose box holds it, with numpy doing the
        box test for every point at once.
        """
        x, y = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
        hit = np.full(len(x), -1)
        todo = ~(np.isnan(x) | np.isnan(y))
        for i, geom in enumerate(self.geometries):
            minx, miny, maxx, maxy = geom.bounds
            cand = np.flatnonzero(todo & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
            if len(cand):
                inside = cand[shapely.intersects_xy(geom, x[cand], y[cand])]
                hit[inside] = i
                todo[inside] = False
        codes = np.where(hit >= 0, np.array(self.codes, dtype=object)[hit], "")
        return pd.Series(codes, index=lat.index, dtype="str")

    def point_for(self, code: str, key: str | None) -> tuple[float, float] | None:
        """Centroid (key None) or a deterministic random point (per key) in the neighborhood."""
        i = self.index.get(code)
        if i is None:
            return None
        geom = self.geometries[i]
        if key is None:
            c = geom.representative_point() if not geom.contains(geom.centroid) else geom.centroid
            return c.y, c.x
        return random_point_in(geom, key)

    def centroid(self, code: str) -> tuple[float, float]:
        return self.point_for(code, None)

    def to_geojson(self) -> dict:
        features = []
        for code, name, geom in zip(self.codes, self.names, self.geometries):
            lat, lon = self.centroid(code)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "neighborhood_code": code,
                        "name": name,
                        "centroid_lat": round(lat, 6),
                        "centroid_long": round(lon, 6),
                    },
                    "geometry": _round_geometry(mapping(geom)),
                }
            )
        return {"type": "FeatureCollection", "features": features}


def _round_geometry(geom: dict, digits: int = 6) -> dict:
    def r(c):
        return [r(x) for x in c] if isinstance(c[0], (list, tuple)) else [round(c[0], digits), round(c[1], digits)]

    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


def load_boundaries(
    path: Path, code_property: str, name_property: str = "", names: dict | None = None, name_template: str = "{code}"
) -> Neighborhoods:
    """Read a GeoJSON FeatureCollection of polygons. Invalid polygons are repaired and reported; a file that is not
    GeoJSON, or has no usable polygons, is an InputError naming the file and the feature."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "boundary file not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"boundary file is not GeoJSON (not valid JSON: {exc})") from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InputError(path, "boundary file is not a GeoJSON FeatureCollection")
    names = {str(k): v for k, v in (names or {}).items()}
    codes, labels, geoms, repairs = [], [], [], []
    ambiguous: set[str] = set()
    for i, feat in enumerate(data["features"]):
        props = (feat or {}).get("properties") or {}
        if code_property not in props or props[code_property] in (None, ""):
            raise InputError(path, f"feature {i} has no {code_property!r} property", row=i, field=code_property)
        code = _code_text(props[code_property])
        try:
            geom = shape(feat["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
            raise InputError(
                path, f"feature {i} ({code}) has no readable geometry: {exc}", row=i, field="geometry"
            ) from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(
                path, f"feature {i} ({code}) is a {geom.geom_type}, not a polygon", row=i, field="geometry"
            )
        if not geom.is_valid:
            repairs.append(f"feature {i} ({code}): {explain_validity(geom)}; repaired")
            geom = shapely.make_valid(geom)
            polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(polys) if polys else geom
            if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise InputError(
                    path, f"feature {i} ({code}) is an invalid polygon that cannot be repaired", row=i, field="geometry"
                )
        if code in codes:
            # Rule: a repeated code is kept apart as '<code>#<feature index>' and reported; the city's own
            # area codes cannot tell such neighborhoods apart, so the area-code fallback skips that code.
            repairs.append(f"feature {i}: code {code!r} appears twice; this feature is '{code}#{i}'")
            ambiguous.add(code)
            code = f"{code}#{i}"
        name = (
            names.get(code)
            or (str(props.get(name_property) or "").strip() if name_property else "")
            or name_template.format(code=code)
        )
        codes.append(code), labels.append(name), geoms.append(geom)
    if not geoms:
        raise InputError(path, "boundary file has no features")
    return Neighborhoods(codes, labels, geoms, repairs, path, ambiguous)


def _code_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def assign_neighborhoods(
    frame: pd.DataFrame, hoods: Neighborhoods, districts: Neighborhoods | None = None
) -> pd.DataFrame:
    """Spatial join, with the city's own area code as the fallback for rows without a usable point."""
    frame = frame.copy()
    codes = hoods.locate(frame["lat"], frame["long"])
    has_point = frame["lat"].notna() & frame["long"].notna()
    add_flag(frame, has_point & (codes == ""), "outside_boundaries")
    if "area_code" in frame:
        area = frame["area_code"].str.replace(r"\.0$", "", regex=True)
        # A placeholder location's area code is the call centre's area, not the request's.
        placeholder = frame["quality_flags"].str.contains("placeholder_location", regex=False)
        usable = (codes == "") & area.isin(hoods.index.keys()) & ~area.isin(hoods.ambiguous) & ~placeholder
        codes = codes.where(~usable, area)
        add_flag(frame, usable, "neighborhood_from_area_code")
    frame["neighborhood_code"] = codes
    frame["neighborhood"] = hoods.name_of(codes)
    if districts is not None:
        frame["council_district"] = districts.locate(frame["lat"], frame["long"])
    elif "council_district" not in frame:
        frame["council_district"] = ""
    return frame
