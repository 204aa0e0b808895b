"""Figures stored with a release when it is loaded: where the write side and the read side meet.

Some of the dashboard's figures depend on nothing but the release (the home page's headline, the
default performance tables, the unfiltered counts), yet take seconds to compute over a million
rows. They are computed once, when the release is loaded into the database, inside the load's
transaction, so that they commit or roll back with its rows (table ``summaries``).

What those figures are is the read side's business (``portal.summaries``); when they are stored
is the write side's (``etl.load``). Neither imports the other: the read side registers its
function under the entry-point group ``portal311.release_figures`` (``pyproject.toml``), and the
write side calls every registered function through ``store_figures``. A registered function is
called as ``store(conn, version, data_through, connect)``:

* ``conn``: the load's connection, inside its transaction, holding the release's rows, lookups and
  (unless ``data_through`` is given before it exists) its ``releases`` row;
* ``version``: the release's version; ``data_through``: its ``report.json`` value (may be None);
* ``connect``: None, or a function returning a context manager of a further connection to the same
  database, for a committed database that nothing else writes to (the figures may then be
  computed on several connections at once).

The project is installed into its environment (``scripts/setup.sh`` runs ``pip install -e .``),
which is what makes the entry point known. Where none is registered, nothing is stored and the
dashboard computes the same figures when it is asked for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points

GROUP = "portal311.release_figures"


@cache
def registered() -> tuple[Callable, ...]:
    """The functions registered under ``GROUP``, by entry-point name (loaded once per process)."""
    return tuple(ep.load() for ep in sorted(entry_points(group=GROUP), key=lambda ep: ep.name))


def store_figures(conn, version: str, data_through: str | None, connect: Callable | None = None) -> None:
    """Run every registered function on the load's connection (see the module's docstring)."""
    for store in registered():
        store(conn, version, data_through, connect)
