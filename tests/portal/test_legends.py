"""Map classes and legends: equal intervals, colours, words in the visitor's language."""

from __future__ import annotations

import pytest

from portal import legends
from portal.i18n import translator


@pytest.mark.parametrize(
    "values, edges",
    [
        ([], []),
        ([None, None], []),
        ([3, 3], [3.0, 3.0]),
        ([0, 10], [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
        ([5, None, 15], [5.0, 7.0, 9.0, 11.0, 13.0, 15.0]),
    ],
)
def test_class_edges(values, edges):
    assert legends.class_edges(values) == pytest.approx(edges)


@pytest.mark.parametrize(
    "value, index",
    [
        (None, None),
        (0, 0),
        (1.99, 0),
        (2, 1),
        (7.5, 3),
        (9.99, 4),
        (10, 4),
    ],
)
def test_class_index(value, index):
    assert legends.class_index(value, [0, 2, 4, 6, 8, 10]) == index


def test_legend_labels_and_no_data():
    assert legends.legend([0, 2, 4, 6, 8, 10]) == [
        ("#00224E", "0 – 2"),
        ("#414D6B", "2 – 4"),
        ("#7C7B78", "4 – 6"),
        ("#BCAF6F", "6 – 8"),
        ("#FEE838", "8 – 10"),
        ("#D9D9D9", "no data"),
    ]
    assert legends.legend([3.0, 3.0], decimals=1) == [("#00224E", "3.0"), ("#D9D9D9", "no data")]


def test_legend_in_spanish_and_without_no_data():
    es = translator("es")
    assert legends.legend([0, 1500.5], decimals=1, tr=es, no_data=False) == [("#00224E", "0,0 – 1.500,5")]
    assert legends.legend([2.5, 2.5], decimals=1, tr=es)[-1] == ("#D9D9D9", "sin datos")


def test_swatches_carry_the_layer_alpha_and_outline_only_labels():
    assert legends.swatches([("#00224E", "low"), ("#FFFFFF", "outside")], alpha=150, outline=("outside",)) == [
        ("rgba(0,34,78,0.588)", "low", False),
        ("rgba(255,255,255,0.588)", "outside", True),
    ]
