"""Open311 GeoReport v2 over the published release: parameters, records and documents.

The specification (http://wiki.open311.org/GeoReport_v2 and its Service Discovery page) fixes the
names: ``services``, ``service_requests`` of ``request`` records, ``errors`` of ``{code,
description}``, in JSON and in XML. Every published field keeps its name (the published schema
already uses GeoReport names); the fields the specification does not define follow as
extensions under their own names. A record holds exactly the published CSV's columns at the
published precision: nothing else is ever read from the database.

Parameters (``REQUEST_PARAMS``) follow the specification: ``service_request_id`` (comma
separated, overrides the filters), ``service_code`` and ``status`` (comma separated),
``start_date`` / ``end_date`` (W3C datetimes with a zone, at most 90 days apart; without them the
90 days up to the release's data_through), at most 1,000 requests by default; plus, as the
extensions other cities use, ``page`` / ``page_size``, ``neighborhood`` and ``bbox``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.open311 import REQUEST_FIELDS, SPEC
from portal.export import records
from portal.filters import (
    API_PAGING,
    Filters,
    Params,
    Vocabulary,
    clean_request_id,
    listed,
    parse_bbox,
    parse_paging,
    parse_w3c,
    unknown_params,
    values,
)
from portal.queries import PUBLIC_COLUMNS
from portal.text import quoted
from portal.xmldoc import to_xml

SPEC_FIELDS = REQUEST_FIELDS
EXTENSION_FIELDS = tuple(c for c in PUBLIC_COLUMNS if c not in SPEC_FIELDS)
DEFAULT_DAYS = 90  # the specification's default window and the longest start_date..end_date span
DEFAULT_PAGE_SIZE = 1000  # the specification's default limit
MAX_IDS = 1000
MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
KEY_SERVICE = "No key is needed: this endpoint is read-only and open to everyone."

AREA_PARAMS = {
    "service_code": "Request type codes (see services.json), comma separated or repeated.",
    "status": "open, closed (marked closed by the city), or both: open,closed.",
    "neighborhood": "A neighborhood code (neighborhood_code).",
    "bbox": "min_long,min_lat,max_long,max_lat (WGS 84) around the published points.",
}
EXTENSIONS = ("neighborhood", "bbox", *API_PAGING)
REQUEST_PARAMS = {
    "jurisdiction_id": "Accepted; this endpoint serves one jurisdiction (a different configured id is a 404).",
    "api_key": "Accepted and ignored: reading needs no key.",
    "service_request_id": f"Request ids, comma separated (at most {MAX_IDS:,}); overrides every filter.",
    "start_date": "Earliest requested_datetime, a W3C datetime with its zone (2024-03-01T00:00:00Z).",
    "end_date": f"Latest requested_datetime, W3C; at most {DEFAULT_DAYS} days after start_date.",
    **AREA_PARAMS,
    **API_PAGING,
}
REQUEST_PARAMS = {k: f"Extension. {v}" if k in EXTENSIONS else v for k, v in REQUEST_PARAMS.items()}


@dataclass(frozen=True)
class RequestQuery:
    """What ``requests.json`` was asked for: ids (which override the filters) or filters, a page."""

    ids: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def parse_area(params: Params, vocab: Vocabulary, errors: list[str]) -> Filters:
    """``service_code``, ``status``, ``neighborhood`` and ``bbox`` (shared with the feeds)."""
    codes = tuple(dict.fromkeys(listed(params, "service_code")))
    errors += [f"Unknown service_code {quoted(c)}; see services.json." for c in codes if c not in vocab.service_codes]
    statuses = set(listed(params, "status"))
    errors += [f"Unknown status {quoted(s)}; use open, closed or open,closed." for s in statuses - {"open", "closed"}]
    status = next(iter(statuses)) if len(statuses) == 1 else None
    nbhds = values(params, "neighborhood")
    nbhd = nbhds[-1] if nbhds else None
    if nbhd is not None and nbhd not in vocab.neighborhoods:
        errors.append(f"Unknown neighborhood {quoted(nbhd)}; use a neighborhood_code of the release.")
    bbox = None
    for text in values(params, "bbox")[-1:]:
        try:
            bbox = parse_bbox(text)
        except ValueError as exc:
            errors.append(str(exc))
    return Filters(service_codes=codes, status=status, neighborhood=nbhd, bbox=bbox)


def _instant(params: Params, key: str, errors: list[str]) -> datetime | None:
    found = values(params, key)
    if not found:
        return None
    try:
        return parse_w3c(found[-1], key)
    except ValueError as exc:
        errors.append(str(exc))
        return None


def _window(params: Params, as_of: datetime, errors: list[str]) -> tuple[datetime | None, datetime | None]:
    """Requested between ``start_date`` and ``end_date`` (both included); missing ends default to
    a 90-day window, and no dates at all to the 90 days up to ``as_of``."""
    count = len(errors)
    start, end = _instant(params, "start_date", errors), _instant(params, "end_date", errors)
    span = timedelta(days=DEFAULT_DAYS)
    if len(errors) > count:
        return None, None
    if start and end and start > end:
        errors.append(f"start_date {start.isoformat()}Z is after end_date {end.isoformat()}Z.")
    elif start and end and end - start > span:
        errors.append(
            f"start_date to end_date spans more than {DEFAULT_DAYS} days, the Open311 limit; "
            "ask for several windows, or use /api/requests.json for longer periods."
        )
    if start is None and end is None:
        return as_of - span, None
    return start or end - span, end or start + span


def _ids(params: Params, errors: list[str]) -> tuple[str, ...]:
    ids = listed(params, "service_request_id")
    if len(ids) > MAX_IDS:
        errors.append(f"At most {MAX_IDS:,} service_request_id values at once; got {len(ids):,}.")
        return ()
    for raw in ids:
        _, problem = clean_request_id(raw)
        if problem:
            errors.append(f"service_request_id: {problem}")
    return tuple(dict.fromkeys(ids))


def parse_requests(
    params: Params, vocab: Vocabulary, as_of: datetime, max_page_size: int
) -> tuple[RequestQuery, list[str]]:
    """The query of ``requests.json`` and one message per bad parameter (none: answer it)."""
    errors = unknown_params(params, REQUEST_PARAMS)
    ids = _ids(params, errors)
    area = parse_area(params, vocab, errors)
    after, before = _window(params, as_of, errors)
    page, size, paging = parse_paging(params, min(DEFAULT_PAGE_SIZE, max_page_size), max_page_size)
    errors += paging
    filters = Filters(area.service_codes, area.status, None, None, area.neighborhood, area.bbox, after, before)
    return RequestQuery(ids, filters, page, size), errors


def request_records(rows: list, tz_name: str) -> list[dict]:
    """Requests (dicts, or tuples of the published columns): the specification's fields in its
    order, then the published extensions."""
    return records(rows, tz_name, (*SPEC_FIELDS, *EXTENSION_FIELDS))


def request_record(row: dict, tz_name: str) -> dict:
    return request_records([row], tz_name)[0]


def service_record(service_type: dict) -> dict:
    """One entry of ``services``, from a row of the release's service_types."""
    name, agency = service_type["service_name"], service_type.get("agency_responsible")
    facts = [f"{name} requests" + (f", handled by {agency}." if agency else ".")]
    if service_type.get("target_days") is not None:
        facts.append(f"Target: marked closed within {service_type['target_days']:g} days.")
    if service_type.get("is_sensitive"):
        facts.append("Locations are published at neighborhood level only.")
    keywords = dict.fromkeys([name.lower(), service_type["service_code"], *([agency] if agency else [])])
    return {
        "service_code": service_type["service_code"],
        "service_name": name,
        "description": " ".join(facts),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": agency,
    }


def discovery(changeset: str, contact: str, endpoint_url: str, production: bool) -> dict:
    """The Service Discovery document: this one GeoReport v2 endpoint, JSON and XML."""
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPEC,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def errors_doc(code: int, descriptions: list[str]) -> list[dict]:
    return [{"code": code, "description": text} for text in descriptions]


def render(root: str, value, fmt: str) -> bytes:
    """``value`` as the JSON or XML document ``root`` (discovery, services, service_requests, errors)."""
    if fmt == "xml":
        return to_xml(root, value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
