"""The insight tables as published resources: their Table Schemas in ``schemas/`` and their CSV text.

``write_csv`` writes a table exactly as its schema reads it back (frictionless validates it):
datetimes as ISO 8601 with the city's UTC offset (like service_requests.csv), booleans as
``true``/``false``, numbers in their shortest exact form, missing values as empty cells.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
RESOURCES = ("rising_cells", "citywide_surges", "fair_comparison", "completion_estimates", "repeat_locations")


@cache
def load_schema(name: str) -> dict:
    """The Table Schema of resource ``name`` (``schemas/<name>.schema.json``)."""
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def field_names(name: str) -> list[str]:
    return [f["name"] for f in load_schema(name)["fields"]]


def _text(series: pd.Series, kind: str) -> pd.Series:
    missing = series.isna()
    if missing.all():
        return pd.Series("", index=series.index, dtype="string")
    if kind == "datetime":
        text = series.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)
    elif kind == "boolean":
        text = pd.Series(np.where(series.astype(bool), "true", "false"), index=series.index)
    elif kind == "integer":
        text = series.astype("Int64").astype("string")
    elif kind == "number":
        text = pd.Series([repr(float(v)) for v in series.fillna(0)], index=series.index)
    else:
        text = series.astype("string")
    return text.where(~missing, "")


def as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` (a table of ``core.insight``) as the text of its resource's CSV cells."""
    fields = load_schema(name)["fields"]
    columns = [f["name"] for f in fields]
    if list(frame.columns) != columns:
        raise ValueError(f"{name}: the columns {list(frame.columns)} are not the schema's fields {columns}")
    return pd.DataFrame({f["name"]: _text(frame[f["name"]], f["type"]) for f in fields}, index=frame.index)


def write_csv(frame: pd.DataFrame, name: str, path: Path) -> Path:
    """Write ``frame`` as resource ``name``'s CSV (UTF-8, header, ``\\n`` line ends)."""
    as_text(frame, name).to_csv(path, index=False, lineterminator="\n")
    return path
