"""Filters <-> query parameters: every value validated, bad ones dropped with a message."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from portal.filters import (
    MEASURES,
    Filters,
    Vocabulary,
    clean_request_id,
    listed,
    parse_bbox,
    parse_choice,
    parse_filters,
    parse_paging,
    parse_w3c,
    unknown_params,
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


def test_parse_filters_names_the_parameter_of_each_message():
    parsed = parse_filters(
        {"type": ["nope", "pothole"], "status": "x", "from": "2024-03-01", "to": "2024-02-01"}, VOCAB
    )
    assert parsed.rejected == ["type", "status", "from"]
    assert parsed.messages[2] == "Ignored the dates: the start 2024-03-01 is after the end 2024-02-01."


# --- the open interfaces' values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-01T00:00:00Z", datetime(2024, 3, 1)),
        ("2024-03-01T08:15:30-05:00", datetime(2024, 3, 1, 13, 15, 30)),
        ("2024-03-01T08:15+01:00", datetime(2024, 3, 1, 7, 15)),
        ("2024-03-01T08:15:30.25Z", datetime(2024, 3, 1, 8, 15, 30, 250000)),
    ],
)
def test_parse_w3c(text, expected):
    assert parse_w3c(text, "start_date") == expected


@pytest.mark.parametrize(
    "text",
    ["2024-03-01", "2024-03-01T00:00:00", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "yesterday",
     "2024-03-01T25:00:00Z", "2024-03-01T00:00:00+25:00", "2024-03-01 00:00:00Z", "1' OR '1'='1", "2024-03-01T00:00:00Z" + "0" * 50],
)  # fmt: skip
def test_parse_w3c_refuses_anything_else(text):
    with pytest.raises(ValueError) as exc:
        parse_w3c(text, "end_date")
    assert str(exc.value).startswith("end_date '") and "is not a W3C datetime with a time zone" in str(exc.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-105,39.75,-104.99,39.76", (-105.0, 39.75, -104.99, 39.76)),
        (" -180 , -90 , 180 , 90 ", (-180.0, -90.0, 180.0, 90.0)),
        ("1,2,1,2", (1.0, 2.0, 1.0, 2.0)),
    ],
)
def test_parse_bbox(text, expected):
    assert parse_bbox(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2,3", "bbox takes four numbers: min_long,min_lat,max_long,max_lat; got '1,2,3'."),
        ("1,2,3,4,5", "bbox takes four numbers: min_long,min_lat,max_long,max_lat; got '1,2,3,4,5'."),
        ("a,b,c,d", "bbox takes four numbers: min_long,min_lat,max_long,max_lat; 'a,b,c,d' holds something else."),
        ("nan,1,2,3", "bbox takes four numbers: min_long,min_lat,max_long,max_lat; 'nan,1,2,3' is not finite."),
        ("2,0,1,1", "bbox '2,0,1,1' is outside -180..180, -90..90 or has a minimum above its maximum."),
        ("0,0,181,1", "bbox '0,0,181,1' is outside -180..180, -90..90 or has a minimum above its maximum."),
    ],
)
def test_parse_bbox_refuses(text, message):
    with pytest.raises(ValueError) as exc:
        parse_bbox(text)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, (1, 1000, [])),
        ({"page": "3", "page_size": "50"}, (3, 50, [])),
        ({"page": " ", "page_size": ""}, (1, 1000, [])),
        ({"page_size": "1000000000"}, (1, 1000, ["page_size must be from 1 to 5,000; got 1,000,000,000."])),
        ({"page_size": "0"}, (1, 1000, ["page_size must be from 1 to 5,000; got 0."])),
        ({"page": "-1"}, (1, 1000, ["page must be a whole number from 1 to 1,000,000; got '-1'."])),
        ({"page": "1e3", "page_size": "2.5"}, (1, 1000, [
            "page must be a whole number from 1 to 1,000,000; got '1e3'.",
            "page_size must be a whole number from 1 to 5,000; got '2.5'.",
        ])),
    ],
)  # fmt: skip
def test_parse_paging(params, expected):
    assert parse_paging(params, 1000, 5000) == expected


def test_listed_and_unknown_params():
    assert listed({"service_code": ["a,b", " c ,", ""]}, "service_code") == ["a", "b", "c"]
    assert unknown_params({"type": "x", "stauts": "open"}, {"type": "", "status": ""}) == [
        "Unknown parameter 'stauts'; this address takes status, type."
    ]
