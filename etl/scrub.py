"""Free text made safe to publish: markup, contact details and long numbers out, cut to length.

Every text cell loses markup, e-mail addresses, URLs with query strings, SSN- and card-like
numbers and phone numbers (the ``privacy.scrub`` classes a profile keeps on; each replaced by a
marker), a contact's name after a role word ("Caller John Smith" -> "Caller [name removed]") and
invisible format characters, and is cut to its length limit; a cell a spreadsheet would run as a
formula gets a leading quote. Each cell changed is flagged ``text_scrubbed_<field>`` in
``redaction_reason`` (docs/data-rules.md).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from .strings import on_unique, slugify
from .transform import add_flag
from .validate import load_schema

FREE_TEXT = ("description", "status_notes", "service_notice")
# Names of things, not text about people: the contact-name rule leaves them alone ('Caller Id Request').
NAMED_VOCABULARY = ("service_name", "neighborhood")
ALL_TEXT = (
    "service_name",
    "description",
    "status_notes",
    "agency_responsible",
    "service_notice",
    "address",
    "status_description",
    "neighborhood",
    "council_district",
)

# A tag starts with a letter, "/", "!" or "?" right after "<" ("a < b > c" is not markup).
TAG = re.compile(r"<[a-zA-Z/!?][^>]{0,2000}>|<[a-zA-Z/!][^<]*$")
EMAIL = re.compile(r"[\w.+%-]+\s*(?:@|\[at\]|\(at\))\s*[\w-]+(?:\s*(?:\.|\[dot\]|\(dot\))\s*[\w-]+)+", re.I)
URL_QUERY = re.compile(r"(?:https?://|www\.)\S*\?\S*", re.I)
# "data:" only as a data URL ("data:text/html,..."), so that "missing data: ..." stays.
SCRIPT_URL = re.compile(r"\b(?:javascript|vbscript)\s*:|\bdata\s*:\s*[a-z]+/[\w.+-]+[;,]", re.I)
# 13-19 digit card numbers and SSNs (3-2-4), with spaces or dashes between groups.
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
SSN = re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b")
# US shapes: (212) 555-0199, 212-555-0199, 212.555.0199, 2125550199, +1 212 555 0199;
# international: +44 20 7946 0958, +33 1 23 45 67 89, 0044 20 7946 0958.
PHONE = re.compile(
    r"(?:\+|\b00)\d{1,3}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}\b"
    r"|(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"
    r"|\b\d{10}\b"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A contact's name right after a role word: 'Caller John Q Smithfield', 'complainant: Mrs. Maria Ybarra'.
# Names are capitalised words (an all-caps 'CALLER STATES THAT' is left alone); other names are not detected.
CONTACT_NAME = re.compile(
    r"(\b(?i:caller|complainant|reporter|requester|requestor|reported by|called by|contact person|contact name"
    r"|customer name|resident name)(?i:'s name)?(?:\s+(?i:name))?(?:\s*(?i:is)\s+|\s*[:-]\s*|\s+))"
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?{w}(?:\s+(?:[A-Z]\.?(?=\s)|{w})){{0,3}}".format(
        w=r"[A-Z](?:[a-z]+|(?=['\u2019]))(?:[A-Z][a-z]+)?(?:['\u2019-][A-Z]?[a-z]+)*"
    )
)
# Invisible format characters (zero-width spaces, bidi overrides, soft hyphens) can split a phone number
# so no rule sees it, or make text display differently from what it says: always removed.
FORMAT_CHARS = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


SCRUB_CLASSES = ("markup", "email", "url_query", "ssn", "card", "phone")


def scrub_text(
    text: str, max_length: int, classes: tuple[str, ...] | frozenset = SCRUB_CLASSES, names: bool = True
) -> str:
    """Markup, contact details and long numbers out (the ``classes`` a profile keeps on); then cut to max_length.

    Text is first cut to a few times max_length, so that a pathological cell (say 50 MB of one
    word) costs no more than a normal one.
    """
    out = FORMAT_CHARS.sub("", text[: max_length * 4])
    if len(text) > max_length * 4 and out.rfind(" ") > 0:
        # the cut may split a contact detail ('call 212-555-01'): drop the cut word and any number before it
        out = out[: out.rfind(" ")].rstrip("0123456789 ().+-")
    if "markup" in classes:
        out = TAG.sub(" ", html.unescape(out))
        out = out.replace("<", "‹").replace(">", "›")
        out = SCRIPT_URL.sub("[link removed]", out)
    if "email" in classes and ("@" in out or "at]" in out or "(at)" in out):
        out = EMAIL.sub("[email removed]", out)
    if "url_query" in classes:
        out = URL_QUERY.sub("[link removed]", out)
    if "ssn" in classes:
        out = SSN.sub("[number removed]", out)
    if "card" in classes:
        out = CARD.sub("[number removed]", out)
    if "phone" in classes:
        out = PHONE.sub("[phone removed]", out)
    if names:
        out = CONTACT_NAME.sub(lambda m: m.group(1) + "[name removed]", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out[:max_length]


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def text_limits(max_length: int) -> dict[str, int]:
    """Each text field's length limit: the schema's maxLength (free text: also the profile's max_text_length)."""
    schema = {f["name"]: f.get("constraints", {}).get("maxLength") for f in load_schema("service_requests")["fields"]}
    return {col: min(max_length if col in FREE_TEXT else 2000, schema.get(col) or 2000) for col in ALL_TEXT}


def scrub_columns(frame: pd.DataFrame, max_length: int, classes=SCRUB_CLASSES, formulas: bool = True) -> pd.DataFrame:
    frame = frame.copy()
    classes = frozenset(classes)
    limits = text_limits(max_length)
    for col in ALL_TEXT:
        if col not in frame:
            continue
        values = frame[col]
        limit = limits[col]

        names = col not in NAMED_VOCABULARY

        def clean(v: pd.Series, limit=limit, names=names) -> pd.Series:
            out = v.map(lambda t: scrub_text(t, limit, classes, names))
            return (out.map(neutralise_formula) if formulas else out).astype("str")

        new = on_unique(values, clean)
        add_flag(frame, new != values, f"text_scrubbed_{col}", "redaction_reason")
        if col == "service_name" and "service_code" in frame:
            # a code made from the request type ('noise-call-212-555-0199') must lose what the type lost
            derived = (new != values) & (frame["service_code"] == slugify(values))
            frame.loc[derived, "service_code"] = slugify(new[derived]).where(lambda c: c != "", "unknown")
        frame[col] = new
    if formulas and "service_request_id" in frame:
        # ids are published as the city wrote them, except that one a spreadsheet would run ('=1+2') is neutralised too
        frame["service_request_id"] = frame["service_request_id"].map(neutralise_formula).astype("str")
    return frame
