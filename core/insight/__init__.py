"""Insight that holds up in public, as pure functions over the published service_requests columns.

* ``rising_cells`` / ``citywide_surges`` (``rising``): what is rising per neighborhood and type,
  and which types surge citywide, with the false discovery rate controlled.
* ``fair_comparison`` (``comparison``): each neighborhood against the city for its own type mix.
* ``completion_estimates`` (``completion``): when open requests will likely be closed.
* ``repeat_locations`` (``repeats``): places with far more requests of a type than expected.

Every function takes the frame (pandas or pyarrow), ``as_of`` (a timezone-aware time: nothing
here reads the clock) and ``Settings``; each returns a frame whose columns are exactly the
fields of its schema in ``schemas/`` (``SCHEMAS``). The methods are explained in docs/methods.md.
"""

from .comparison import fair_comparison
from .completion import completion_estimates
from .frames import InsightInputError, as_known_at
from .repeats import repeat_locations
from .rising import citywide_surges, history_note, rising_cells
from .settings import HELP, SETTINGS, Settings

# resource name -> (function, schema file in schemas/)
SCHEMAS = {
    "rising_cells": "rising_cells.schema.json",
    "citywide_surges": "citywide_surges.schema.json",
    "fair_comparison": "fair_comparison.schema.json",
    "completion_estimates": "completion_estimates.schema.json",
    "repeat_locations": "repeat_locations.schema.json",
}

__all__ = [
    "HELP",
    "SCHEMAS",
    "SETTINGS",
    "InsightInputError",
    "Settings",
    "as_known_at",
    "citywide_surges",
    "completion_estimates",
    "fair_comparison",
    "history_note",
    "repeat_locations",
    "rising_cells",
]
