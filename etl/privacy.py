"""Privacy by default: what may leave the ETL, and in what shape.

Rules (each one tested in tests/etl/test_privacy.py, documented in docs/data-rules.md):
- only schema fields are ever written (the whitelist is the schema itself);
- free text loses markup, e-mail addresses, phone numbers, URLs with query strings and
  card- or SSN-like numbers (each replaced by a marker), and is cut to the profile's length;
- text cells that a spreadsheet would run as a formula are neutralised with a leading quote;
- addresses are generalised to the block ("600 block of CAULDWELL AVENUE"); intersections stay;
- coordinates keep at most 3 decimals; sensitive types get the neighborhood centroid or a
  deterministic random point in the neighborhood, and no address;
- media_url survives only when it is https on an allowed host;
- address_id is never published (parcel ids identify a household).
"""
from __future__ import annotations

import hashlib
import html
import re

import numpy as np
import pandas as pd
import shapely

from .transform import add_flag, on_unique

# Person-related request types: where a request is about a person, its location is about them too.
DEFAULT_SENSITIVE_TYPES = (
    "Homeless Person Assistance", "Homeless Encampment", "Encampment", "Panhandling", "Drug Activity",
    "Non-Emergency Police Matter", "Elder Abuse", "Elder Welfare", "Child Welfare", "Child Abuse",
    "Domestic Violence", "Domestic Dispute", "Personal Needs", "Welfare Check", "Senior Welfare Check",
    "Adult Protective Services", "Mental Health", "Pet Wellness Check Request", "Animal-Abuse",
)


def sensitive_types(profile) -> set[str]:
    names = set(profile.privacy["sensitive_types"])
    if profile.privacy["default_sensitive_types"]:
        names |= set(DEFAULT_SENSITIVE_TYPES)
    return {n.casefold() for n in names}


FREE_TEXT = ("description", "status_notes", "service_notice")
ALL_TEXT = ("service_name", "description", "status_notes", "agency_responsible", "service_notice",
            "address", "status_description", "neighborhood", "council_district")

# A tag starts with a letter, "/", "!" or "?" right after "<" ("a < b > c" is not markup).
TAG = re.compile(r"<[a-zA-Z/!?][^>]{0,2000}>|<[a-zA-Z/!][^<]*$")
EMAIL = re.compile(r"[\w.+%-]+\s*(?:@|\[at\]|\(at\))\s*[\w-]+(?:\s*(?:\.|\[dot\]|\(dot\))\s*[\w-]+)+", re.I)
URL_QUERY = re.compile(r"(?:https?://|www\.)\S*\?\S*", re.I)
# "data:" only as a data URL ("data:text/html,..."), so that "missing data: ..." stays.
SCRIPT_URL = re.compile(r"\b(?:javascript|vbscript)\s*:|\bdata\s*:\s*[a-z]+/[\w.+-]+[;,]", re.I)
# 13-19 digit card numbers and SSNs (3-2-4), with spaces or dashes between groups.
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
SSN = re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b")
# US shapes: (212) 555-0199, 212-555-0199, 212.555.0199, 2125550199, +1 212 555 0199;
# international: +44 20 7946 0958, +33 1 23 45 67 89, 0044 20 7946 0958.
PHONE = re.compile(
    r"(?:\+|\b00)\d{1,3}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}\b"
    r"|(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"
    r"|\b\d{10}\b"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# House number (Queens style '51-65' too), then the street, which may itself start with a number
# ('725 56 STREET', '51-65 72 PLACE', '2931 8 AVENUE').
HOUSE_NUMBER = re.compile(r"^\s*(\d{1,6})(?:-(\d{1,4}))?(?:[A-Za-z]|\s*\d/\d)?\s+(?=\D|\d+(?:st|nd|rd|th)?\s+\D)(.+)$", re.I)
# A number that is not part of a street name ('42 ST', '26 STREET', '181ST'): possibly a house number.
NOT_A_STREET_NUMBER = re.compile(r"\b\d{2,6}\b(?!\s*(?:st|nd|rd|th|street|avenue|ave|av|place|pl|road|drive|dr|boulevard|blvd|lane|ln"
                                 r"|terrace|ter|court|ct|way|parkway|pkwy)\b)", re.I)
INTERSECTION = re.compile(r"\s(?:&|and|at|@|/)\s|^\s*(?:intersection|corner) of", re.I)


SCRUB_CLASSES = ("markup", "email", "url_query", "ssn", "card", "phone")


def scrub_text(text: str, max_length: int, classes: tuple[str, ...] | frozenset = SCRUB_CLASSES) -> str:
    """Markup, contact details and long numbers out (the ``classes`` a profile keeps on); then cut to max_length.

    Text is first cut to a few times max_length, so that a pathological cell (say 50 MB of one
    word) costs no more than a normal one.
    """
    out = text[: max_length * 4]
    if "markup" in classes:
        out = TAG.sub(" ", html.unescape(out))
        out = out.replace("<", "‹").replace(">", "›")
        out = SCRIPT_URL.sub("[link removed]", out)
    if "email" in classes and ("@" in out or "at]" in out or "(at)" in out):
        out = EMAIL.sub("[email removed]", out)
    if "url_query" in classes:
        out = URL_QUERY.sub("[link removed]", out)
    if "ssn" in classes:
        out = SSN.sub("[number removed]", out)
    if "card" in classes:
        out = CARD.sub("[number removed]", out)
    if "phone" in classes:
        out = PHONE.sub("[phone removed]", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out[:max_length]


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def scrub_columns(frame: pd.DataFrame, max_length: int, classes=SCRUB_CLASSES, formulas: bool = True) -> pd.DataFrame:
    frame = frame.copy()
    classes = frozenset(classes)
    for col in ALL_TEXT:
        if col not in frame:
            continue
        values = frame[col]
        limit = max_length if col in FREE_TEXT else 300 if col == "address" else 200

        def clean(v: pd.Series, limit=limit) -> pd.Series:
            out = v.map(lambda t: scrub_text(t, limit, classes))
            return (out.map(neutralise_formula) if formulas else out).astype("str")

        new = on_unique(values, clean)
        add_flag(frame, new != values, f"text_scrubbed_{col}", "redaction_reason")
        frame[col] = new
    return frame


def generalise_address(address: pd.Series) -> pd.Series:
    """'659 CAULDWELL AVENUE' -> '600 block of CAULDWELL AVENUE'. Intersections stay as they are."""
    parts = address.str.extract(HOUSE_NUMBER)
    is_intersection = address.str.contains(INTERSECTION, regex=True)
    numbered = parts[0].notna() & ~is_intersection
    block = (pd.to_numeric(parts[0], errors="coerce") // 100 * 100).astype("Int64").astype("str")
    # Queens: in '51-65 72 PLACE' 51 is the block and 65 the house, so the block is '51-00'.
    block = block.where(parts[1].isna(), parts[0] + "-00")
    out = address.copy()
    out[numbered] = block[numbered] + " block of " + parts[2][numbered].str.strip()
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
    frame["location_precision"] = np.where(has_point, "point_3dp", "none")
    digits = profile.privacy["coordinate_decimals"]
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
            point = neighborhoods.point_for(code, sr_id if mode == "neighborhood_random" else None)
            if point is None:
                lat.append(np.nan), lon.append(np.nan), precision.append("none")
            else:
                lat.append(round(point[0], digits)), lon.append(round(point[1], digits)), precision.append(mode)
        frame.loc[rows, "lat"] = lat
        frame.loc[rows, "long"] = lon
        frame.loc[rows, "location_precision"] = precision
    return frame


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
