"""Atom feeds of request events for an area: what was reported, and what was marked closed.

One entry per event (``portal.events``), newest first: a stable id (a name-based UUID of the
package, request, event and time, so a feed reader never shows an entry twice), the event time as
``updated``, a GeoRSS point at the published precision (none where the release publishes no
location), and a link to the request's page on the dashboard. Entries are plain text: data text
is never interpreted as markup by a feed reader. The XML is written by feedgen (lxml).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from portal.events import EVENTS, Event
from portal.filters import Filters, Params, Vocabulary, listed, unknown_params
from portal.georeport import AREA_PARAMS, parse_area
from portal.links import feed_params, request_permalink
from portal.text import quoted
from portal.timefmt import format_local
from portal.xmldoc import xml_safe

FEED_PARAMS = {
    **AREA_PARAMS,
    "event": "opened, closed (marked closed), updated, or all (the default); comma separated for several.",
}
CAVEAT = "Closed means marked closed by the city; it does not prove the problem was fixed."


@dataclass(frozen=True)
class FeedQuery:
    filters: Filters = field(default_factory=Filters)
    events: tuple[str, ...] = tuple(EVENTS)


@dataclass(frozen=True)
class FeedContext:
    """What a feed says about itself: the release, where it lives, where permalinks point."""

    package: str
    title: str
    version: str
    created: datetime  # aware
    publisher: str
    license_name: str | None
    self_url: str
    alternate_url: str
    dashboard_url: str


def parse_feed(params: Params, vocab: Vocabulary) -> tuple[FeedQuery, list[str]]:
    """The feed's filters and events, and one message per bad parameter."""
    errors = unknown_params(params, FEED_PARAMS)
    filters = parse_area(params, vocab, errors)
    asked = listed(params, "event")
    errors += [
        f"Unknown event {quoted(e)}; use opened, closed, updated or all." for e in asked if e not in (*EVENTS, "all")
    ]
    events = tuple(EVENTS) if not asked or "all" in asked else tuple(e for e in EVENTS if e in asked)
    return FeedQuery(filters, events), errors


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def entry_id(package: str, event: Event) -> str:
    name = f"{package}/{event.row['service_request_id']}/{event.kind}/{_aware(event.at).isoformat()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _title(event: Event) -> str:
    row = event.row
    where = ", ".join(x for x in (row.get("address"), row.get("neighborhood")) if x)
    return f"{EVENTS[event.kind]}: {row['service_name']}" + (f" at {where}" if where else "")


def _content(event: Event, tz_name: str) -> str:
    row = event.row
    lines = [
        f"Request {row['service_request_id']}: {row['service_name']}.",
        f"Status: {row['status']}" + (f" ({row['status_description']})" if row.get("status_description") else ""),
        f"Requested {format_local(row['requested_datetime'], tz_name)}.",
    ]
    if row.get("closed_datetime") is not None:
        lines.append(f"Marked closed {format_local(row['closed_datetime'], tz_name)}. {CAVEAT}")
    lines += [
        f"{label}: {row[key]}" for key, label in (("description", "Detail"), ("status_notes", "Notes")) if row.get(key)
    ]
    return "\n".join(lines)


def _add_entry(fg: FeedGenerator, ctx: FeedContext, event: Event, tz_name: str) -> None:
    row = event.row
    fe = fg.add_entry(order="append")
    fe.id(entry_id(ctx.package, event))
    fe.title(xml_safe(_title(event)))
    fe.updated(_aware(event.at))
    fe.link(href=request_permalink(row["service_request_id"], ctx.dashboard_url), rel="alternate")
    fe.content(xml_safe(_content(event, tz_name)), type="text")
    fe.category(term=xml_safe(row["service_code"]), label=xml_safe(row["service_name"]))
    if row.get("lat") is not None and row.get("long") is not None:
        fe.geo.point(f"{row['lat']!r} {row['long']!r}")


def atom_feed(events: list[Event], query: FeedQuery, ctx: FeedContext, tz_name: str) -> bytes:
    """The Atom document for ``events`` (already filtered and ordered)."""
    fg = FeedGenerator()
    fg.load_extension("geo")
    key = sorted(feed_params(query.filters, ",".join(query.events)).items())
    fg.id(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.package}/feeds/requests.atom?{key}").urn)
    labels = [EVENTS[k].lower() for k in query.events]
    kinds = " and ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
    fg.title(xml_safe(f"{ctx.title}: requests {kinds}"))
    fg.subtitle(xml_safe(f"One entry per event, newest first. {CAVEAT} Release {ctx.version}."))
    fg.updated(_aware(events[0].at) if events else ctx.created)
    fg.author({"name": xml_safe(ctx.publisher)})
    fg.link(href=ctx.self_url, rel="self", type="application/atom+xml")
    fg.link(href=ctx.alternate_url, rel="alternate", type="text/html")
    if ctx.license_name:
        fg.rights(xml_safe(ctx.license_name))
    fg.generator("311 open-data portal")
    for event in events:
        _add_entry(fg, ctx, event, tz_name)
    return fg.atom_str(pretty=False)
