"""Open311's XML: the JSON answer mapped element by element (Spark convention), parsed back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from portal.xmldoc import to_xml, xml_safe


def test_lists_objects_null_and_booleans():
    doc = to_xml("services", [{"service_code": "a&b", "metadata": False, "group": None, "lat": 39.5}])
    assert doc == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<services><service><service_code>a&amp;b</service_code><metadata>false</metadata>"
        b"<group /><lat>39.5</lat></service></services>"
    )


def test_nested_plurals_and_markup_stays_text():
    doc = to_xml(
        "discovery",
        {"contact": "<script>alert(1)</script>", "endpoints": [{"formats": ["text/xml", "application/json"]}]},
    )
    root = ET.fromstring(doc)
    assert root.findtext("contact") == "<script>alert(1)</script>"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize(
    "text, kept",
    [
        ("a\x00b\x08c\x0bd\x1fe", "abcde"),
        ("tab\tnew\nline\r", "tab\tnew\nline\r"),
        ("é 中 \U0001f600", "é 中 \U0001f600"),
        ("\ud800x\ufffe", "x"),
    ],
)
def test_characters_xml_cannot_hold_are_dropped(text, kept):
    assert xml_safe(text) == kept
    assert ET.fromstring(to_xml("errors", [{"description": text}])).findtext("error/description") == kept


def test_an_unknown_plural_is_a_programming_error():
    with pytest.raises(KeyError):
        to_xml("things", [1])
