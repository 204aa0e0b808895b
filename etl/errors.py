"""Errors the ETL reports to a data steward: one line naming the file and the problem."""

from __future__ import annotations


class EtlError(Exception):
    """An input or setting the ETL cannot use. ``str()`` is the one-line message shown to users."""

    def __init__(self, path, problem: str, *, row: int | None = None, field: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.row = row
        self.field = field
        where = self.path
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


class ProfileError(EtlError):
    """A city profile that is missing, malformed or inconsistent."""


class InputError(EtlError):
    """A raw export that cannot be read at all (missing, empty, wrong format or encoding, missing columns)."""


class PublishError(EtlError):
    """The release could not be written (disk full, permission denied, another run holds the lock)."""
