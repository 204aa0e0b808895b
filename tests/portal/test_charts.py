"""Charts: bars in the given order, the period's partial first bar marked, numbers as text too."""

from __future__ import annotations

import pandas as pd
from sample_release import TZ, T

from portal import brief, charts
from portal.i18n import translator

EN, ES = translator("en"), translator("es")


def test_trend_rows_keep_order_and_mark_the_short_first_bar(conn):
    b = brief.build_brief(conn, T, TZ, "N1", 30, "Last 30 days")
    assert [(r["label"], r["n"], r["part"]) for r in charts.trend_rows(b, EN)] == [
        ("Mar 1*", 0, "partial"),
        ("Mar 3", 0, "whole"),
        ("Mar 10", 1, "whole"),
        ("Mar 17", 2, "whole"),
        ("Mar 24", 0, "whole"),
    ]
    assert charts.trend_alt(b, ES, "Solicitudes por semana").startswith("Solicitudes por semana: 1 mar* 0; 3 mar 0")
    spec = charts.trend_chart(b, EN, "requests").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["Mar 1*", "Mar 3", "Mar 10", "Mar 17", "Mar 24"]


def test_target_rows_pair_each_type_median_with_its_target():
    table = pd.DataFrame({"group": ["Pothole", "Noise", "Graffiti"], "median_days": [4.0, 1.25, None]})
    types = [
        {"service_name": "Pothole", "target_days": 5.0},
        {"service_name": "Noise", "target_days": None},
        {"service_name": "Graffiti", "target_days": 10.0},
    ]
    rows = charts.target_rows(table, types, ES)
    assert [(r["group"], r["median"], r["target"], r["median_text"], r["target_text"]) for r in rows] == [
        ("Pothole", 4.0, 5.0, "4,0", "5,0"),
        ("Noise", 1.25, None, "1,2", "ninguno"),  # no median: Graffiti is left out
    ]
    assert charts.target_alt(rows, EN) == "Pothole: median 4,0 days, target 5,0; Noise: median 1,2 days, target ninguno"
