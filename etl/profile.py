"""City profiles: the one file that onboards a city (mapping, formats, statuses, boundaries, targets, privacy).

Every key a profile may hold is declared in ``KEYS`` with its type, default and help text. The
loader rejects unknown keys and wrong types with a message naming the file and the key, and
``docs/profiles.md`` is checked against ``KEYS`` by a test so the documentation cannot drift.
"""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ProfileError
from .sources.settings import source_problem

BUNDLED_DIR = Path(__file__).parent / "profiles"

# Schema fields a profile may map from a raw column, plus helper inputs that are not published.
MAPPABLE_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "closed_datetime",
    "address",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "channel",
    "council_district",
)
HELPER_COLUMNS = ("area_code", "intersection_1", "intersection_2", "location")
REQUIRED_MAPPINGS = ("service_request_id", "status", "service_name", "requested_datetime")
CHANNELS = ("phone", "web", "mobile", "email", "in_person", "open311", "internal", "other", "unknown")
SENSITIVE_LOCATIONS = ("neighborhood_centroid", "neighborhood_random")

# section -> key -> (type, default, help). A default of ... means required.
KEYS: dict[str, dict[str, tuple[type | tuple, Any, str]]] = {
    "package": {
        "name": (
            str,
            ...,
            "Package name: lower-case letters, digits, '-', '_' and '.'. Also the release folder's name.",
        ),
        "title": (str, ..., "Human title of the data package."),
        "description": (str, "", "What the data is, in a sentence or two."),
        "demo": (bool, False, "True only for generated demo data: every page then says DEMO DATA."),
        "license": (dict, ..., "Table with name, title and path (URL) of the data license."),
        "source": (dict, ..., "Table with title and path (URL) of the city's original dataset."),
        "publisher": (dict, {}, "Table with title (and optional email, path) of the publisher."),
        "contributors": (list, [], "List of tables with title and role."),
        "caveats": (list, [], "Plain-language caveats shown with the data (strings)."),
    },
    "input": {
        "format": (
            str,
            "csv",
            "csv, json (a JSON array, an object wrapping one, or JSON lines) or xml (GeoReport v2).",
        ),
        "encoding": (str, "utf-8", "Text encoding of the raw file."),
        "delimiter": (str, ",", "CSV field delimiter."),
        "timezone": (str, ..., "IANA zone the naive timestamps are in, e.g. America/New_York."),
        "datetime_formats": (
            list,
            ["ISO8601"],
            "strptime formats tried in order; 'ISO8601' accepts any ISO 8601 form.",
        ),
    },
    "columns": {
        **{f: (str, "", f"Raw column for the published field {f}.") for f in MAPPABLE_FIELDS},
        "area_code": (
            str,
            "",
            "Raw column with the city's own neighborhood code; used when a point is missing or outside every boundary.",
        ),
        "intersection_1": (
            str,
            "",
            "Raw column with the first street of an intersection (used when the address is blank).",
        ),
        "intersection_2": (str, "", "Raw column with the second street of an intersection."),
        "location": (str, "", "Raw column with a combined location, used only when lat/long are blank."),
        "location_format": (
            str,
            "point_text",
            "point_text for '(lat, long)' or python_dict for {'latitude': ..., 'longitude': ...}.",
        ),
    },
    "statuses": {
        "open": (list, ..., "Raw statuses (case-insensitive) that mean open."),
        "closed": (list, ..., "Raw statuses (case-insensitive) that mean closed (marked closed)."),
    },
    "channels": {c: (list, [], f"Raw channel values (case-insensitive) that mean {c}.") for c in CHANNELS},
    "boundaries": {
        "file": (str, ..., "GeoJSON of the neighborhoods, WGS 84; relative to the profile file."),
        "code_property": (str, ..., "Feature property holding the neighborhood code."),
        "name_property": (str, "", "Feature property holding the name; blank to use names or name_template."),
        "name_template": (
            str,
            "{code}",
            "Name when name_property is blank and the code is not in names, e.g. 'District {code}'.",
        ),
        "names": (dict, {}, "Table code -> name, overriding name_property."),
        "district_file": (str, "", "Optional GeoJSON of council districts for council_district by spatial join."),
        "district_property": (str, "", "Feature property of district_file holding the district code."),
        "margin_degrees": (
            float,
            0.05,
            "Points further than this outside the boundaries' bounding box are out of the city.",
        ),
    },
    "targets": {},  # free-form: request type -> target days
    "privacy": {
        "sensitive_types": (
            list,
            [],
            "Request types (case-insensitive) whose location is coarsened, in addition to the defaults.",
        ),
        "default_sensitive_types": (
            bool,
            True,
            "Also treat the built-in person-related types (etl.privacy.DEFAULT_SENSITIVE_TYPES) as sensitive.",
        ),
        "sensitive_location": (str, "neighborhood_random", "neighborhood_random or neighborhood_centroid."),
        "excluded_types": (list, [], "Request types (case-insensitive) never published."),
        "media_hosts": (list, [], "Hosts media_url may point to; other links are dropped."),
        "max_text_length": (int, 2000, "Free text is cut to this many characters."),
        "scrub": (
            list,
            ["markup", "email", "url_query", "ssn", "card", "phone"],
            "What free text loses, each replaced by a marker: markup, email, url_query, ssn, card, phone.",
        ),
        "neutralise_formulas": (
            bool,
            True,
            "Text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading quote.",
        ),
        "coordinate_decimals": (int, 3, "Decimals kept in lat/long: 3 (about 110 m) or fewer, never more."),
        "address_precision": (
            str,
            "block",
            "block ('600 block of X STREET'), street (street name only) or none (no address).",
        ),
    },
    "quality": {
        "placeholder_addresses": (
            list,
            [],
            "Addresses that are the city's own office, not a location (case-insensitive).",
        ),
        "min_year": (int, 1990, "Requests dated before this year are quarantined."),
        "service_name_case": (
            str,
            "title",
            "title (names in all capitals become title case; mixed case is kept), upper or as_is.",
        ),
    },
    "source": {
        "kind": (str, "file", "Where raw rows come from: file, socrata, open311, ckan or arcgis."),
        "path": (str, "", "file: the export a sync reads (relative to the profile file); blank: publish --input only."),
        "url": (
            str,
            "",
            "Socrata or CKAN site, Open311 endpoint (.../open311/v2) or ArcGIS layer (.../FeatureServer/0).",
        ),
        "dataset": (str, "", "socrata: the dataset id (erm2-nwe9); ckan: the DataStore resource id."),
        "format": (str, "json", "What the API answers: json; open311 also xml; arcgis also geojson."),
        "column_names": (
            str,
            "export",
            "socrata, arcgis: export (columns named as in the portal's CSV export) or api (the API's field names).",
        ),
        "watermark": (
            str,
            "",
            "The field (as the API names it) whose newest value a fetch resumes from; blank: always fetch everything.",
        ),
        "overlap_seconds": (int, 3600, "A fetch starts this long before the stored watermark, for late writes."),
        "start": (str, "", "Earliest request date fetched (ISO 8601, e.g. 2024-01-01); required for open311."),
        "page_size": (int, 1000, "Rows asked per request; open311: at most the server's cap per answer."),
        "window_days": (int, 90, "open311: the longest window asked in one request."),
        "window_params": (
            list,
            ["start_date", "end_date"],
            "open311: the two query parameters of a window (they select by requested_datetime).",
        ),
        "jurisdiction_id": (str, "", "open311: jurisdiction_id sent with every request, for multi-city servers."),
        "extensions": (bool, False, "open311: ask for extensions=true (extended_attributes and notes)."),
        "filters": (dict, {}, "Field -> value: only matching rows are fetched (e.g. one agency of a shared dataset)."),
        "app_token_env": (str, "", "Name of the environment variable that holds the app token (never the token)."),
        "timeout_seconds": (float, 60.0, "Longest wait for one answer."),
        "retries": (int, 5, "Retries of an answer that is 429, 5xx, cut short or never came, before the fetch fails."),
        "backoff_seconds": (float, 1.0, "Wait before the first retry, doubled each time; Retry-After wins."),
        "max_wait_seconds": (float, 300.0, "Longest Retry-After accepted; a longer one fails the fetch at once."),
    },
}


