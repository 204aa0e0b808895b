"""Profiles pointed at a loopback source: the same city, another kind or setting of ``[source]``."""

from __future__ import annotations

import dataclasses

from etl.errors import ProfileError
from etl.sources.settings import source_problem


def with_source(profile, **changes):
    """``profile`` with ``[source]`` keys changed, checked as the loader checks them."""
    unknown = sorted(set(changes) - set(profile.source))
    if unknown:
        raise ProfileError(profile.path, f"unknown key source.{unknown[0]}")
    source = {**profile.source, **changes}
    problem = source_problem(source, profile.input)
    if problem:
        raise ProfileError(profile.path, problem)
    return dataclasses.replace(profile, source=source)
