"""Finding a place: neighborhoods by name (any case, no accents needed) and published blocks."""

from __future__ import annotations

import pytest

from portal import places, queries

NBHDS = [
    {"neighborhood_code": "1", "name": "Ñandú Park"},
    {"neighborhood_code": "2", "name": "Northside"},
    {"neighborhood_code": "3", "name": "East Northside"},
]


@pytest.mark.parametrize(
    "query, codes",
    [
        ("north", ["2", "3"]),  # a name that starts with it first
        ("NANDU", ["1"]),  # no accents needed
        ("ñandú park", ["1"]),
        ("  ", []),
        ("zzz", []),
    ],
)
def test_find_neighborhoods(query, codes):
    assert [p.code for p in places.find_neighborhoods(NBHDS, query)] == codes


def test_clean_query_is_plain_and_short():
    assert places.clean_query("  Main\x00 St  ") == "Main St"
    assert len(places.clean_query("x" * 500)) == places.MAX_QUERY


def test_blocks_are_found_in_the_release_and_only_where_published(conn):
    found = queries.find_blocks(conn, "main st", limit=20)
    # 13 of the 15 requests: SR-15 has no place, SR-13 is a sensitive type (placed at random, no address)
    assert len(found) == 13 and "1300 block of MAIN ST" not in {b["address"] for b in found}
    assert found[0] == {
        "address": "100 block of MAIN ST",
        "neighborhood_code": "N1",
        "point": [-104.998, 39.751],
        "n": 1,
    }
    assert [b["address"] for b in queries.find_blocks(conn, "1100 BLOCK")] == ["1100 block of MAIN ST"]
    assert queries.find_blocks(conn, "%") == queries.find_blocks(conn, "_") == []  # LIKE's wildcards are literal
    assert len(queries.find_blocks(conn, "main", limit=3)) == 3


def test_places_list_neighborhoods_then_blocks():
    blocks = [{"address": "100 block of NORTH AVE", "neighborhood_code": "2", "point": [1.0, 2.0], "n": 4}]
    found = places.places(NBHDS, blocks, "north")
    assert [(p.kind, p.label) for p in found] == [
        ("neighborhood", "Northside"),
        ("neighborhood", "East Northside"),
        ("block", "100 block of NORTH AVE"),
    ]
    assert found[-1].point == [1.0, 2.0]