@dataclass(frozen=True)
class Profile:
    path: Path
    package: dict
    source: dict
    input: dict
    columns: dict
    statuses: dict
    channels: dict
    boundaries: dict
    targets: dict
    privacy: dict
    quality: dict
    status_map: dict = field(default_factory=dict)  # lower-case raw status -> open/closed
    channel_map: dict = field(default_factory=dict)  # lower-case raw channel -> channel

    @property
    def name(self) -> str:
        return self.package["name"]

    @property
    def timezone(self) -> str:
        return self.input["timezone"]

    def resolve(self, relative: str) -> Path:
        """A path from the profile, relative to the profile file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    def raw_columns(self) -> dict[str, str]:
        """Published or helper field -> raw column, for the columns this profile maps."""
        keys = MAPPABLE_FIELDS + HELPER_COLUMNS
        return {k: self.columns[k] for k in keys if self.columns.get(k)}


def find_profile(name_or_path: str) -> Path:
    """A bundled profile by name (``chicago``) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise ProfileError(p, "profile file not found")
        return p
    bundled = BUNDLED_DIR / f"{name_or_path}.toml"
    if not bundled.is_file():
        known = ", ".join(sorted(x.stem for x in BUNDLED_DIR.glob("*.toml")))
        raise ProfileError(name_or_path, f"no such profile; bundled profiles are: {known}")
    return bundled


