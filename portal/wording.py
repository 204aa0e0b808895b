"""The neighborhood brief's words, shared by its page, PDF and images: its numbers with their n,
its period, its chart's note, and the imprint every download carries.

Every text is in the visitor's language (a ``Translator``). ``pdf_text`` and ``mpl_text`` make data
text safe for reportlab (XML-escaped: Paragraph parses a mini markup language) and matplotlib
(``$`` escaped: it would read ``$...$`` as mathtext).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from portal import html
from portal.brief import Brief
from portal.definitions import define, n_text
from portal.html import href
from portal.i18n import Translator
from portal.metrics import Measure
from portal.text import plain


@dataclass(frozen=True)
class Imprint:
    """Where a download comes from, printed on it."""

    title: str  # the release's title: the city's data
    version: str
    license_name: str | None
    source: str | None
    is_demo: bool
    portal_url: str | None = None  # the portal's address, when known

    def link(self, path: str, **params) -> str | None:
        return f"{self.portal_url.rstrip('/')}/{href(path, **params)}" if self.portal_url else None


def pdf_text(value, limit: int | None = None) -> str:
    """Plain text safe inside a reportlab Paragraph (``<``, ``>``, ``&`` escaped)."""
    return escape(plain(value, limit))


def mpl_text(value, limit: int | None = None) -> str:
    """Plain text safe for matplotlib (no mathtext)."""
    return plain(value, limit).replace("$", r"\$")


def measure_text(m: Measure, tr: Translator, share: bool = False) -> str:
    """``6.0 days (n = 7 closed · small sample)`` / ``50.0% (n = 20 closed)`` / ``no data (n = 0 closed)``."""
    shown = tr._("no data") if m.value is None else tr.percent(m.value) if share else tr.days(m.value)
    small = " · " + tr._("small sample") if m.small and m.value is not None else ""
    return f"{shown} ({n_text(m, tr)}{small})"


def key_numbers(brief: Brief, tr: Translator) -> list[tuple[str, str]]:
    """The brief's numbers as (label, text), each with its n where it has one."""
    return [
        (tr._("New requests in the period"), tr.number(brief.new_requests)),
        (tr._("Open at the data's end (backlog)"), tr.number(brief.open_backlog)),
        (tr._("Open and overdue"), tr.number(brief.overdue)),
        (tr._("Median days to close, here"), measure_text(brief.median_local, tr)),
        (tr._("Median days to close, citywide"), measure_text(brief.median_city, tr)),
        (tr._("Closed within target, here"), measure_text(brief.within_local, tr, share=True)),
    ]


def period_text(brief: Brief, tr: Translator) -> str:
    return tr._("{period}: requests received {start} to {end}").format(
        period=tr._(brief.period_label),
        start=tr.date(brief.period.start, brief.timezone),
        end=tr.datetime(brief.period.end, brief.timezone),
    )


def trend_label(brief: Brief, tr: Translator) -> str:
    if brief.bucket_days == 7:
        return tr._("Requests per week")
    return tr._("Requests per {days} days").format(days=brief.bucket_days)


def trend_note(brief: Brief, tr: Translator) -> str:
    """What the bars cover: each from the date under it; a short first bar says so (``*``)."""
    text = tr._("Each bar counts the requests received in the {days} days from the date under it.")
    note = text.format(days=brief.bucket_days)
    first = brief.partial_first
    if first is not None:
        short = tr._("* The first bar covers only {length}: the period starts on {start}.")
        note += " " + short.format(length=tr.days(first.days), start=tr.date(first.first_day))
    return note


def imprint_lines(imprint: Imprint, brief: Brief, tr: Translator) -> list[str]:
    """``<city's data> · release 1.0.0 · data through …`` and ``licence … · <portal address>``."""
    first = [
        plain(imprint.title, 120),
        tr._("release {version}").format(version=plain(imprint.version, 40)),
        tr._("data through {when}").format(when=tr.datetime(brief.as_of, brief.timezone)),
    ]
    second = [tr._("license: {licence}").format(licence=plain(imprint.license_name or tr._("see the Data page"), 80))]
    link = imprint.link("neighborhood", nbhd=brief.code, lang=None if tr.code == "en" else tr.tag)
    return [" · ".join(first), " · ".join(second + ([link] if link else []))]


def caveat_line(tr: Translator) -> str:
    return f"{define('closed', tr)} {define('small', tr)}"


def oldest_table(brief: Brief, tr: Translator, lang: str | None) -> tuple[list[html.Column], list[dict]]:
    """The oldest open requests as table columns and rows, each id a link to its Track page."""
    names = [
        ("id", tr._("Request id")),
        ("type", tr._("Type")),
        ("status", tr._("City's status")),
        ("requested", tr._("Requested")),
        ("age", tr._("Open for")),
        ("overdue", tr._("Overdue")),
    ]
    rows = [
        {
            "id": html.Link(o["id"], html.href("track", id=o["id"], lang=lang)),
            "type": o["type"],
            "status": o["status"],
            "requested": tr.date(o["requested"], brief.timezone),
            "age": tr.whole_days(o["age_days"]),
            "overdue": tr._("yes") if o["overdue"] else tr._("no"),
        }
        for o in brief.oldest_open
    ]
    return [html.Column(key, label) for key, label in names], rows
