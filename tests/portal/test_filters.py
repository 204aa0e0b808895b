"""Filters <-> query parameters: every value validated, bad ones dropped with a message."""

from __future__ import annotations

from datetime import date

import pytest

from portal.filters import (
    MEASURES,
    Filters,
    Vocabulary,
    clean_request_id,
    parse_choice,
    parse_filters,
)
from portal.i18n import translator

EN = translator("en")
VOCAB = Vocabulary(
    service_codes={"pothole", "graffiti", "noise"},
    neighborhoods={"N1", "N2"},
    first_day=date(2024, 1, 1),
    last_day=date(2024, 3, 31),
)


@pytest.mark.parametrize(
    "params, filters, messages",
    [
        ({}, Filters(), []),
        ({"type": ["pothole", "noise"]}, Filters(("pothole", "noise")), []),
        ({"type": "pothole"}, Filters(("pothole",)), []),
        ({"type": ["pothole", "pothole"]}, Filters(("pothole",)), []),
        ({"type": ["pothole", "nope"]}, Filters(("pothole",)), ["Ignored unknown request type 'nope'."]),
        ({"status": "open"}, Filters(status="open"), []),
        ({"status": "overdue"}, Filters(status="overdue"), []),
        ({"status": "OPEN"}, Filters(), ["Ignored unknown status 'OPEN'; use open, closed or overdue."]),
        ({"from": "2024-02-01", "to": "2024-02-29"}, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29)), []),
        ({"from": "2024-02-30"}, Filters(), ["Ignored the start date '2024-02-30': use YYYY-MM-DD."]),
        (
            {"to": "2023-12-31"},
            Filters(),
            ["Ignored the end date 2023-12-31: the release covers 2024-01-01 to 2024-03-31."],
        ),
        (
            {"from": "2024-03-01", "to": "2024-02-01"},
            Filters(),
            ["Ignored the dates: the start 2024-03-01 is after the end 2024-02-01."],
        ),
        ({"nbhd": "N2"}, Filters(neighborhood="N2"), []),
        ({"nbhd": "N1' OR 1=1"}, Filters(), ["Ignored unknown neighborhood 'N1' OR 1=1'."]),
        ({"nbhd": ["N1", "N2"]}, Filters(neighborhood="N2"), []),  # the last value wins
        ({"status": "  "}, Filters(), []),  # blank means unset
        ({"utm_source": "x", "id": "7"}, Filters(), []),  # other keys are not filters
    ],
)
def test_parse_filters(params, filters, messages):
    parsed = parse_filters(params, VOCAB)
    assert (parsed.filters, [EN.msg(m) for m in parsed.messages]) == (filters, messages)


def test_parse_filters_truncates_long_values_in_messages():
    parsed = parse_filters({"type": "x" * 500}, VOCAB)
    assert [EN.msg(m) for m in parsed.messages] == ["Ignored unknown request type '" + "x" * 39 + "…'."]


def test_filters_count_what_is_set():
    assert Filters().active == 0
    assert Filters(("a", "b"), "open", date(2024, 1, 1), date(2024, 2, 1), "N1").active == 4  # the dates are one


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(("graffiti", "pothole"), "closed", date(2024, 1, 5), date(2024, 3, 1), "N1"),
        Filters(status="overdue", end=date(2024, 3, 31)),
    ],
)
def test_round_trip_through_params(filters):
    assert parse_filters(filters.to_params(), VOCAB).filters == filters


def test_to_params_and_to_dict():
    f = Filters(("pothole",), "open", date(2024, 1, 5), None, "N1")
    assert f.to_params() == {"type": ["pothole"], "status": "open", "from": "2024-01-05", "nbhd": "N1"}
    assert f.to_dict() == {
        "service_codes": ["pothole"],
        "status": "open",
        "start": "2024-01-05",
        "end": None,
        "neighborhood": "N1",
    }


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ("count", [])),
        ({"measure": "backlog"}, ("backlog", [])),
        ({"measure": "sum"}, ("count", ["Ignored the unknown value 'sum' of “measure” in the link; showing count."])),
    ],
)
def test_parse_choice(params, expected):
    value, messages = parse_choice(params, "measure", MEASURES, "count")
    assert (value, [EN.msg(m) for m in messages]) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, (None, None)),
        ("   ", (None, None)),
        (" SR-9 ", ("SR-9", None)),
        ("1' OR '1'='1", ("1' OR '1'='1", None)),  # harmless: only ever a bound parameter
        ("x" * 64, ("x" * 64, None)),
        ("x" * 65, (None, "A request id has at most 64 characters; '" + "x" * 39 + "…' is longer.")),
        ("SR\x00-9", (None, "That request id contains control characters; please check it.")),
    ],
)
def test_clean_request_id(raw, expected):
    found, problem = clean_request_id(raw)
    assert (found, problem and EN.msg(problem)) == expected
