"""Privacy by default: what may leave the ETL, and in what shape.

Rules (each one tested in tests/etl/test_privacy.py, documented in docs/data-rules.md):
- only schema fields are ever written (the whitelist is the schema itself);
- free text loses markup, e-mail addresses, phone numbers, URLs with query strings and
  card- or SSN-like numbers (each replaced by a marker), a contact's name after a role word
  ("Caller John Smith" -> "Caller [name removed]") and invisible format characters, and is cut
  to the schema's maxLength (free text: the profile's length, if shorter);
- a service_code made from the request type is made again from the scrubbed type;
- text cells that a spreadsheet would run as a formula are neutralised with a leading quote;
- addresses are generalised to the block ("600 block of CAULDWELL AVENUE"); intersections stay,
  except that a side with a house number is generalised to its block too;
- coordinates keep at most 3 decimals; sensitive types get the neighborhood centroid or a
  deterministic random point in the neighborhood (still inside it once rounded), and no address;
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

from core.tables import point_precision

from .transform import add_flag, on_unique, slugify
from .validate import load_schema

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


FREE_TEXT = ("description", "status_notes", "service_notice")
# Names of things, not text about people: the contact-name rule leaves them alone ('Caller Id Request').
NAMED_VOCABULARY = ("service_name", "neighborhood")
ALL_TEXT = (
    "service_name",
    "description",
    "status_notes",
    "agency_responsible",
    "service_notice",
    "address",
    "status_description",
    "neighborhood",
    "council_district",
)

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
# A contact's name right after a role word: 'Caller John Q Smithfield', 'complainant: Mrs. Maria Ybarra'.
# Names are capitalised words (an all-caps 'CALLER STATES THAT' is left alone); other names are not detected.
CONTACT_NAME = re.compile(
    r"(\b(?i:caller|complainant|reporter|requester|requestor|reported by|called by|contact person|contact name"
    r"|customer name|resident name)(?i:'s name)?(?:\s+(?i:name))?(?:\s*(?i:is)\s+|\s*[:-]\s*|\s+))"
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?{w}(?:\s+(?:[A-Z]\.?(?=\s)|{w})){{0,3}}".format(
        w=r"[A-Z](?:[a-z]+|(?=['\u2019]))(?:[A-Z][a-z]+)?(?:['\u2019-][A-Z]?[a-z]+)*"
    )
)
# Invisible format characters (zero-width spaces, bidi overrides, soft hyphens) can split a phone number
# so no rule sees it, or make text display differently from what it says: always removed.
FORMAT_CHARS = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


SCRUB_CLASSES = ("markup", "email", "url_query", "ssn", "card", "phone")


def scrub_text(
    text: str, max_length: int, classes: tuple[str, ...] | frozenset = SCRUB_CLASSES, names: bool = True
) -> str:
    """Markup, contact details and long numbers out (the ``classes`` a profile keeps on); then cut to max_length.

    Text is first cut to a few times max_length, so that a pathological cell (say 50 MB of one
    word) costs no more than a normal one.
    """
    out = FORMAT_CHARS.sub("", text[: max_length * 4])
    if len(text) > max_length * 4 and out.rfind(" ") > 0:
        # the cut may split a contact detail ('call 212-555-01'): drop the cut word and any number before it
        out = out[: out.rfind(" ")].rstrip("0123456789 ().+-")
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
    if names:
        out = CONTACT_NAME.sub(lambda m: m.group(1) + "[name removed]", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out[:max_length]


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def text_limits(max_length: int) -> dict[str, int]:
    """Each text field's length limit: the schema's maxLength (free text: also the profile's max_text_length)."""
    schema = {f["name"]: f.get("constraints", {}).get("maxLength") for f in load_schema("service_requests")["fields"]}
    return {col: min(max_length if col in FREE_TEXT else 2000, schema.get(col) or 2000) for col in ALL_TEXT}


def scrub_columns(frame: pd.DataFrame, max_length: int, classes=SCRUB_CLASSES, formulas: bool = True) -> pd.DataFrame:
    frame = frame.copy()
    classes = frozenset(classes)
    limits = text_limits(max_length)
    for col in ALL_TEXT:
        if col not in frame:
            continue
        values = frame[col]
        limit = limits[col]

        names = col not in NAMED_VOCABULARY

        def clean(v: pd.Series, limit=limit, names=names) -> pd.Series:
            out = v.map(lambda t: scrub_text(t, limit, classes, names))
            return (out.map(neutralise_formula) if formulas else out).astype("str")

        new = on_unique(values, clean)
        add_flag(frame, new != values, f"text_scrubbed_{col}", "redaction_reason")
        if col == "service_name" and "service_code" in frame:
            # a code made from the request type ('noise-call-212-555-0199') must lose what the type lost
            derived = (new != values) & (frame["service_code"] == slugify(values))
            frame.loc[derived, "service_code"] = slugify(new[derived]).where(lambda c: c != "", "unknown")
        frame[col] = new
    if formulas and "service_request_id" in frame:
        # ids are published as the city wrote them, except that one a spreadsheet would run ('=1+2') is neutralised too
        frame["service_request_id"] = frame["service_request_id"].map(neutralise_formula).astype("str")
    return frame


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
