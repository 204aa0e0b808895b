"""Privacy by default: what may leave the ETL, and in what shape.

Rules (each one tested in tests/etl/test_privacy.py, documented in docs/data-rules.md):
- only schema fields are ever written (the whitelist is the schema itself);
- free text is scrubbed (etl/scrub.py): markup, contact details, long numbers and a contact's
  name out, cut to the schema's maxLength (free text: the profile's length, if shorter), and a
  cell a spreadsheet would run as a formula neutralised with a leading quote; a service_code made
  from the request type is made again from the scrubbed type;
- addresses are generalised to the block ("600 block of CAULDWELL AVENUE"); intersections stay,
  except that a side with a house number is generalised to its block too;
- coordinates keep at most 3 decimals (location_precision says how many); sensitive types get
  the neighborhood centroid or a deterministic random point in the neighborhood (still inside it
  once rounded), and no address;
- media_url survives only when it is https on an allowed host;
- address_id is never published (parcel ids identify a household).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import shapely

from core.tables import point_precision

from .scrub import scrub_columns
from .strings import on_unique
from .transform import add_flag

# Person-related request types: where a request is about a person, its location is about them too.
DEFAULT_SENSITIVE_TYPES = (
    "Homeless Person Assistance",
    "Homeless Encampment",
    "Encampment",
    "Panhandling",
    "Drug Activity",
    "Non-Emergency Police Matter",
    "Elder Abuse",
    "Elder Welfare",
    "Child Welfare",
    "Child Abuse",
    "Domestic Violence",
    "Domestic Dispute",
    "Personal Needs",
    "Welfare Check",
    "Senior Welfare Check",
    "Adult Protective Services",
    "Mental Health",
    "Pet Wellness Check Request",
    "Animal-Abuse",
)


def sensitive_types(profile) -> set[str]:
    names = set(profile.privacy["sensitive_types"])
    if profile.privacy["default_sensitive_types"]:
        names |= set(DEFAULT_SENSITIVE_TYPES)
    return {n.casefold() for n in names}


# House number (Queens style '51-65' too), then the street, which may itself start with a number
# ('725 56 STREET', '51-65 72 PLACE', '2931 8 AVENUE').
HOUSE_NUMBER = re.compile(
    r"^\s*(\d{1,6})(?:-(\d{1,4}))?(?:[A-Za-z]|\s*\d/\d)?\s+(?=\D|\d+(?:st|nd|rd|th)?\s+\D)(.+)$", re.I
)
# A number that is not part of a street name ('42 ST', '26 STREET', '181ST'): possibly a house number.
NOT_A_STREET_NUMBER = re.compile(
    r"\b\d{2,6}\b(?!\s*(?:st|nd|rd|th|street|avenue|ave|av|place|pl|road|drive|dr|boulevard|blvd|lane|ln"
    r"|terrace|ter|court|ct|way|parkway|pkwy)\b)",
    re.I,
)
INTERSECTION = re.compile(r"\s(?:&|and|at|@|/)\s|^\s*(?:intersection|corner) of", re.I)
SIDES = re.compile(r"(\s(?:&|and|at|@|/)\s)", re.I)
# The rest of a side after its leading number, when that number names the street ('3 AVENUE',
# '78 ROAD S', '3 AVENUE BRIDGE BIKE PATH'), not a house ('4821 ELMWOOD AVENUE', '4821 AVENUE J').
_STREET_TYPE = (
    r"(?:street|st|avenue|ave|av|place|pl|road|rd|drive|dr|boulevard|blvd|lane|ln|terrace|ter|court|ct"
    r"|way|parkway|pkwy|crescent|cres|loop|walk|row|circle|cir|square|sq|highway|hwy|expressway|expy|path"
    r"|trail|plaza|alley|aly)\.?"
)
NUMBERED_STREET = re.compile(
    rf"{_STREET_TYPE}(?:\s+(?:[nsew]|north|south|east|west)\b|\s+[a-z]{{2,}}\b.*)?\s*(?:,\s*\d{{5}})?\s*$", re.I
)


def _to_block(parts: pd.DataFrame) -> pd.Series:
    block = (pd.to_numeric(parts[0], errors="coerce") // 100 * 100).astype("Int64").astype("str")
    # Queens: in '51-65 72 PLACE' 51 is the block and 65 the house, so the block is '51-00'.
    block = block.where(parts[1].isna(), parts[0] + "-00")
    return block + " block of " + parts[2].str.strip()


def _generalise_corner(address: str) -> str:
    """An intersection stays, except that a side with a house number ('4821 ELMWOOD AVENUE & OAK ST')
    goes to its block."""
    pieces = SIDES.split(address)
    for i in range(0, len(pieces), 2):
        m = HOUSE_NUMBER.match(pieces[i])
        if m and not NUMBERED_STREET.match(m.group(3).strip()):
            pieces[i] = _to_block(pd.DataFrame([m.groups()])).iloc[0]
    return "".join(pieces)


def generalise_address(address: pd.Series) -> pd.Series:
    """'659 CAULDWELL AVENUE' -> '600 block of CAULDWELL AVENUE'. Intersections stay as they are,
    but a side of one that starts with a house number is generalised to its block too."""
    parts = address.str.extract(HOUSE_NUMBER)
    is_intersection = address.str.contains(INTERSECTION, regex=True)
    numbered = parts[0].notna() & ~is_intersection
    out = address.copy()
    out[numbered] = _to_block(parts[numbered])
    corner = is_intersection & address.str.contains(r"(?i)^\s*\d|\s(?:&|and|at|@|/)\s+\d", regex=True)
    out[corner] = address[corner].map(_generalise_corner)
    # Digits left anywhere else in a non-intersection address could still be a house number.
    rest = ~is_intersection & ~numbered & address.str.contains(NOT_A_STREET_NUMBER, regex=True)
    out[rest] = ""
    return out


def street_only(generalised: pd.Series) -> pd.Series:
    """'600 block of CAULDWELL AVENUE' -> 'CAULDWELL AVENUE' (address_precision = "street")."""
    return generalised.str.replace(r"^[\d-]+ block of ", "", regex=True).astype("str")


def apply_location_privacy(frame: pd.DataFrame, profile, neighborhoods) -> pd.DataFrame:
    """Round points; coarsen sensitive types to their neighborhood; set location_precision."""
    frame = frame.copy()
    sensitive = frame["service_name"].str.casefold().isin(sensitive_types(profile))
    has_point = frame["lat"].notna() & frame["long"].notna()
    digits = profile.privacy["coordinate_decimals"]
    frame["location_precision"] = np.where(has_point, point_precision(digits), "none")
    frame["lat"] = frame["lat"].round(digits)
    frame["long"] = frame["long"].round(digits)
    if sensitive.any():
        add_flag(frame, sensitive, "sensitive_type", "redaction_reason")
        frame.loc[sensitive, "address"] = ""
        frame.loc[sensitive, "zipcode"] = ""
        mode = profile.privacy["sensitive_location"]
        rows = frame.index[sensitive]
        codes = frame.loc[rows, "neighborhood_code"]
        lat, lon, precision = [], [], []
        for sr_id, code in zip(frame.loc[rows, "service_request_id"], codes):
            point = sensitive_point(neighborhoods, code, sr_id if mode == "neighborhood_random" else None, digits)
            if point is None:
                lat.append(np.nan), lon.append(np.nan), precision.append("none")
            else:
                lat.append(point[0]), lon.append(point[1]), precision.append(mode)
        frame.loc[rows, "lat"] = lat
        frame.loc[rows, "long"] = lon
        frame.loc[rows, "location_precision"] = precision
    return frame


def sensitive_point(neighborhoods, code: str, key: str | None, digits: int) -> tuple[float, float] | None:
    """The neighborhood's centroid (key None) or a random point in it (deterministic per key), rounded to
    ``digits``. Rounding can move a point near the edge out of its neighborhood: a random point is then
    drawn again (keys 'id#1', 'id#2', ...) until the rounded point is inside."""
    first = None
    for attempt in range(1 if key is None else 20):
        point = neighborhoods.point_for(code, key if attempt == 0 else f"{key}#{attempt}")
        if point is None:
            return None
        rounded = (round(point[0], digits), round(point[1], digits))
        first = first or rounded
        if neighborhoods.geometries[neighborhoods.index[code]].contains(shapely.Point(rounded[1], rounded[0])):
            return rounded
    return first


def random_point_in(polygon, key: str) -> tuple[float, float]:
    """A point inside ``polygon`` chosen by a seed derived from ``key``: the same id always gets the same point."""
    seed = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(shapely.Point(x, y)):
            return y, x
    p = polygon.representative_point()
    return p.y, p.x


def filter_media(frame: pd.DataFrame, hosts: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    if "media_url" not in frame:
        frame["media_url"] = ""
        return frame
    url = frame["media_url"]
    host = url.str.extract(r"^https://([^/:?#\s]+)(?:[/:?#]|$)", expand=False).str.lower()
    allowed = host.isin([h.lower() for h in hosts]) & ~url.str.contains(r"[\s\"<>'`]", regex=True)
    drop = (url != "") & ~allowed
    add_flag(frame, drop, "media_removed", "redaction_reason")
    frame["media_url"] = url.where(allowed, "").astype("str")
    return frame


def apply_privacy(frame: pd.DataFrame, profile, neighborhoods) -> pd.DataFrame:
    p = profile.privacy
    frame = scrub_columns(frame, p["max_text_length"], p["scrub"], p["neutralise_formulas"])
    if p["address_precision"] == "none":
        generalised = pd.Series("", index=frame.index, dtype="str")
    elif p["address_precision"] == "street":
        generalised = on_unique(on_unique(frame["address"], generalise_address), street_only)
    else:
        generalised = on_unique(frame["address"], generalise_address)
    add_flag(frame, generalised != frame["address"], "address_generalised", "redaction_reason")
    frame["address"] = generalised
    frame = filter_media(frame, profile.privacy["media_hosts"])
    frame = apply_location_privacy(frame, profile, neighborhoods)
    frame["address_id"] = ""
    return frame
