"""The loopback sources' query language: conditions and orders parsed exactly, the rest refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from replay.query import Condition, QueryError, holds, literal_value, parse_order, parse_where

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    "text, conditions",
    [
        ("", []),
        ("1=1", []),
        ("created >= '2024-03-01T00:00:00.000'", [Condition("created", ">=", "2024-03-01T00:00:00.000", False)]),
        (
            ":updated_at > '2024-03-01T06:00:00.000Z' AND agency = 'Police'",
            [
                Condition(":updated_at", ">", "2024-03-01T06:00:00.000Z", False),
                Condition("agency", "=", "Police", False),
            ],
        ),
        ("\"Request ID\" = 'R-0001'", [Condition("Request ID", "=", "R-0001", False)]),
        (
            "notes = 'Rock and Roll' and ward != 3",
            [Condition("notes", "=", "Rock and Roll", False), Condition("ward", "<>", "3", False)],
        ),
        ("name = 'O''Hare'", [Condition("name", "=", "O'Hare", False)]),
        ("Updated >= TIMESTAMP '2024-03-01 14:00:00'", [Condition("Updated", ">=", "2024-03-01 14:00:00", True)]),
    ],
)
def test_parse_where(text, conditions):
    assert parse_where(text) == conditions


@pytest.mark.parametrize(
    "text, message",
    [
        ("created >> '2024'", "cannot parse the condition \"created >> '2024'\""),
        ("created >= '2024' OR 1=1", "cannot parse the condition \"created >= '2024' OR 1=1\""),
        ("drop table x", "cannot parse the condition 'drop table x'"),
    ],
)
def test_parse_where_refuses(text, message):
    with pytest.raises(QueryError) as exc:
        parse_where(text)
    assert str(exc.value) == message


def test_parse_order():
    assert parse_order(':updated_at ASC, :id, "Request ID" desc') == [
        (":updated_at", False),
        (":id", False),
        ("Request ID", True),
    ]
    with pytest.raises(QueryError):
        parse_order("created sideways")


@pytest.mark.parametrize(
    "literal, utc, expected",
    [
        ("2024-03-01T08:00:00.000", False, datetime(2024, 3, 1, 8, tzinfo=CHICAGO)),  # floating: the city's time
        ("2024-03-01T14:00:00.000Z", False, datetime(2024, 3, 1, 14, tzinfo=UTC)),
        ("2024-03-01 14:00:00", True, datetime(2024, 3, 1, 14, tzinfo=UTC)),  # ArcGIS TIMESTAMP: UTC
    ],
)
def test_literal_value_times(literal, utc, expected):
    column = pd.Series([pd.Timestamp("2024-01-01", tz=CHICAGO)])
    assert literal_value(Condition("f", ">=", literal, utc), column, CHICAGO) == expected


def test_holds_sql_semantics():
    text = pd.Series(["Police", None, "B"], dtype="str")
    assert holds(text, "=", "Police").tolist() == [True, False, False]  # a null never matches
    assert holds(text, "<>", "Police").tolist() == [False, False, True]
    numbers = pd.Series([3.0, float("nan"), 2.5])
    assert holds(numbers, ">=", 3.0).tolist() == [True, False, False]
    times = pd.Series([pd.Timestamp("2024-03-01 08:00", tz=CHICAGO), pd.NaT]).dt.tz_convert(CHICAGO)
    assert holds(times, "=", pd.Timestamp("2024-03-01 14:00", tz="UTC")).tolist() == [True, False]
