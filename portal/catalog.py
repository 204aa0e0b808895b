"""The release as a catalog: DCAT-US 1.1 ``data.json`` (what data.gov harvests) and schema.org
``Dataset`` JSON-LD (what search engines index on the Data page).

Everything comes from the release the database serves: its datapackage.json (titles,
descriptions, licenses, publisher, keywords, resources with their checksums and Table Schemas),
the span of its requests and the bounds of its neighborhoods. One DCAT dataset per published
resource; each distribution's ``downloadURL`` is the API's address of that exact file
(``file_path``), so its bytes hash to the checksum datapackage.json declares.

``dataset_page`` puts the JSON-LD in a plain web page: Streamlit's ``st.html`` removes script
elements, and a crawler does not run the dashboard's JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from portal import queries
from portal.db import Release
from portal.georeport import SPEC
from portal.package import Resource, licenses, table_schema

DCAT_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
DCAT_CONTEXT = f"{DCAT_SCHEMA}/catalog.jsonld"
DCAT_CATALOG_SCHEMA = f"{DCAT_SCHEMA}/catalog.json"
DESCRIPTOR = "datapackage.json"
# A resource without its own Table Schema described by another's (the Parquet file holds the CSV's columns).
SCHEMA_OF = {"service_requests_parquet": "service_requests"}


@dataclass(frozen=True)
class CatalogContext:
    """What the catalog needs besides the release: addresses and the data's extent."""

    api: str  # the API's public address
    dashboard: str  # the dashboard's public address (landing page)
    first: datetime | None = None  # first requested_datetime (naive UTC)
    last: datetime | None = None  # last requested_datetime (naive UTC)
    bounds: tuple[float, float, float, float] | None = None  # west, south, east, north
    contact_email: str | None = None  # used when the release names no publisher e-mail
    periodicity: str = "irregular"  # DCAT-US accrualPeriodicity (ISO 8601 repeating duration)


def catalog_context(conn, api: str, dashboard: str, **settings) -> CatalogContext:
    """The context of the release in ``conn``'s database: its requests' span and its neighborhoods'
    bounds, with the addresses (and ``contact_email`` / ``periodicity`` when given)."""
    first, last = queries.requested_span(conn)
    bounds = geometry_bounds(n["geometry"] for n in queries.list_neighborhoods(conn, with_geometry=True))
    return CatalogContext(api.rstrip("/"), dashboard.rstrip("/"), first, last, bounds, **settings)


def publisher(release: Release) -> dict:
    """``{"name", "email"}`` of the release's publisher (datapackage contributors, role publisher)."""
    for person in release.datapackage.get("contributors") or []:
        if isinstance(person, dict) and person.get("role") == "publisher" and person.get("title"):
            return {"name": str(person["title"]), "email": person.get("email")}
    return {"name": release.source_title or release.package_name, "email": None}


def file_path(release: Release, path: str) -> str:
    """The API's path of a published file of ``release`` (a resource's path, or datapackage.json)."""
    return f"/catalog/files/{release.version}/{path}"


def schema_path(resource_name: str) -> str:
    return f"/catalog/schemas/{resource_name}.json"


def schema_name(release: Release, resource_name: str) -> str | None:
    """The resource whose Table Schema describes ``resource_name`` (itself, or SCHEMA_OF)."""
    for name in (resource_name, SCHEMA_OF.get(resource_name)):
        if name and table_schema(release, name):
            return name
    return None


