"""What ``/openapi.json`` says about each route, built from the declarations the code already has.

Query parameters come from the parsers' own tables (``georeport.REQUEST_PARAMS``,
``feeds.FEED_PARAMS``, ``filters.DASHBOARD_PARAMS``), so the document lists exactly what is
parsed. A request record's JSON Schema comes from ``schemas/service_requests.schema.json``, the
published contract: every field, nullable where the schema does not require it, and nothing else.
"""

from __future__ import annotations

import json
from functools import cache

from portal.db import REPO_ROOT
from portal.georeport import EXTENSION_FIELDS, MEDIA_TYPES, SPEC_FIELDS

SCHEMA_FILE = REPO_ROOT / "schemas" / "service_requests.schema.json"
JSON_TYPES = {"number": "number", "integer": "integer", "boolean": "boolean"}
ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}
ERROR_TEXT = {
    304: "Not modified: the client's copy (ETag / Last-Modified) is current.",
    400: "A parameter is malformed or unknown; one description per problem.",
    404: "No such request, file or jurisdiction in the current release.",
    503: "No release is published yet, or the query took longer than the server allows.",
}


@cache
def request_schema() -> dict:
    """JSON Schema of one published request (``requests.json`` items, the query API's rows)."""
    fields = {f["name"]: f for f in json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["fields"]}
    properties = {}
    for name in (*SPEC_FIELDS, *EXTENSION_FIELDS):
        spec = fields[name]
        kind = JSON_TYPES.get(spec["type"], "string")
        required = (spec.get("constraints") or {}).get("required")
        properties[name] = {"type": kind if required else [kind, "null"], "description": spec.get("description", "")}
    return {"type": "object", "required": list(properties), "properties": properties, "additionalProperties": False}


def parameters(declared: dict[str, str]) -> list[dict]:
    """OpenAPI query parameters for ``{name: help}`` (all optional; values are parsed as text so
    a malformed one gets the API's own 400, not a framework's)."""
    return [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in declared.items()
    ]


def _error_content(fmt: str) -> dict:
    media = MEDIA_TYPES[fmt].split(";")[0]
    return {media: {"schema": ERRORS}} if fmt == "json" else {media: {"schema": {"type": "string"}}}


def responses(media_type: str, schema: dict, errors=(400, 503), fmt: str = "json") -> dict:
    """The ``responses`` of an operation: 200 with ``schema``, 304, and the listed errors."""
    out = {
        200: {"description": "OK", "content": {media_type: {"schema": schema}}},
        304: {"description": ERROR_TEXT[304]},
    }
    for code in errors:
        out[code] = {"description": ERROR_TEXT[code], "content": _error_content(fmt)}
    return out


def xml_schema() -> dict:
    return {"type": "string", "description": "XML as the Open311 specification defines it."}
