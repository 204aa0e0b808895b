"""Planted personal data: a catalogue of PII shapes and a planter for raw city exports.

``plant(raw_csv, profile, out_csv)`` copies a city's raw export (read where it is, written only to
the test's tmp dir) and plants the catalogue deterministically:

* new contact-like columns ('Reporter Name', 'Caller Phone', 'Contact Email', 'Caller Address')
  filled on every 7th row; the whitelist must keep them out;
* every raw column the profile does not map (whitelist again), on every 7th row;
* the mapped published text columns (description, status notes, agency, council district, ZIP)
  get a caller sentence ("Caller John Q Smithfield called from (212) 555-0199 ...") that holds a
  name, a phone, an e-mail, a URL with a query string and a card or SSN;
* the address column gets house addresses ('4821 ELMWOOD AVENUE', also inside an intersection)
  and, where the profile has intersection columns, house addresses in them;
* the request type, on every 49th row, gets a phone and an e-mail appended.

Every planted value is a ``Plant`` with the needles a scan looks for: the exact string, its
lower-case form, digits only (phones, cards, SSNs), the e-mail's local part, the house number
followed by its street (tests/security/published.py scans for them).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

CITIES = {  # profile: raw export in ../shared/data/<profile>/
    "new-york-city": "test_sample3.csv",
    "los-angeles": "MyLA311_Service_Request_Data_2017_Subset.csv",
    "chicago": "chicago_311_data.csv",
}
EVERY = 7  # contact, whitelist and free-text plants: rows where row % EVERY == offset
TYPE_EVERY = 49  # request-type plants


@dataclass(frozen=True)
class Plant:
    kind: str  # email, phone_us, phone_intl, card, ssn, url, name, house
    value: str
    digits: str = ""  # digits-only form searched in separator-free cells
    words: tuple[str, ...] = ()  # further case-insensitive needles
    pattern: str = ""  # a case-insensitive regex needle (house number + street)

    def needles(self) -> list[str]:
        return [self.value, *self.words]


def _email(value: str, *extra: str) -> Plant:
    local = re.split(r"\s*(?:@|\[at\]|\(at\))", value, maxsplit=1, flags=re.I)[0]
    return Plant("email", value, words=(value.lower(), local.lower() + "@", *extra))


def _phone(kind: str, value: str) -> Plant:
    return Plant(kind, value, digits=re.sub(r"\D", "", value))


def _number(kind: str, value: str) -> Plant:
    return Plant(kind, value, digits=re.sub(r"\D", "", value))


def _house(value: str) -> Plant:
    m = re.match(r"(\d[\d-]*\w?(?: \d/\d)?)\s+(?:[NSEW]\s+)?(\w+)", value)
    number, street = m.group(1), m.group(2)
    return Plant("house", value, pattern=rf"(?<![\w-]){re.escape(number)}\s+(?:[NSEW]\s+)?{re.escape(street)}\b")


EMAILS = [
    _email("john.q.smithfield@example.com"),
    _email("Jane.Delacroix+311@Example.ORG"),
    _email("reporter_7734@mail.example.net"),
    _email("m.ybarra-lopez@sub.example.co.uk"),
    _email("jq.smithfield [at] example [dot] com", "jq.smithfield"),
    _email("TENANT.4B(at)EXAMPLE(dot)ORG", "tenant.4b"),
]
PHONES_US = [
    _phone("phone_us", v)
    for v in [
        "(212) 555-0199",
        "212-555-0198",
        "212.555.0197",
        "2125550196",
        "+1 212 555 0195",
        "1-312-555-0194",
        "(213)555-0193",
        "+1 (312) 555-0192",
        "212\u200b-555\u200b-0191",  # zero-width spaces between the groups
        "+1\u00a0212\u00a0555\u00a00190",  # no-break spaces
    ]
]
PHONES_INTL = [
    _phone("phone_intl", v)
    for v in [
        "+44 20 7946 0958",
        "+33 1 23 45 67 89",
        "0044 20 7946 0957",
        "+49 30 9018 2045",
        "+81 3-1234-5678",
        "+44 (0)20 7946 0956",
        "+353 1 234 5678",
        "+61 2 9876 5432",
        "+91 98765 43210",
    ]
]
CARDS = [
    _number("card", v)
    for v in [
        "4111 1111 1111 1111",
        "4111-1111-1111-1112",
        "5500005555555559",
        "3782 822463 10005",
    ]
]
SSNS = [_number("ssn", v) for v in ["123-45-6789", "078-05-1120", "219 09 9999"]]
URLS = [
    Plant("url", "https://x.example/?token=abc", words=("token=abc",)),
    Plant("url", "http://tracker.example.com/r?id=42&u=jdoe", words=("u=jdoe", "tracker.example.com/r")),
    Plant("url", "www.example.org/login?session=9f8e7d", words=("session=9f8e7d",)),
]
NAMES = [
    Plant("name", "John Q Smithfield", words=("Smithfield",)),
    Plant("name", "Maria Delacroix-Ybarra", words=("Delacroix",)),
    Plant("name", "Tobias Quennell", words=("Quennell",)),
]
HOUSES = [
    _house(v)
    for v in [
        "4821 ELMWOOD AVENUE",
        "1379 QUIGLEY BOULEVARD",
        "86-17 PLANTED PLACE",
        "2207 1/2 W HOLLOWAY ST",
        "615B NORTHRIDGE AVE",
        "9313 N KESTREL CT",
    ]
]
# house numbers in an intersection-shaped address: the house number must not survive the "intersections stay" rule
HOUSE_CORNERS = [
    (_house("7142 ORCHARD LANE"), "7142 ORCHARD LANE & 3 AVENUE"),
    (_house("5906 BRIARCLIFF ROAD"), "5906 BRIARCLIFF ROAD AT MAIN ST"),
]

CATALOGUE: list[Plant] = [
    *EMAILS,
    *PHONES_US,
    *PHONES_INTL,
    *CARDS,
    *SSNS,
    *URLS,
    *NAMES,
    *HOUSES,
    *(p for p, _ in HOUSE_CORNERS),
]
CONTACT_COLUMNS = ("Reporter Name", "Caller Phone", "Contact Email", "Caller Address")
FREE_TEXT_FIELDS = (
    "description",
    "status_notes",
    "service_notice",
    "agency_responsible",
    "council_district",
    "zipcode",
)


def _pick(items: list, n: int):
    return items[n % len(items)]


def caller_sentence(n: int) -> tuple[str, list[Plant]]:
    """The n-th planted free-text sentence and the plants it holds."""
    name, phone, intl = _pick(NAMES, n), _pick(PHONES_US, n), _pick(PHONES_INTL, n)
    email, url, card, ssn = _pick(EMAILS, n), _pick(URLS, n), _pick(CARDS, n), _pick(SSNS, n)
    text = (
        f"Caller {name.value} called from {phone.value}, alt {intl.value}; reply to {email.value}. "
        f"Photos at {url.value} . Paid fee with card {card.value}, SSN {ssn.value}."
    )
    return text, [name, phone, intl, email, url, card, ssn]


@dataclass
class Planted:
    """What was planted in one city's copy: (row index, raw column, plant) triples."""

    path: Path
    ids: list[str]  # service_request_id of every row that got a plant
    placed: list[tuple[int, str, Plant]] = field(default_factory=list)

    def add(self, row: int, column: str, plants: Iterable[Plant]) -> None:
        for p in plants:
            self.placed.append((row, column, p))

    def count_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, _, p in self.placed:
            out[p.kind] = out.get(p.kind, 0) + 1
        return dict(sorted(out.items()))

    def shapes(self) -> set[str]:
        return {p.value for _, _, p in self.placed}


