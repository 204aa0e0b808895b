"""The release as a data package: metadata, resources on disk, data dictionary, report, history.

Everything comes from ``releases.datapackage_json`` / ``report_json`` / ``changelog_json`` and
the files in ``releases.release_dir``. A resource path must stay inside release_dir.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from portal.db import Release
from portal.i18n import N_, Translator

VERIFY_TEXT = {  # verify() -> what the Data page says
    "verified": N_("verified"),
    "missing": N_("missing"),
    "size_differs": N_("size differs"),
    "checksum_differs": N_("checksum differs"),
    "no_checksum": N_("no checksum declared"),
    "unsupported_checksum": N_("checksum in an algorithm this portal does not check"),
}
# The titles the ETL gives a release's files, so the Data page can show them in the visitor's
# language (tr.data); a title not listed here is shown as published.
RESOURCE_TITLES = [
    N_("311 service requests"),
    N_("311 service requests (Parquet)"),
    N_("Neighborhood boundaries"),
    N_("Request types"),
    N_("Changes against the previous release"),
    N_("Release report"),
    N_("Data changelog summary"),
]
HISTORY_NOTES = {  # history() notes of its own -> what the Data page says
    "previous": N_("previous release"),
    "current": N_("current release (served by this portal)"),
}

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

    def download_name(self, package: str, version: str) -> str:
        """``<package>-<file stem>-<version><suffix>``: a download says what and which release."""
        return versioned(package, Path(self.path).stem, version, Path(self.path).suffix)


def versioned(package: str, stem: str, version: str, suffix: str) -> str:
    return f"{package}-{stem}-{version}{suffix}".replace("/", "_")


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
    """A key of ``VERIFY_TEXT``: 'verified', 'missing', 'size_differs', 'checksum_differs',
    'no_checksum' or 'unsupported_checksum'."""
    if resource.file is None:
        return "missing"
    if resource.declared_bytes is not None and resource.file.stat().st_size != resource.declared_bytes:
        return "size_differs"
    if not resource.declared_hash:
        return "no_checksum"
    algo, _, hexdigest = resource.declared_hash.rpartition(":")
    if algo not in ("", "sha256"):
        return "unsupported_checksum"
    return "verified" if sha256_of(resource.file) == hexdigest.lower() else "checksum_differs"


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


def dictionary_csv(release: Release, tr: Translator) -> bytes:
    """The data dictionary as CSV, titles and descriptions in ``tr``'s language where translated."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["field", "title", "type", "required", "description"], lineterminator="\n")
    writer.writeheader()
    for row in data_dictionary(release):
        writer.writerow({**row, "title": tr.data(row["title"]), "description": tr.data(row["description"])})
    return buf.getvalue().encode("utf-8")


def datapackage_bytes(release: Release) -> bytes:
    """The release's ``datapackage.json``: the file as published when it is on this server, else
    the copy the database holds."""
    found = _inside(Path(release.release_dir or "."), "datapackage.json")
    return found.read_bytes() if found else json.dumps(release.datapackage, indent=2).encode("utf-8")


def citation(release: Release, tr: Translator, url: str | None) -> str:
    """How to cite the release: publisher (year). Title, version [Data set]. Where."""
    publisher = next(
        (c.get("title") for c in release.datapackage.get("contributors") or [] if c.get("role") == "publisher"),
        None,
    )
    source = next((s.get("path") for s in sources(release) if s.get("path")), None)
    return tr._("{publisher} ({year}). {title}, version {version} [Data set]. {where}").format(
        publisher=publisher or release.title,
        year=(release.created or "")[:4],
        title=release.title,
        version=release.version,
        where=url or source or release.package_name,
    )


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
    """Earlier versions: from the changelog/datapackage when they list them, plus the DB's rows.
    A note is the document's own words, or a key of ``HISTORY_NOTES``."""
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
            rows.setdefault(str(previous), {"version": str(previous), "created": None, "note": "previous"})
    for item in known:
        entry = rows.setdefault(item["version"], {"version": item["version"], "note": None})
        entry["created"] = entry.get("created") or item.get("created")
        if item.get("is_current"):
            entry["note"] = "current"
    return sorted(rows.values(), key=lambda r: (r.get("created") or "", r["version"]), reverse=True)
