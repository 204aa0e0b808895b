"""What a release says about itself: datapackage.json, service types, changelog.

Every table it publishes is described by its Frictionless Table Schema in ``schemas/``
(``<resource>.schema.json``), embedded in ``datapackage.json`` as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .publish import describe_file
from .validate import field_names, load_schema


def build_service_types(counts: pd.DataFrame, profile) -> pd.DataFrame:
    """counts: service_code, service_name, agency_responsible, n (summed over chunks)."""
    if counts.empty:
        return pd.DataFrame(columns=field_names(load_schema("service_types")))
    grouped = counts.groupby(["service_code", "service_name", "agency_responsible"], as_index=False)["n"].sum()
    grouped = grouped.sort_values(
        ["service_code", "n", "service_name", "agency_responsible"], ascending=[True, False, True, True]
    )
    top = grouped.drop_duplicates("service_code").set_index("service_code")
    total = grouped.groupby("service_code")["n"].sum()
    from .privacy import sensitive_types

    sensitive = sensitive_types(profile)
    out = pd.DataFrame(
        {
            "service_code": top.index,
            "service_name": top["service_name"].to_numpy(),
            "agency_responsible": top["agency_responsible"].to_numpy(),
        }
    )
    targets = profile.targets
    out["target_days"] = [
        targets.get(n.casefold(), targets.get(c)) for c, n in zip(out["service_code"], out["service_name"])
    ]
    out["is_sensitive"] = out["service_name"].str.casefold().isin(sensitive)
    out["requests"] = total.loc[out["service_code"]].to_numpy()
    return out


def write_service_types(types: pd.DataFrame, path: Path) -> None:
    text = types.copy()
    text["target_days"] = [("" if pd.isna(v) else format(float(v), "g")) for v in types["target_days"]]
    text["is_sensitive"] = np.where(types["is_sensitive"], "true", "false")
    text.to_csv(path, index=False, lineterminator="\n")


def compute_changes(
    index: pa.Table, previous_index: Path | None, only: pd.Series | None = None
) -> tuple[pd.DataFrame, dict]:
    """Compare (id, status, row_hash) of this release with the previous one (an Arrow hash join).

    ``only``: the ids that can differ (an incremental release's delta; every other row was copied
    from the previous release), so the comparison reads just those.
    """
    if previous_index is None or not previous_index.exists():
        return pd.DataFrame(columns=["service_request_id", "change", "status_before", "status_after"]), {
            "first_release": True
        }
    prev = pq.read_table(previous_index).cast(index.schema)
    if only is not None:
        wanted = pa.array(pd.unique(only), pa.string())
        index = index.filter(pc.is_in(index["service_request_id"], value_set=wanted))
        prev = prev.filter(pc.is_in(prev["service_request_id"], value_set=wanted))
    now = index.append_column("here", pa.array(np.ones(index.num_rows, dtype=bool)))
    before = prev.rename_columns(["service_request_id", "status_before", "row_hash_before"])
    before = before.append_column("there", pa.array(np.ones(before.num_rows, dtype=bool)))
    merged = now.join(before, keys="service_request_id", join_type="full outer", use_threads=False)
    here = merged["here"].fill_null(False).to_numpy(zero_copy_only=False)
    there = merged["there"].fill_null(False).to_numpy(zero_copy_only=False)
    added, removed = here & ~there, there & ~here
    differ = pc.not_equal(merged["row_hash"], merged["row_hash_before"]).fill_null(False).to_numpy(zero_copy_only=False)
    changed = here & there & differ
    rows = merged.filter(pa.array(added | removed | changed)).to_pandas()
    rows_added, rows_removed = added[added | removed | changed], removed[added | removed | changed]
    changes = pd.DataFrame(
        {
            "service_request_id": rows["service_request_id"],
            "change": np.select([rows_added, rows_removed], ["added", "removed"], "changed"),
            "status_before": rows["status_before"].fillna(""),
            "status_after": rows["status"].fillna(""),
        }
    ).sort_values("service_request_id", kind="stable", ignore_index=True)
    status_moves = changes[(changes["change"] == "changed") & (changes["status_before"] != changes["status_after"])]
    summary = {
        "first_release": False,
        "added": int(added.sum()),
        "removed": int(removed.sum()),
        "changed": int(changed.sum()),
        "status_changes": {
            f"{a}->{b}": int(n) for (a, b), n in status_moves.groupby(["status_before", "status_after"]).size().items()
        },
    }
    return changes, summary


def write_index(index: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(index, path)


def build_datapackage(profile, version: str, created: str, release_dir: Path, history: list[dict]) -> dict:
    pkg = profile.package
    data = release_dir / "data"
    schema = load_schema("service_requests")
    resources = [
        {
            "name": "service_requests",
            "title": "311 service requests",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
            "description": "One row per published request. Field names follow Open311 GeoReport v2.",
            **describe_file(data / "service_requests.csv", release_dir),
        },
        {
            "name": "service_requests_parquet",
            "title": "311 service requests (Parquet)",
            "type": "file",
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "description": "The same rows and columns as service_requests, typed, as Apache Parquet.",
            **describe_file(data / "service_requests.parquet", release_dir),
        },
        {
            "name": "neighborhoods",
            "title": "Neighborhood boundaries",
            "type": "file",
            "format": "geojson",
            "mediatype": "application/geo+json",
            "description": "Boundaries used for the spatial join, WGS 84, with neighborhood_code and name.",
            **describe_file(data / "neighborhoods.geojson", release_dir),
        },
        {
            "name": "service_types",
            "title": "Request types",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": load_schema("service_types"),
            **describe_file(data / "service_types.csv", release_dir),
        },
        {
            "name": "changes",
            "title": "Changes against the previous release",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": load_schema("changes"),
            **describe_file(data / "changes.csv", release_dir),
        },
        {
            "name": "report",
            "title": "Release report",
            "type": "file",
            "format": "json",
            "mediatype": "application/json",
            "description": "Rows read, published and quarantined (by reason), checks run, input checksum, timing.",
            **describe_file(release_dir / "report.json", release_dir),
        },
        {
            "name": "changelog",
            "title": "Data changelog summary",
            "type": "file",
            "format": "json",
            "mediatype": "application/json",
            **describe_file(release_dir / "changelog.json", release_dir),
        },
    ]
    descriptor = {
        "profile": "data-package",
        "name": pkg["name"],
        "title": pkg["title"],
        "description": pkg["description"],
        "version": version,
        "created": created,
        "licenses": [pkg["license"]],
        "sources": [pkg["source"]],
        "contributors": ([{**pkg["publisher"], "role": "publisher"}] if pkg["publisher"] else [])
        + list(pkg["contributors"]),
        "keywords": ["311", "service requests", "open311"],
        "resources": resources,
        "x_portal": {
            "demo": pkg["demo"],
            "timezone": profile.timezone,
            "caveats": list(pkg["caveats"]),
            "release_history": history,
        },
    }
    return descriptor


def release_history(out: Path, name: str) -> list[dict]:
    base = out / "releases" / name
    history = []
    for dp in sorted(base.glob("1.*.0/datapackage.json"), key=lambda p: int(p.parent.name.split(".")[1])):
        try:
            d = json.loads(dp.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        history.append(
            {"version": d.get("version"), "created": d.get("created"), "path": f"../{dp.parent.name}/datapackage.json"}
        )
    return history
