"""Planted-PII test: personal data planted in copies of the real NYC, LA and Chicago extracts never
comes out of the ETL, in any published file or any database table the dashboard reads.

What is planted (tests/security/pii.py): e-mails (plain, plus-addressed, mixed case, "[at]"/"(at)"
spelled), US and international phone numbers (also with zero-width and no-break spaces), card and
SSN-like numbers, URLs with query strings, person names (in contact columns and as "Caller <Name>"
in free text), and house numbers in the address columns (also inside intersections), on every 7th
row (the request type on every 49th). The scan looks for each exact planted string, its lower-case
form, digits only (phones, cards, SSNs, in cells with separators and invisible characters removed),
the e-mail's local part, a name's surname and the house number followed by its street.
"""

from __future__ import annotations

import csv
from collections import Counter

import pii
import published
import pytest


def _hits(scanner: published.Scanner, sources) -> tuple[list[published.Hit], int]:
    hits, cells = [], 0
    for where, values in sources:
        cells += len(values)
        hits += scanner.scan(where, values)
    return hits, cells


def _describe(hits: list[published.Hit]) -> str:
    by_place = Counter((h.where, h.plant.kind) for h in hits)
    examples = {}
    for h in hits:
        examples.setdefault((h.where, h.plant.kind), f"{h.needle!r} in {h.cell!r}")
    return "\n".join(
        f"{n} x {kind} in {where}: e.g. {examples[(where, kind)]}" for (where, kind), n in by_place.most_common(30)
    )


def _plants(city) -> list[pii.Plant]:
    return [p for _, _, p in city.planted.placed]


def test_scan_finds_every_planted_shape_in_the_planted_input(city):
    """The scan is not blind: run on the planted raw copy, it finds every shape that was planted."""
    scanner = published.Scanner(_plants(city))
    with city.planted.path.open(newline="", encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    found = {h.plant.value for h in scanner.scan("input", cells)}
    assert found == city.planted.shapes()


def test_enough_pii_was_planted_in_published_rows(city):
    """Planted rows are published (not quarantined), so a clean scan means the rules removed the PII."""
    kinds = city.planted.count_by_kind()
    assert set(kinds) == {"email", "phone_us", "phone_intl", "card", "ssn", "url", "name", "house"}
    assert min(kinds.values()) >= 1000, kinds
    ids = set(city.planted.ids)
    published = ids & city.published_ids()
    assert len(published) >= 0.99 * len(ids), f"only {len(published)} of {len(ids)} planted rows were published"


def test_planted_pii_absent_from_every_published_file(city):
    scanner = published.Scanner(_plants(city))
    files = sorted(p.relative_to(city.release_dir).as_posix() for p in city.release_dir.rglob("*") if p.is_file())
    assert {
        "data/service_requests.csv",
        "data/service_requests.parquet",
        "data/neighborhoods.geojson",
        "data/service_types.csv",
        "data/changes.csv",
        "report.json",
        "changelog.json",
        "datapackage.json",
    } <= set(files)
    hits, cells = _hits(scanner, published.release_cells(city.release_dir))
    published.write_artifact(
        f"pii-{city.city}",
        {
            "city": city.city,
            "planted_values": len(city.planted.placed),
            "planted_by_kind": city.planted.count_by_kind(),
            "distinct_shapes": len(city.planted.shapes()),
            "rows_with_plants": len(city.planted.ids),
            "rows_with_plants_published": len(set(city.planted.ids) & city.published_ids()),
            "files_scanned": files,
            "cells_scanned": cells,
            "found": len(hits),
        },
    )
    assert not hits, f"{len(hits)} planted values published:\n{_describe(hits)}"


def test_planted_pii_absent_from_sqlite(city):
    scanner = published.Scanner(_plants(city))
    hits, cells = _hits(scanner, published.database_cells(city.db_url))
    assert cells > 100_000
    assert not hits, f"{len(hits)} planted values in the database:\n{_describe(hits)}"


@pytest.mark.postgres
def test_planted_pii_absent_from_postgres(city, pg_url):
    from core.db import current_version
    from etl.load import write_release_to_db

    write_release_to_db(pg_url, city.release_dir)
    assert current_version(pg_url) == "1.1.0"
    scanner = published.Scanner(_plants(city))
    hits, cells = _hits(scanner, published.database_cells(pg_url))
    assert cells > 100_000
    assert not hits, f"{len(hits)} planted values in PostgreSQL:\n{_describe(hits)}"


def test_contact_columns_are_never_published(city):
    """The whitelist: the published header is exactly the schema; the planted contact columns are
    named (by name only) among the report's columns not published."""
    import json

    from etl.validate import field_names, load_schema

    with (city.release_dir / "data" / "service_requests.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == field_names(load_schema("service_requests"))
    report = json.loads((city.release_dir / "report.json").read_text(encoding="utf-8"))
    assert set(pii.CONTACT_COLUMNS) <= set(report["input"]["columns_not_published"])


def test_free_text_plants_leave_their_markers(city):
    """Where a caller sentence was planted in a published text field, the published cell holds a marker for
    each shape: [name removed], [phone removed] (or [number removed]), [email removed], [link removed]."""

    fields = {
        col: f
        for f, col in city.profile.raw_columns().items()
        if f in ("description", "status_notes", "agency_responsible")
    }
    planted_rows = {row for row, col, p in city.planted.placed if col in fields and p.kind == "name"}
    assert planted_rows, "no free-text field to plant in"
    with (city.release_dir / "data" / "service_requests.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    id_col = city.profile.raw_columns()["service_request_id"]
    with city.planted.path.open(newline="", encoding="utf-8") as f:
        raw_ids = [r[id_col] for r in csv.DictReader(f)]
    by_id = {r["service_request_id"]: r for r in rows}
    checked = 0
    for row in planted_rows:
        published = by_id.get(raw_ids[row])
        if published is None:
            continue
        for field in fields.values():
            cell = published[field]
            assert "[name removed]" in cell and "[email removed]" in cell and "[link removed]" in cell, cell
            assert "[phone removed]" in cell and "[number removed]" in cell, cell
            checked += 1
    assert checked >= 500