def load_profile(name_or_path: str) -> Profile:
    path = find_profile(name_or_path).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ProfileError(path, "not UTF-8 text") from None
    sections = {s: _check_section(path, s, raw.get(s, {})) for s in KEYS}
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise ProfileError(path, f"unknown section [{unknown[0]}]; known: {', '.join(KEYS)}")
    profile = Profile(path=path, **sections)
    _check_semantics(profile)
    return _with_maps(profile)


def _check_section(path: Path, section: str, values: Any) -> dict:
    if not isinstance(values, dict):
        raise ProfileError(path, f"[{section}] must be a table")
    spec = KEYS[section]
    if section == "targets":
        for k, v in values.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
                raise ProfileError(path, f"[targets] {k!r} must be a positive number of days")
        return {k.casefold(): float(v) for k, v in values.items()}
    out = {}
    for key, value in values.items():
        if key not in spec:
            raise ProfileError(path, f"unknown key {section}.{key}")
        typ = spec[key][0]
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ProfileError(path, f"{section}.{key} must be {typ.__name__}, not {type(value).__name__}")
        out[key] = value
    for key, (_typ, default, _help) in spec.items():
        if key not in out:
            if default is ...:
                raise ProfileError(path, f"missing required key {section}.{key}")
            out[key] = default
    return out


def _check_semantics(p: Profile) -> None:
    path = p.path
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", p.package["name"]):
        raise ProfileError(path, "package.name must be lower-case letters, digits, '.', '-' or '_'")
    if p.input["format"] not in ("csv", "json", "xml"):
        raise ProfileError(path, f"input.format must be csv, json or xml, not {p.input['format']!r}")
    try:
        zoneinfo.ZoneInfo(p.input["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ProfileError(path, f"input.timezone {p.input['timezone']!r} is not an IANA time zone") from None
    try:
        "".encode(p.input["encoding"])
    except LookupError:
        raise ProfileError(path, f"input.encoding {p.input['encoding']!r} is not a known encoding") from None
    for f in REQUIRED_MAPPINGS:
        if not p.columns.get(f):
            raise ProfileError(path, f"columns.{f} is required")
    if p.columns["location_format"] not in ("point_text", "python_dict"):
        raise ProfileError(path, "columns.location_format must be point_text or python_dict")
    if p.privacy["sensitive_location"] not in SENSITIVE_LOCATIONS:
        raise ProfileError(path, f"privacy.sensitive_location must be one of {', '.join(SENSITIVE_LOCATIONS)}")
    unknown = sorted(set(p.privacy["scrub"]) - {"markup", "email", "url_query", "ssn", "card", "phone"})
    if unknown:
        raise ProfileError(
            path, f"privacy.scrub has unknown class {unknown[0]!r}; known: markup, email, url_query, ssn, card, phone"
        )
    if not 0 <= p.privacy["coordinate_decimals"] <= 3:
        raise ProfileError(path, "privacy.coordinate_decimals must be 0 to 3 (coarser only)")
    if p.privacy["address_precision"] not in ("block", "street", "none"):
        raise ProfileError(path, "privacy.address_precision must be block, street or none")
    if p.quality["service_name_case"] not in ("title", "upper", "as_is"):
        raise ProfileError(path, "quality.service_name_case must be title, upper or as_is")
    both = {s.casefold() for s in p.statuses["open"]} & {s.casefold() for s in p.statuses["closed"]}
    if both:
        raise ProfileError(path, f"status {sorted(both)[0]!r} is listed as both open and closed")
    problem = source_problem(p.source, p.input)
    if problem:
        raise ProfileError(path, problem)


def _with_maps(p: Profile) -> Profile:
    status_map = {s.casefold(): "open" for s in p.statuses["open"]}
    status_map.update({s.casefold(): "closed" for s in p.statuses["closed"]})
    channel_map = {v.casefold(): c for c, values in p.channels.items() for v in values}
    return Profile(**{**p.__dict__, "status_map": status_map, "channel_map": channel_map})
