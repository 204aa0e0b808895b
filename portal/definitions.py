"""The metrics' definitions (``portal.metrics``) in the words shown under the numbers, in the
visitor's language: each written once, here, and translated through the message catalogs."""

from __future__ import annotations

from portal.i18n import N_, Translator
from portal.metrics import PERIOD_DAYS, SMALL_SAMPLE, Measure

# Shown on the pages under the numbers (``define``), in the visitor's language.
DEFINITIONS = {
    "period": N_(
        "The latest {days} days of requests: the {days} days ending at the last request received in "
        "this release (its data may run on later, with updates and closures)."
    ),
    "new": N_("Requests received in the period."),
    "backlog": N_("All requests still open at the data's end, whenever they were received."),
    "median": N_(
        "Median days from request to being marked closed, over the requests received in the period "
        "that are marked closed (average of the two middle values when n is even). Requests still "
        "open at the data's end are not counted, so while many are open the median understates the "
        "time to close: n says how many were left out."
    ),
    "target": N_(
        "Share of the requests received in the period and marked closed that closed within their "
        "type's target days (types without a target are left out)."
    ),
    "p90": N_(
        "90th percentile by nearest rank: the value at rank ceil(0.9 × n), over the same requests as the median."
    ),
    "overdue": N_("Open and past the city's expected date, or older than the type's target days."),
    "backlog_age": N_("Median age of the open requests at the data's end, in days."),
    "closed": N_("'Closed' only means the agency marked the request closed, not that the problem was fixed."),
    "small": N_("n is the sample size; fewer than {small} is a small sample, to read with care."),
    "n": N_(
        "n is the number of requests a median or share is computed from: those received in the "
        "period and marked closed. The period's requests still open are counted beside it and "
        "left out. n < {small} is a small sample."
    ),
}


def define(key: str, tr: Translator) -> str:
    """The definition ``key`` in ``tr``'s language, its numbers filled in."""
    return tr._(DEFINITIONS[key]).format(days=PERIOD_DAYS, small=SMALL_SAMPLE)


def n_text(m: Measure, tr: Translator) -> str:
    """``n = 4,417 closed; 580 still open, not counted`` (plain text, one whole sentence per case)."""
    n, still, undated = tr.number(m.n), tr.number(m.still_open), tr.number(m.undated)
    if m.still_open and m.undated:
        text = tr._("n = {n} closed; {still} still open and {undated} closed without a usable close date, not counted")
    elif m.still_open:
        text = tr._("n = {n} closed; {still} still open, not counted")
    elif m.undated:
        text = tr._("n = {n} closed; {undated} closed without a usable close date, not counted")
    else:
        text = tr._("n = {n} closed")
    return text.format(n=n, still=still, undated=undated)
