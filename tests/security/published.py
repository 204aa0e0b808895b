"""Reading what a release publishes, and scanning it for planted values.

``Scanner`` looks for every needle of every ``pii.Plant`` in text cells; ``release_cells`` and
``database_cells`` yield every cell of a release's files and of a database's tables.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pii import Plant

SEPARATORS = re.compile("[\\s().+\\-/\u00ad\u200b-\u200f\u2060\ufeff]")  # also invisible characters


def read_rows(release_dir: Path) -> pd.DataFrame:
    """The published service_requests.csv of a release, every cell as text."""
    return pd.read_csv(release_dir / "data" / "service_requests.csv", dtype=str, keep_default_na=False)


def releases(city) -> dict[str, Path]:
    """A city's two releases (conftest.CityReleases): the real extract and the planted copy."""
    return {"extract": city.original_dir, "planted": city.release_dir}


@dataclass(frozen=True)
class Hit:
    where: str  # file or table, and column
    plant: Plant
    needle: str
    cell: str


class Scanner:
    """Looks for every needle of every plant in text cells."""

    def __init__(self, plants: Iterable[Plant]):
        self.plants = sorted(set(plants), key=lambda p: p.value)
        self.words = [(p, n.lower()) for p in self.plants for n in p.needles()]
        self.digits = [(p, p.digits) for p in self.plants if p.digits]
        self.patterns = [(p, re.compile(p.pattern, re.I)) for p in self.plants if p.pattern]

    def scan(self, where: str, cells: Iterable) -> Iterator[Hit]:
        for cell in cells:
            if cell is None:
                continue
            text = str(cell)
            low = text.lower()
            flat = SEPARATORS.sub("", text)
            for p, needle in self.words:
                if needle in low:
                    yield Hit(where, p, needle, text[:200])
            for p, digits in self.digits:
                if digits in flat:
                    yield Hit(where, p, digits, text[:200])
            for p, rx in self.patterns:
                if rx.search(text):
                    yield Hit(where, p, rx.pattern, text[:200])


def json_strings(value, path: str = "$") -> Iterator[tuple[str, str]]:
    """(json path, text) of every string, number and key in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, str(k)
            yield from json_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from json_strings(v, f"{path}[{i}]")
    elif value is not None:
        yield path, str(value)


def release_cells(release_dir: Path) -> Iterator[tuple[str, list]]:
    """(where, cells) for every published file of a release: every CSV cell, every Parquet value
    (all columns, read with pyarrow), every string and number of every JSON/GeoJSON file."""
    import pyarrow.parquet as pq

    files = sorted(p for p in release_dir.rglob("*") if p.is_file())
    assert files, f"no files in {release_dir}"
    for path in files:
        rel = path.relative_to(release_dir).as_posix()
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                header = next(reader)
                yield f"{rel}:header", header
                columns = list(zip(*reader)) or [() for _ in header]
            for name, values in zip(header, columns):
                yield f"{rel}:{name}", list(values)
        elif path.suffix == ".parquet":
            table = pq.read_table(path)
            for name in table.column_names:
                yield f"{rel}:{name}", table.column(name).to_pylist()
        elif path.suffix in (".json", ".geojson"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            yield rel, [text for _, text in json_strings(doc)]
        else:
            yield rel, [path.read_text(encoding="utf-8", errors="replace")]


def database_cells(db_url: str) -> Iterator[tuple[str, list]]:
    """(table:column, values) of every column of every table in the database."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(db_url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        assert meta.tables, f"no tables in {db_url}"
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                rows = conn.execute(select(table)).all()
                for i, col in enumerate(table.columns):
                    yield f"{table.name}.{col.name}", [r[i] for r in rows]
    finally:
        engine.dispose()


def write_artifact(name: str, data: dict) -> Path:
    """``artifacts/security/<name>.json`` (or under PORTAL_ARTIFACTS_DIR): counts a test measured, for the report."""
    folder = (
        Path(os.environ.get("PORTAL_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "artifacts")) / "security"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
