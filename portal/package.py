"""The release as a data package: metadata, resources on disk, data dictionary, report, history.

Everything comes from ``releases.datapackage_json`` / ``report_json`` / ``changelog_json`` and
the files in ``releases.release_dir``. A resource path must stay inside release_dir.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from portal.db import Release

MEDIA_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "geojson": "application/geo+json",
    "json": "application/json",
}


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    title: str
    mediatype: str
    declared_bytes: int | None
    declared_hash: str | None
    file: Path | None  # None when missing or outside release_dir

    @property
    def file_name(self) -> str:
        return Path(self.path).name


def _inside(base: Path, relative: str) -> Path | None:
    if not relative or "://" in relative:
        return None
    base = base.resolve()
    target = (base / relative).resolve()
    return target if target.is_relative_to(base) and target.is_file() else None


def resources(release: Release) -> list[Resource]:
    """The package's resources with a local file (when present inside release_dir)."""
    out = []
    base = Path(release.release_dir or ".")
    for res in release.datapackage.get("resources", []) or []:
        path = res.get("path")
        path = path[0] if isinstance(path, list) and path else path
        if not isinstance(path, str):
            continue
        suffix = Path(path).suffix.lstrip(".").lower()
        out.append(
            Resource(
                name=str(res.get("name") or Path(path).stem),
                path=path,
                title=str(res.get("title") or res.get("name") or path),
                mediatype=res.get("mediatype") or MEDIA_TYPES.get(suffix, "application/octet-stream"),
                declared_bytes=res.get("bytes"),
                declared_hash=res.get("hash"),
                file=_inside(base, path),
            )
        )
    return out


def descriptor_file(release: Release) -> Path | None:
    """The release's own datapackage.json on disk (inside release_dir), or None."""
    return _inside(Path(release.release_dir or "."), "datapackage.json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(resource: Resource) -> str:
    """'verified', 'missing', 'size differs', 'checksum differs' or 'no checksum declared'."""
    if resource.file is None:
        return "missing"
    if resource.declared_bytes is not None and resource.file.stat().st_size != resource.declared_bytes:
        return "size differs"
    if not resource.declared_hash:
        return "no checksum declared"
    algo, _, hexdigest = resource.declared_hash.rpartition(":")
    if algo not in ("", "sha256"):
        return f"unsupported checksum {algo}"
    return "verified" if sha256_of(resource.file) == hexdigest.lower() else "checksum differs"


def read_resource(resource: Resource) -> bytes:
    if resource.file is None:
        raise FileNotFoundError(resource.path)
    return resource.file.read_bytes()


def table_schema(release: Release, resource_name: str) -> dict | None:
    """A resource's Table Schema (inline, or a path inside release_dir); None when it has none."""
    for res in release.datapackage.get("resources", []) or []:
        if res.get("name") != resource_name:
            continue
        schema = res.get("schema")
        if isinstance(schema, str):
            file = _inside(Path(release.release_dir or "."), schema)
            schema = json.loads(file.read_text(encoding="utf-8")) if file else None
        return schema if isinstance(schema, dict) else None
    return None


def schema_fields(release: Release, resource_name: str = "service_requests") -> list[dict]:
    """Fields of a resource's Table Schema (inline, or a path inside release_dir)."""
    return list((table_schema(release, resource_name) or {}).get("fields", []))


def data_dictionary(release: Release, resource_name: str = "service_requests") -> list[dict]:
    """One row per published field of a resource: name, title, type, required, description."""
    return [
        {
            "field": f.get("name", ""),
            "title": f.get("title", ""),
            "type": f.get("type", ""),
            "required": bool((f.get("constraints") or {}).get("required")),
            "description": f.get("description", ""),
        }
        for f in schema_fields(release, resource_name)
    ]


def licenses(release: Release) -> list[dict]:
    found = release.datapackage.get("licenses") or []
    if not found and release.license_name:
        found = [{"name": release.license_name, "path": release.license_path}]
    return [lic for lic in found if isinstance(lic, dict)]


def sources(release: Release) -> list[dict]:
    found = release.datapackage.get("sources") or []
    if not found and release.source_title:
        found = [{"title": release.source_title, "path": release.source_path}]
    return [src for src in found if isinstance(src, dict)]


def history(release: Release, known: list[dict]) -> list[dict]:
    """Earlier versions: from the changelog/datapackage when they list them, plus the DB's rows."""
    rows: dict[str, dict] = {}
    extension = release.datapackage.get("x_portal") or {}
    for doc in (extension, release.datapackage, release.changelog):
        for key in ("release_history", "releases", "history", "versions"):
            for item in doc.get(key) or []:
                if isinstance(item, dict) and item.get("version"):
                    rows.setdefault(
                        str(item["version"]),
                        {
                            "version": str(item["version"]),
                            "created": item.get("created"),
                            "note": item.get("summary") or item.get("note"),
                        },
                    )
        previous = doc.get("previous_version")
        if previous:
            rows.setdefault(str(previous), {"version": str(previous), "created": None, "note": "previous release"})
    for item in known:
        entry = rows.setdefault(item["version"], {"version": item["version"], "note": None})
        entry["created"] = entry.get("created") or item.get("created")
        if item.get("is_current"):
            entry["note"] = "current release (served by this portal)"
    return sorted(rows.values(), key=lambda r: (r.get("created") or "", r["version"]), reverse=True)


def _shown(value) -> str:
    """Scalars as display text (one type per column, so tables render as typed columns)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def document_tables(doc: dict) -> list[tuple[str, list[dict]]]:
    """A JSON document (report, changelog) as titled tables, whatever its exact shape:
    top-level scalars as one "summary" table, each dict of scalars and each list of flat
    records as its own table. Deeper structure is left to the raw JSON view."""
    summary = [{"item": k, "value": _shown(v)} for k, v in doc.items() if _scalar(v)]
    tables = [("summary", summary)] if summary else []
    for key, value in doc.items():
        if isinstance(value, dict) and value and all(_scalar(v) for v in value.values()):
            tables.append((key, [{"item": k, "value": _shown(v)} for k, v in value.items()]))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            flat = [{k: v for k, v in item.items() if _scalar(v)} for item in value]
            tables.append((key, flat))
        elif isinstance(value, list) and value and all(_scalar(v) for v in value):
            tables.append((key, [{"value": _shown(v)} for v in value]))
    return tables
