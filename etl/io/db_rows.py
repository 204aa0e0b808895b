"""A release's rows, lookups and ``releases`` row, written into the shared tables (core/tables.py).

Every load path uses these, so the database holds the same rows whichever path wrote them:
``service_requests`` from the release's typed rows (datetimes as naive UTC; SQLite gets
SQLAlchemy's text form of them through a plain ``executemany``, PostgreSQL gets ``COPY``), the
lookups from the release's ``neighborhoods.geojson`` and ``service_types.csv``, and the
``releases`` row from its JSON documents, made current. Nothing here commits.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete, insert, text, update
from sqlalchemy.engine import Connection

from core.figures import store_figures
from core.tables import neighborhoods, releases, service_requests, service_types

from .. import faults
from ..cells import sql_text


def utc_naive(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Naive UTC in whole seconds (published datetimes have no fractions)."""
    return col.cast(pa.timestamp("s", tz="UTC"), safe=False).cast(pa.timestamp("s"))


def request_rows(batch: pa.RecordBatch, sqlite: bool) -> tuple[list[str], list[tuple]]:
    """Column names and one tuple per row of ``batch``, as the database driver takes them."""
    table = pa.Table.from_batches([batch])
    cols = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            # SQLite: SQLAlchemy's DateTime storage format as text; others: naive UTC datetimes
            col = sql_text(col) if sqlite else utc_naive(col)
        cols.append(col.to_pylist())
    return table.column_names, list(zip(*cols))


def sqlite_insert(names: list[str]) -> str:
    return f"INSERT INTO service_requests ({','.join(names)}) VALUES ({','.join('?' * len(names))})"


def insert_requests(conn: Connection, batch: pa.RecordBatch) -> None:
    sqlite = conn.dialect.name == "sqlite"
    names, rows = request_rows(batch, sqlite)
    if not rows:
        return
    raw = conn.connection.driver_connection
    if sqlite:
        raw.executemany(sqlite_insert(names), rows)
    elif conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY service_requests ({','.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(insert(service_requests), [dict(zip(names, r)) for r in rows])


def clear_release_tables(conn: Connection) -> None:
    """Remove the rows of the release the database holds (the ``releases`` history stays)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE service_requests, neighborhoods, service_types"))
    else:
        for table in (service_requests, neighborhoods, service_types):
            conn.execute(delete(table))


def write_lookups(conn: Connection, data_dir: Path) -> None:
    """The release's neighborhoods and request types (tables emptied before)."""
    _write_neighborhoods(conn, data_dir / "neighborhoods.geojson")
    _write_service_types(conn, data_dir / "service_types.csv")
    faults.checkpoint("load.lookups")


def record_release(
    conn: Connection, release_dir: Path, stored_dir: Path, prepared: bool = False
) -> tuple[str, str | None]:
    """The ``releases`` row of the release in ``release_dir``, made current (the database names the
    release it holds), with its lookups and figures unless ``prepared`` (already in the
    transaction). ``stored_dir``: where its files are once switched. Returns its version and
    data_through."""
    descriptor = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    report = json.loads((release_dir / "report.json").read_text(encoding="utf-8"))
    changelog = json.loads((release_dir / "changelog.json").read_text(encoding="utf-8"))
    if not prepared:
        write_lookups(conn, release_dir / "data")
    conn.execute(update(releases).values(is_current=False))
    conn.execute(delete(releases).where(releases.c.version == descriptor["version"]))
    conn.execute(insert(releases).values(**_release_row(descriptor, report, changelog), release_dir=str(stored_dir)))
    if not prepared:
        store_figures(conn, descriptor["version"], report.get("data_through"))
    faults.checkpoint("load.before_commit")
    return descriptor["version"], report.get("data_through")


def _release_row(descriptor: dict, report: dict, changelog: dict) -> dict:
    return {
        "version": descriptor["version"],
        "package_name": descriptor["name"],
        "title": descriptor["title"],
        "created": descriptor["created"],
        "data_through": report.get("data_through"),
        "timezone": descriptor["x_portal"]["timezone"],
        "license_name": descriptor["licenses"][0].get("name"),
        "license_path": descriptor["licenses"][0].get("path"),
        "source_title": descriptor["sources"][0].get("title"),
        "source_path": descriptor["sources"][0].get("path"),
        "is_demo": bool(descriptor["x_portal"].get("demo")),
        "rows_read": report["rows_read"],
        "rows_published": report.get("rows_in_release", report["rows_published"]),
        "rows_quarantined": report["rows_quarantined"],
        "is_current": True,
        "datapackage_json": json.dumps(descriptor),
        "report_json": json.dumps(report),
        "changelog_json": json.dumps(changelog),
    }


def _write_neighborhoods(conn: Connection, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        {
            "neighborhood_code": f["properties"]["neighborhood_code"],
            "name": f["properties"]["name"],
            "centroid_lat": f["properties"]["centroid_lat"],
            "centroid_long": f["properties"]["centroid_long"],
            "geometry_geojson": json.dumps(f["geometry"]),
        }
        for f in data["features"]
    ]
    if rows:
        conn.execute(insert(neighborhoods), rows)


def _write_service_types(conn: Connection, path: Path) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = [
            {
                "service_code": r["service_code"],
                "service_name": r["service_name"],
                "agency_responsible": r["agency_responsible"] or None,
                "target_days": float(r["target_days"]) if r["target_days"] else None,
                "is_sensitive": r["is_sensitive"] == "true",
            }
            for r in csv.DictReader(f)
        ]
    if rows:
        conn.execute(insert(service_types), rows)
