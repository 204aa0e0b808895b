"""The machine a benchmark ran on: CPU, cores, memory, load, and the versions that matter."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from datetime import UTC, datetime
from importlib import metadata

import psutil

PACKAGES = [
    "pandas",
    "pyarrow",
    "numpy",
    "sqlalchemy",
    "frictionless",
    "streamlit",
    "psycopg",
    "playwright",
    "geopandas",
    "shapely",
]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    """Everything BENCHMARKS.md reports about the machine, as of now."""
    mem = psutil.virtual_memory()
    return {
        "when": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(mem.total / 2**30, 1),
        "ram_available_gb": round(mem.available / 2**30, 1),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: _version(name) for name in PACKAGES},
    }


def describe(info: dict) -> str:
    pk = info["packages"]
    return (
        f"{info['cpu_model']}, {info['logical_cores']} cores, {info['ram_gb']} GB RAM; "
        f"Python {info['python']}, pandas {pk['pandas']}, pyarrow {pk['pyarrow']}, SQLite {info['sqlite']}, "
        f"frictionless {pk['frictionless']}; load average {info['load_average_1_5_15']}"
    )
