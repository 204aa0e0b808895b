"""Insight that holds up in public, as pure functions over the published service_requests columns.

The shared statistics (``stats``, ``survival``), the weekday calendar (``exposure``), reading the
published columns (``frames``) and the tuning (``settings``). Nothing here reads the clock:
every function takes ``as_of``.
"""

from .frames import InsightInputError, as_known_at
from .settings import HELP, SETTINGS, Settings

__all__ = ["HELP", "SETTINGS", "InsightInputError", "Settings", "as_known_at"]
