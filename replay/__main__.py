"""``python -m replay``: serve an extract as a city's API on loopback until interrupted."""

from __future__ import annotations

import argparse
import sys
import time

from etl.errors import EtlError
from etl.profile import load_profile

from . import Dataset, Fault, Options, ReplayServer
from .server import KINDS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m replay", description=__doc__)
    p.add_argument("--profile", required=True, help="bundled profile name or TOML file: how to read the extract")
    p.add_argument("--data", required=True, help="the extract to serve (CSV or JSON, as the profile reads it)")
    p.add_argument("--kind", action="append", choices=KINDS, help="wire format(s) to serve (repeat; default: all)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    p.add_argument("--dataset-id", default="", help="Socrata dataset id / CKAN resource id (default: the profile's)")
    p.add_argument("--open311-cap", type=int, default=1000, help="requests per Open311 answer")
    p.add_argument("--open311-wrap", default="", choices=["", "requests", "service_requests"])
    p.add_argument("--page-limit", type=int, default=0, help="largest page Socrata/CKAN/ArcGIS serve (0: defaults)")
    p.add_argument("--fault", action="append", default=[], help="a fault to arm, e.g. status:status=429,times=2")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    try:
        profile = load_profile(a.profile)
        dataset = Dataset.from_file(a.data, profile, dataset_id=a.dataset_id)
        faults = [Fault.parse(spec) for spec in a.fault]
    except (EtlError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = Options(open311_cap=a.open311_cap, open311_wrap=a.open311_wrap)
    if a.page_limit:
        options.socrata_max_limit = options.ckan_max_limit = options.arcgis_max_records = a.page_limit
    server = ReplayServer(dataset, kinds=a.kind or KINDS, host=a.host, port=a.port, options=options)
    server.inject(*faults)
    with server:
        print(f"replaying {len(dataset):,} rows of {a.data} at {server.url}", flush=True)
        for kind in server.kinds:
            print(f"  {kind}: source.url = {server.source_url(kind)!r}  (dataset {dataset.dataset_id})", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
