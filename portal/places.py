"""Finding a place on the map: a neighborhood by (part of) its name, and, where the release
publishes addresses at block level, a block by (part of) its street.

Matching ignores case and accents ("ñ" finds "n"): a resident types a name as they say it.
Blocks come from ``queries.find_blocks`` (only requests placed at a point: a sensitive type's
address is never published, so it cannot be found either).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from portal.text import plain

MAX_QUERY = 80
MAX_PLACES = 8


@dataclass(frozen=True)
class Place:
    kind: str  # "neighborhood" or "block"
    label: str
    code: str | None  # the neighborhood (of a block: the one most of its requests are in)
    point: list[float] | None = None  # a block's [long, lat]
    n: int = 0  # a block's published requests


def fold(text: str) -> str:
    """Lower case without accents, for matching."""
    decomposed = unicodedata.normalize("NFKD", plain(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def clean_query(raw: str | None) -> str:
    """What a search may look for: plain text, trimmed, at most ``MAX_QUERY`` characters."""
    return plain(raw or "").strip()[:MAX_QUERY]


def find_neighborhoods(neighborhoods: list[dict], query: str) -> list[Place]:
    """Neighborhoods whose name contains ``query``; names that start with it first."""
    wanted = fold(query)
    if not wanted:
        return []
    hits = [nb for nb in neighborhoods if wanted in fold(nb["name"])]
    hits.sort(key=lambda nb: (not fold(nb["name"]).startswith(wanted), fold(nb["name"])))
    return [Place("neighborhood", nb["name"], nb["neighborhood_code"]) for nb in hits[:MAX_PLACES]]


def places(neighborhoods: list[dict], blocks: list[dict], query: str) -> list[Place]:
    """Neighborhoods first, then blocks (``queries.find_blocks`` rows), at most ``MAX_PLACES``."""
    found = find_neighborhoods(neighborhoods, query)
    found += [Place("block", b["address"], b["neighborhood_code"], b["point"], b["n"]) for b in blocks]
    return found[:MAX_PLACES]
