"""The checks of a profile's ``[source]`` section taken together (its keys are declared in etl.profile.KEYS)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

SOURCE_KINDS = ("file", "socrata", "open311", "ckan", "arcgis")
# What each kind's API may answer in (source.format).
SOURCE_FORMATS = {
    "file": ("json",),
    "socrata": ("json",),
    "open311": ("json", "xml"),
    "ckan": ("json",),
    "arcgis": ("json", "geojson"),
}
# kind -> (key, pattern, what the key must be)
REQUIRED = {
    "socrata": ("dataset", r"[a-z0-9]{4}-[a-z0-9]{4}", "a dataset id like erm2-nwe9"),
    "ckan": ("dataset", r"\S+", "the DataStore resource id"),
    "open311": ("start", r"\d{4}-\d\d-\d\d.*", "the earliest date to fetch, e.g. 2024-01-01"),
}
STANDARD_WINDOW = ["start_date", "end_date"]


def source_problem(src: dict, inp: dict) -> str | None:
    """What is wrong with the [source] section (``src``) next to ``[input]`` (``inp``), or None."""
    kind = src["kind"]
    if kind not in SOURCE_KINDS:
        return f"source.kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}"
    if kind == "file":
        return "source.url is for API sources; source.kind is file" if src["url"] else None
    return _where_problem(src) or _paging_problem(src) or _input_problem(kind, inp)


def _where_problem(src: dict) -> str | None:
    kind = src["kind"]
    url = urlsplit(src["url"])
    if url.scheme not in ("http", "https") or not url.netloc:
        return f"source.url must be an http(s) URL for source.kind {kind}, not {src['url']!r}"
    if url.username or url.password or parse_qs(url.query):
        return "source.url must not carry credentials or parameters: name the token's variable in source.app_token_env"
    if src["format"] not in SOURCE_FORMATS[kind]:
        return f"source.format must be {' or '.join(SOURCE_FORMATS[kind])} for source.kind {kind}"
    if kind in REQUIRED:
        key, pattern, what = REQUIRED[kind]
        if not re.fullmatch(pattern, src[key]):
            return f"source.{key} must be {what} for source.kind {kind}"
    if src["column_names"] not in ("export", "api"):
        return "source.column_names must be export or api"
    token = src["app_token_env"]
    if token and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
        return "source.app_token_env must be the NAME of an environment variable, not the token"
    if kind == "open311" and token:
        return "source.app_token_env is not used by open311 (reading requests needs no key)"
    if any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in src["filters"].values()):
        return "source.filters values must be text or whole numbers"
    return None


def _paging_problem(src: dict) -> str | None:
    if src["page_size"] < 1 or src["window_days"] < 1:
        return "source.page_size and source.window_days must be at least 1"
    if src["overlap_seconds"] < 0 or src["retries"] < 0:
        return "source.overlap_seconds and source.retries must not be negative"
    if src["timeout_seconds"] <= 0 or src["backoff_seconds"] < 0 or src["max_wait_seconds"] < 0:
        return "source.timeout_seconds must be positive; backoff_seconds and max_wait_seconds not negative"
    if len(src["window_params"]) != 2 or not all(isinstance(v, str) and v for v in src["window_params"]):
        return "source.window_params must name two query parameters"
    standard = src["window_params"] == STANDARD_WINDOW
    if src["kind"] == "open311" and standard and src["watermark"] not in ("", "requested_datetime"):
        return (
            "source.window_params start_date/end_date select by requested_datetime: "
            "set source.watermark to requested_datetime, or name the server's update-time parameters"
        )
    return None


def _input_problem(kind: str, inp: dict) -> str | None:
    if "ISO8601" not in inp["datetime_formats"]:
        return f'source.kind {kind} gives ISO 8601 times: add "ISO8601" to input.datetime_formats'
    if inp["format"] not in ("csv", "json"):
        return f"input.format must be csv or json with source.kind {kind}: fetched rows are written as such a file"
    return None
