"""``python -m etl ...``: thin commands over the library. Parse, call, print."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from core.db import DEFAULT_DB_URL, check_url

from .errors import EtlError
from .runtime import tuned_process


class Progress:
    """Step lines with row counts; on a terminal, a progress bar while rows are processed."""

    def __init__(self, stream, tty: bool):
        self.stream, self.tty, self.bar, self.task = stream, tty, None, None

    def __call__(self, step, *args):
        if step == "rows":
            read, published, fraction = args
            if self.tty:
                self._bar().update(
                    self.task, completed=fraction, description=f"rows read {read:,} · published {published:,}"
                )
            else:
                self.stream.write(f"  rows read {read:,}, published {published:,}\n")
            return
        self.close()
        self.stream.write(f"{step}: {' '.join(str(a) for a in args)}\n")
        self.stream.flush()

    def _bar(self):
        if self.bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("reading", total=1.0)
        return self.bar

    def close(self):
        if self.bar is not None:
            self.bar.update(self.task, completed=1.0)
            self.bar.stop()
            self.bar = None


def cmd_publish(a) -> int:
    from .pipeline import publish_release

    as_of = datetime.fromisoformat(a.as_of) if a.as_of else None
    progress = Progress(sys.stderr, sys.stderr.isatty())
    try:
        r = publish_release(
            a.profile,
            a.input,
            boundaries=a.boundaries,
            out=a.out,
            db_url=a.db,
            as_of=as_of,
            private_dir=a.private_dir,
            progress=progress,
            incremental=a.incremental,
        )
    finally:
        progress.close()
    rep = r.report
    print(f"rows read:        {rep['rows_read']:,}")
    print(f"rows published:   {rep['rows_published']:,}")
    print(f"rows quarantined: {rep['rows_quarantined']:,}")
    for reason, n in rep["quarantine_reasons"].items():
        examples = "; ".join(_where(rep["input"]["file"], e) for e in rep["quarantine_examples"].get(reason, [])[:3])
        print(f"  {reason}: {n:,}" + (f"  (e.g. {examples})" if examples else ""))
    state = "new release" if r.changed else "unchanged; current release"
    print(f"{state} {r.version}: {Path(a.out) / rep['package'] / 'datapackage.json'} (-> {r.release_dir})")
    print(f"database: {a.db}")
    print("timing: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.steps.items()))
    return 0


def _where(file: str, example: dict) -> str:
    where = file + (f" row {example['row']}" if example.get("row") is not None else "")
    column = example.get("column") or example.get("field")
    return where + (f" column {column!r}" if column else "")


def cmd_demo_data(a) -> int:
    from .demo import write_demo_input

    path = write_demo_input(Path(a.out), n_rows=a.rows, seed=a.seed)
    print(f"demo input written: {path}")
    return 0


def cmd_load(a) -> int:
    from .load import write_release_to_db

    version = write_release_to_db(a.db, Path(a.release))
    print(f"loaded release {version} into {a.db}")
    return 0


def cmd_profiles(a) -> int:
    from .profile import BUNDLED_DIR, load_profile

    for p in sorted(BUNDLED_DIR.glob("*.toml")):
        prof = load_profile(str(p))
        print(f"{p.stem:16} {prof.package['title']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl", description="Publish a city's 311 requests as an open data package."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("publish", help="publish a raw export as the next release and load it into the database")
    p.add_argument(
        "--profile",
        required=True,
        help="bundled profile name (new-york-city, los-angeles, chicago, demo) or a TOML path",
    )
    p.add_argument("--input", required=True, help="the city's raw export (CSV or JSON)")
    p.add_argument("--boundaries", help="neighborhood GeoJSON (default: the profile's)")
    p.add_argument("--out", default="datasets", help="output folder (default: datasets)")
    p.add_argument("--db", default=DEFAULT_DB_URL, help=f"SQLAlchemy URL (default: {DEFAULT_DB_URL})")
    p.add_argument("--as-of", help="reference time for 'in the future' checks, ISO 8601 (default: now)")
    p.add_argument("--private-dir", help="where quarantined raw rows go (default: private/ beside --out)")
    p.add_argument(
        "--incremental",
        action="store_true",
        help="INPUT holds only new or changed requests: apply them on top of the current release",
    )
    p.set_defaults(func=cmd_publish)
    d = sub.add_parser("demo-data", help="generate the demo city's raw export")
    d.add_argument("--out", default="build/demo")
    d.add_argument("--rows", type=int, default=6000)
    d.add_argument("--seed", type=int, default=311)
    d.set_defaults(func=cmd_demo_data)
    ld = sub.add_parser("load", help="load an already published release folder into a database")
    ld.add_argument("--release", required=True)
    ld.add_argument("--db", default=DEFAULT_DB_URL)
    ld.set_defaults(func=cmd_load)
    pr = sub.add_parser("profiles", help="list the bundled city profiles")
    pr.set_defaults(func=cmd_profiles)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "db", None) is not None:
            check_url(args.db)
    except ValueError as exc:  # before anything else is printed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with tuned_process(incremental=getattr(args, "incremental", False)), _sigterm_interrupts():
            return args.func(args)
    except EtlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the previous release is unchanged", file=sys.stderr)
        return 130


@contextmanager
def _sigterm_interrupts():
    """SIGTERM (``kill``, a service manager stopping the run) interrupts the command like Ctrl-C,
    so that it cleans up as it unwinds (no staging folder, no half-built database stays)."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
