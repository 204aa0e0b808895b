"""core.insight.exposure: day fractions across DST, weekday weights, exposures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.insight.exposure import day_fractions, exposure, weekday_days, weekday_weights

NY = "America/New_York"


def test_day_fractions_across_the_spring_change():
    # Sat 12:00 to Mon 06:00; Sunday 10 March 2024 has 23 hours and is wholly inside
    days = day_fractions(pd.Timestamp("2024-03-09 12:00", tz=NY), pd.Timestamp("2024-03-11 06:00", tz=NY), NY)
    assert days.to_dict("list") == {"weekday": [5, 6, 0], "fraction": [0.5, 1.0, 0.25]}


def test_day_fractions_of_a_whole_week_from_midnight():
    days = day_fractions(pd.Timestamp("2024-03-01", tz=NY), pd.Timestamp("2024-03-08", tz=NY), NY)
    assert days["weekday"].tolist() == [4, 5, 6, 0, 1, 2, 3]
    assert days["fraction"].tolist() == [1.0] * 7
    assert weekday_days(days).tolist() == [1.0] * 7


def test_day_fractions_in_utc_input_use_local_days():
    start = pd.Timestamp("2024-03-01 05:00", tz="UTC")  # midnight in New York
    days = day_fractions(start, start + pd.Timedelta(hours=36), NY)
    assert days.to_dict("list") == {"weekday": [4, 5], "fraction": [1.0, 0.5]}
    assert day_fractions(start, start, NY).empty


def test_weekday_weights_make_an_average_day_weigh_one():
    # four weeks: 2 requests each weekday, none at weekends -> rates 2 and 0, mean 10/7
    weights = weekday_weights([[8, 8, 8, 8, 8, 0, 0]], np.full(7, 4.0))
    assert weights[0] == pytest.approx([1.4] * 5 + [0, 0], abs=1e-15)


def test_weekday_weights_fall_back_to_one():
    weights = weekday_weights([[0] * 7, [3, 0, 0, 0, 0, 0, 0]], np.array([1.0, 0, 0, 0, 0, 0, 0]))
    assert weights.tolist() == [[1.0] * 7, [1.0] * 7]  # nothing counted; weekdays never covered


def test_exposure_of_a_monday_against_four_weeks():
    monday = pd.DataFrame({"weekday": [0], "fraction": [1.0]})
    four_weeks = pd.DataFrame({"weekday": list(range(7)) * 4, "fraction": [1.0] * 28})
    weights = np.array([[1.4] * 5 + [0, 0], [1.0] * 7])
    assert exposure(monday, weights).tolist() == pytest.approx([1.4, 1.0])
    assert exposure(four_weeks, weights).tolist() == pytest.approx([28.0, 28.0])
