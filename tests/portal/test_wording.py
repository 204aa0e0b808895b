"""The brief's words: numbers with their n, the period, the chart's note, the imprint of downloads."""

from __future__ import annotations

import pytest
from sample_release import TZ, T

from portal import brief, wording
from portal.i18n import translator
from portal.metrics import Measure

EN = translator("en")


@pytest.fixture
def n1(conn):
    return brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")


@pytest.mark.parametrize(
    "m, share, text",
    [
        (Measure(6.0, 7), False, "6.0 days (n = 7 closed · small sample)"),
        (
            Measure(5.0, 6, 4, 1),
            False,
            "5.0 days (n = 6 closed; 4 still open and 1 closed without a usable close date, not counted · small sample)",
        ),
        (Measure(0.5, 20), True, "50.0% (n = 20 closed)"),
        (Measure(0.76, 4417, 580), False, "0.8 days (n = 4,417 closed; 580 still open, not counted)"),
        (Measure(None, 0), False, "no data (n = 0 closed)"),
        (Measure(None, 0, 3), True, "no data (n = 0 closed; 3 still open, not counted)"),
    ],
)
def test_measure_text(m, share, text):
    assert wording.measure_text(m, EN, share=share) == text


def test_period_text_says_received(n1):
    assert (
        wording.period_text(n1, EN) == "Last 30 days: requests received Mar 1, 2024 to Mar 31, 2024, 6:00\u202fAM MDT"
    )


def test_key_numbers_carry_n_and_what_is_left_out(n1):
    assert dict(wording.key_numbers(n1, EN)) == {
        "New requests in the period": "3",
        "Open at the data's end (backlog)": "2",
        "Open and overdue": "2",
        "Median days to close, here": "3.0 days (n = 2 closed; 1 still open, not counted · small sample)",
        "Median days to close, citywide": "5.0 days (n = 6 closed; 4 still open and "
        "1 closed without a usable close date, not counted · small sample)",
        "Closed within target, here": "100.0% (n = 2 closed; 1 still open, not counted · small sample)",
    }


def test_trend_note_says_what_the_bars_cover(n1):
    assert wording.trend_note(n1, EN) == (
        "Each bar counts the requests received in the 7 days from the date under it. "
        "* The first bar covers only 2.0 days: the period starts on Mar 1, 2024."
    )


def test_imprint_names_the_city_release_date_licence_and_address(n1):
    imprint = wording.Imprint("Test City 311", "1.0.0", "CC0-1.0", "Test", False, "https://311.example.org/")
    assert wording.imprint_lines(imprint, n1, EN) == [
        "Test City 311 · release 1.0.0 · data through Mar 31, 2024, 6:00\u202fPM MDT",
        "license: CC0-1.0 · https://311.example.org/neighborhood?nbhd=N1",
    ]
    es = wording.imprint_lines(imprint, n1, translator("es"))
    assert es[1] == "licencia: CC0-1.0 · https://311.example.org/neighborhood?nbhd=N1&lang=es"


def test_oldest_table_links_ids_to_track(n1):
    columns, rows = wording.oldest_table(n1, EN, "es")
    assert [c.header for c in columns] == ["Request id", "Type", "City's status", "Requested", "Open for", "Overdue"]
    assert rows[0]["id"].href == "track?id=SR-14&lang=es" and rows[0]["age"] == "100 days"
    assert (rows[0]["requested"], rows[0]["overdue"]) == ("Dec 22, 2023", "yes")
