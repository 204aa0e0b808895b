"""The API's settings, each declared once (name, default, help) and read from flags or the environment.

``python -m portal.api --workers 4`` and ``PORTAL_API_WORKERS=4`` mean the same; a flag wins. The
command line hands its settings to the worker processes through the environment (uvicorn starts
each worker fresh), so both roads end in ``Settings.from_env``. docs/api.md lists every setting
(a test checks it).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, make_dataclass

from portal.db import DEFAULT_DB_URL
from portal.links import DEFAULT_DASHBOARD_URL


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    kind: type = str
    env_name: str | None = None  # default PORTAL_API_<NAME>

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return self.env_name or f"PORTAL_API_{self.name.upper()}"


SETTINGS = (
    Setting(
        "db",
        DEFAULT_DB_URL,
        "Database URL of the release to serve, as for the dashboard; a relative SQLite path is "
        "taken from the repository root.",
        env_name="PORTAL_DB_URL",
    ),
    Setting("host", "127.0.0.1", "Address to listen on."),
    Setting("port", 8000, "Port to listen on.", int),
    Setting("workers", 2, "Worker processes (about one per core).", int),
    Setting(
        "public_url",
        "",
        "The address clients reach the API at (e.g. https://data.city.gov/311 behind a proxy), used in "
        "the links of answers; empty: the address each request came to.",
    ),
    Setting(
        "dashboard_url",
        DEFAULT_DASHBOARD_URL,
        "The dashboard's public address: feed entries and the catalog link to its pages.",
        env_name="PORTAL_DASHBOARD_URL",
    ),
    Setting("contact", "", "Open311 discovery's contact text; empty: the release's publisher and e-mail."),
    Setting("contact_email", "", "E-mail of the catalog's contactPoint when the release names none."),
    Setting("jurisdiction_id", "", "When set, Open311 calls naming another jurisdiction_id get a 404."),
    Setting("accrual_periodicity", "irregular", "DCAT-US accrualPeriodicity of the datasets, e.g. R/P1D (daily)."),
    Setting("max_page_size", 5000, "Largest page_size a client may ask for.", int),
    Setting("query_timeout", 10.0, "Seconds one database query may run; past it the answer is a 503.", float),
    Setting("feed_entries", 100, "Entries in a feed: its newest events.", int),
    Setting("cache_mb", 64, "Memory per worker for finished answers of the current release (0: none).", int),
    Setting("max_age", 300, "Seconds browsers and caches may reuse an answer (Cache-Control max-age).", int),
)
BY_NAME = {s.name: s for s in SETTINGS}
POSITIVE = ("port", "workers", "max_page_size", "query_timeout", "feed_entries", "max_age")

Settings = make_dataclass(
    "Settings",
    [(s.name, s.kind, field(default=s.default)) for s in SETTINGS],
    frozen=True,
    namespace={"__doc__": "Values of SETTINGS (see there for what each means)."},
)


def _convert(setting: Setting, raw, source: str):
    try:
        value = setting.kind(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{source}: {raw!r} is not a {setting.kind.__name__}") from None
    if setting.name in POSITIVE and value <= 0 or setting.name == "cache_mb" and value < 0:
        raise ValueError(f"{source}: {raw!r} must be {'positive' if setting.name in POSITIVE else 'at least 0'}")
    return value


def from_env(environ: Mapping[str, str] = os.environ, **overrides) -> Settings:
    """Settings from ``PORTAL_API_*`` (and ``PORTAL_DB_URL``, ``PORTAL_DASHBOARD_URL``), then ``overrides``."""
    values = {}
    for s in SETTINGS:
        if s.name in overrides:
            values[s.name] = _convert(s, overrides[s.name], s.flag)
        elif environ.get(s.env, "").strip():
            values[s.name] = _convert(s, environ[s.env].strip(), s.env)
    return Settings(**values)


def to_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``from_env`` return ``settings`` (for the worker processes)."""
    return {BY_NAME[name].env: str(value) for name, value in asdict(settings).items()}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for s in SETTINGS:
        parser.add_argument(s.flag, dest=s.name, default=None, metavar=s.kind.__name__.upper(), help=s.help)


def from_args(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Settings:
    given = {s.name: getattr(args, s.name) for s in SETTINGS if getattr(args, s.name, None) is not None}
    return from_env(environ, **given)