def plant(raw_csv: Path, profile, out_csv: Path) -> Planted:
    """Copy ``raw_csv`` to ``out_csv`` with the catalogue planted (see the module docstring)."""
    frame = pd.read_csv(raw_csv, dtype=str, keep_default_na=False, encoding=profile.input["encoding"])
    cols = profile.raw_columns()
    rows = range(len(frame))
    result = Planted(out_csv, [])
    touched: set[int] = set()

    contact = {c: [""] * len(frame) for c in CONTACT_COLUMNS}
    for i in rows:
        if i % EVERY == 0:
            k = i // EVERY
            name, phone, email, house = (
                _pick(NAMES, k),
                _pick(PHONES_US + PHONES_INTL, k),
                _pick(EMAILS, k),
                _pick(HOUSES, k),
            )
            for col, p in zip(CONTACT_COLUMNS, (name, phone, email, house)):
                contact[col][i] = p.value
                result.add(i, col, [p])
            touched.add(i)
    for col, values in contact.items():
        frame[col] = values

    mapped = set(cols.values())
    unmapped = [c for c in frame.columns if c not in mapped and c not in CONTACT_COLUMNS]
    for i in rows:
        if i % EVERY == 1:
            for j, col in enumerate(unmapped):
                p = _pick(CATALOGUE, i // EVERY + j)
                frame.iat[i, frame.columns.get_loc(col)] = p.value
                result.add(i, col, [p])
            touched.add(i)

    free = [cols[f] for f in FREE_TEXT_FIELDS if f in cols]
    for i in rows:
        if i % EVERY == 2:
            for j, col in enumerate(free):
                text, plants = caller_sentence(i // EVERY + j)
                old = frame.iat[i, frame.columns.get_loc(col)]
                frame.iat[i, frame.columns.get_loc(col)] = f"{old} {text}".strip()
                result.add(i, col, plants)
            touched.add(i)

    address = cols.get("address")
    corner_col = cols.get("intersection_1")
    for i in rows:
        if address and i % EVERY == 3:
            k = i // EVERY
            if k % 5 == 4:
                p, value = _pick(HOUSE_CORNERS, k)
            else:
                p = _pick(HOUSES, k)
                value = p.value
            frame.iat[i, frame.columns.get_loc(address)] = value
            result.add(i, address, [p])
            touched.add(i)
        if corner_col and address and i % EVERY == 4:
            # the address is blank and the intersection streets build it ('street 1 & street 2')
            p = _pick(HOUSES, i // EVERY)
            frame.iat[i, frame.columns.get_loc(address)] = ""
            frame.iat[i, frame.columns.get_loc(corner_col)] = p.value
            if cols.get("intersection_2"):
                frame.iat[i, frame.columns.get_loc(cols["intersection_2"])] = "OAK STREET"
            result.add(i, corner_col, [p])
            touched.add(i)

    name_col = cols["service_name"]
    for i in rows:
        if i % TYPE_EVERY == 5:
            k = i // TYPE_EVERY
            phone, email = _pick(PHONES_US, k), _pick(EMAILS, k)
            old = frame.iat[i, frame.columns.get_loc(name_col)]
            frame.iat[i, frame.columns.get_loc(name_col)] = f"{old} call {phone.value} or {email.value}"
            result.add(i, name_col, [phone, email])
            touched.add(i)

    id_col = cols["service_request_id"]
    result.ids = [frame.iat[i, frame.columns.get_loc(id_col)] for i in sorted(touched)]
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_csv, index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return result
