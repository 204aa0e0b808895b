"""Text values: codes, title case and repaired mojibake, as tables of raw -> exact output (etl/strings.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.strings import fix_mojibake, slugify, title_case


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HEAT/HOT WATER", "heat-hot-water"),
        ("Plumbing", "plumbing"),
        ("PLUMBING", "plumbing"),
        ("Noise - Street/Sidewalk", "noise-street-sidewalk"),
        ("Snow \u2013 Uncleared Sidewalk Complaint", "snow-uncleared-sidewalk-complaint"),
        ("Emergency Response Team (ERT)", "emergency-response-team-ert"),
        ("Caf\u00e9 Cr\u00e8me", "cafe-creme"),
        ("311 INFORMATION ONLY CALL", "311-information-only-call"),
        ("  --x--  ", "x"),
        ("!!!", ""),
    ],
)
def test_slugify(raw, expected):
    assert slugify(pd.Series([raw])).tolist() == [expected]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HEAT/HOT WATER", "Heat/Hot Water"),
        ("311 INFORMATION ONLY CALL", "311 Information Only Call"),
        ("NON-RESIDENTIAL HEAT", "Non-Residential Heat"),
        ("CHILDREN'S PLAYGROUND", "Children's Playground"),
        ("OWNER\u2019S ISSUE", "Owner\u2019s Issue"),
        ("2ND AVENUE DEBRIS", "2nd Avenue Debris"),
        ("\u00c9COLE", "\u00c9cole"),
    ],
)
def test_title_case(raw, expected):
    assert title_case(pd.Series([raw])).tolist() == [expected]


def test_fix_mojibake_touches_only_suspicious_cells():
    values = pd.Series(["plain", "don\u00e2\u0080\u0099t", ""])
    assert fix_mojibake(values).tolist() == ["plain", "don\u2019t", ""]
