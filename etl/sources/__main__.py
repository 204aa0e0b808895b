"""``python -m etl.sources --profile P --dest DIR``: fetch a city's rows from its source into DIR.

A thin door over etl.sources.fetch.fetch, for onboarding a city from its API: fetch into a scratch
folder, read the summary, then ``python -m etl publish --profile P --input DIR/rows.csv``.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import EtlError
from ..profile import load_profile
from .fetch import fetch


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m etl.sources", description=__doc__.split("\n\n")[0])
    p.add_argument("--profile", required=True, help="bundled profile name or TOML file with a [source] section")
    p.add_argument("--dest", required=True, help="folder for the raw pages, the rows file and fetch.json (private)")
    p.add_argument("--since", default=None, help="a watermark: fetch only what changed since (less the overlap)")
    p.add_argument("--url", default=None, help="another address for the source (a mirror, a loopback replay)")
    a = p.parse_args(argv)

    def progress(pages: int, rows: int, url: str) -> None:
        print(f"  page {pages}: {rows:,} rows so far", file=sys.stderr, flush=True)

    try:
        r = fetch(load_profile(a.profile), a.dest, since=a.since, url=a.url, progress=progress)
    except EtlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"source:        {r.kind} {r.source_url}")
    print(f"rows:          {r.rows if r.rows is not None else 'the whole file'}")
    print(f"pages:         {len(r.pages)} ({r.requests} requests, {r.retries} retries)")
    print(f"rows file:     {r.rows_file or 'none: nothing new'}")
    print(f"watermark:     {r.watermark}")
    print(f"newest update: {r.newest_update}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