def geometry_bounds(geometries: Iterable[dict]) -> tuple[float, float, float, float] | None:
    """West, south, east, north of GeoJSON geometries (every coordinate pair, at any depth)."""
    xs, ys = [], []

    def walk(coords) -> None:
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for item in coords or []:
                walk(item)

    for geometry in geometries:
        walk((geometry or {}).get("coordinates"))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _utc(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def _descriptor(release: Release, name: str) -> dict:
    found = [r for r in release.datapackage.get("resources") or [] if isinstance(r, dict) and r.get("name") == name]
    return found[0] if found else {}


def _license_url(release: Release) -> str | None:
    for lic in licenses(release):
        if str(lic.get("path") or "").startswith(("http://", "https://")):
            return str(lic["path"])
    return None


def _distribution(release: Release, res: Resource, ctx: CatalogContext) -> dict:
    described = schema_name(release, res.name)
    dist = {
        "@type": "dcat:Distribution",
        "title": res.title,
        "description": f"{res.file_name}, checksum {res.declared_hash or 'not declared'}.",
        "downloadURL": ctx.api + file_path(release, res.path),
        "mediaType": res.mediatype.split(";")[0].strip(),
        "format": res.path.rsplit(".", 1)[-1].upper(),
        "describedBy": ctx.api + (schema_path(described) if described else file_path(release, DESCRIPTOR)),
        "describedByType": "application/json",
    }
    return dist


def _interfaces(ctx: CatalogContext) -> list[dict]:
    """The request-level interfaces, as access distributions of the service_requests dataset."""
    return [
        {
            "@type": "dcat:Distribution",
            "title": "Query API (the Data page's filters, CSV or JSON, paged)",
            "accessURL": f"{ctx.api}/api/requests.json",
            "format": "API",
        },
        {
            "@type": "dcat:Distribution",
            "title": "Open311 GeoReport v2",
            "accessURL": f"{ctx.api}/open311/v2/discovery.json",
            "conformsTo": SPEC,
            "format": "API",
        },
    ]


def _dataset(release: Release, res: Resource, ctx: CatalogContext) -> dict:
    pub, about = publisher(release), _descriptor(release, res.name)
    description = str(about.get("description") or res.title).rstrip(".")
    dataset = {
        "@type": "dcat:Dataset",
        "title": f"{release.title}: {res.title}",
        "description": f"{description}. Part of {release.title} (release {release.version}).",
        "keyword": list(dict.fromkeys([*(release.datapackage.get("keywords") or ["311"]), res.name.replace("_", " ")])),
        "modified": release.created,
        "publisher": {"@type": "org:Organization", "name": pub["name"]},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": pub["name"],
            "hasEmail": f"mailto:{pub['email'] or ctx.contact_email or ''}",
        },
        "identifier": f"{release.package_name}/{res.name}",
        "accessLevel": "public",
        "license": _license_url(release),
        "accrualPeriodicity": ctx.periodicity,
        "landingPage": f"{ctx.dashboard}/data",
        "distribution": [
            _distribution(release, res, ctx),
            *(_interfaces(ctx) if res.name == "service_requests" else []),
        ],
    }
    if ctx.bounds:
        dataset["spatial"] = ",".join(f"{v:.6f}" for v in ctx.bounds)
    if ctx.first and ctx.last:
        dataset["temporal"] = f"{_utc(ctx.first)}/{_utc(ctx.last)}"
    return {k: v for k, v in dataset.items() if v is not None}


def data_json(release: Release, resources: list[Resource], ctx: CatalogContext) -> dict:
    """The DCAT-US 1.1 catalog of the release: one dataset per published resource."""
    return {
        "@context": DCAT_CONTEXT,
        "@id": f"{ctx.api}/catalog/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_SCHEMA,
        "describedBy": DCAT_CATALOG_SCHEMA,
        "dataset": [_dataset(release, res, ctx) for res in resources],
    }


def dataset_jsonld(release: Release, resources: list[Resource], ctx: CatalogContext) -> dict:
    """schema.org ``Dataset`` for the Data page (``<script type="application/ld+json">``)."""
    pub = {"@type": "Organization", "name": publisher(release)["name"]}
    doc = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": release.title,
        "description": release.datapackage.get("description") or release.title,
        "url": f"{ctx.dashboard}/data",
        "identifier": release.package_name,
        "version": release.version,
        "dateModified": release.created,
        "license": _license_url(release),
        "isAccessibleForFree": True,
        "creator": pub,
        "publisher": pub,
        "keywords": list(release.datapackage.get("keywords") or []),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": res.title,
                "encodingFormat": res.mediatype,
                "contentUrl": ctx.api + file_path(release, res.path),
            }
            for res in resources
        ],
    }
    if ctx.first and ctx.last:
        doc["temporalCoverage"] = f"{_utc(ctx.first)}/{_utc(ctx.last)}"
    if ctx.bounds:
        west, south, east, north = ctx.bounds
        doc["spatialCoverage"] = {
            "@type": "Place",
            "geo": {"@type": "GeoShape", "box": f"{south} {west} {north} {east}"},
        }
    return {k: v for k, v in doc.items() if v is not None}


def dataset_page(release: Release, resources: list[Resource], ctx: CatalogContext) -> str:
    """The catalog as a small web page that crawlers can read without running the dashboard's
    JavaScript: the release, its files with their checksums, and the schema.org ``Dataset`` as
    JSON-LD. Data text is HTML-escaped; in the JSON-LD, ``<`` is escaped so no value closes the script."""
    ld = json.dumps(dataset_jsonld(release, resources, ctx), ensure_ascii=False).replace("<", "\\u003c")
    files = "".join(
        f'<li><a href="{escape(ctx.api + file_path(release, r.path))}">{escape(r.title)}</a> '
        f"({escape(r.path)}, {escape(r.declared_hash or 'no checksum declared')})</li>"
        for r in resources
    )
    title = escape(release.title)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<script type="application/ld+json">{ld}</script></head><body><h1>{title}</h1>'
        f"<p>{escape(str(release.datapackage.get('description') or ''))}</p>"
        f"<p>Release {escape(release.version)}, published {escape(release.created)}.</p><ul>{files}</ul>"
        f'<p><a href="{escape(ctx.api)}/catalog/data.json">DCAT-US catalog</a> · '
        f'<a href="{escape(ctx.api)}/open311/v2/discovery.json">Open311</a> · '
        f'<a href="{escape(ctx.dashboard)}/data">Dashboard</a></p></body></html>'
    )
