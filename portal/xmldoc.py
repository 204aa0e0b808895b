"""XML documents in the shape Open311 defines: the JSON answer mapped element by element.

Open311 GeoReport v2 maps XML and JSON onto each other by the Spark convention: an object is an
element per key, a list is a plural element holding one singular element per item
(``<service_requests><request>...``), ``null`` is an empty element and booleans are ``true`` /
``false``. The document is built with ElementTree, so every value is escaped by the XML library;
characters XML 1.0 cannot carry at all (control characters) are dropped first.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement, tostring

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# plural element -> its items' element (Open311 GeoReport v2 and Service Discovery)
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _NOT_XML.sub("", text)


def xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _fill(parent: Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(SubElement(parent, key), item)
    elif isinstance(value, list):
        name = ITEMS[parent.tag]
        for item in value:
            _fill(SubElement(parent, name), item)
    else:
        parent.text = xml_text(value)


def to_xml(root: str, value) -> bytes:
    """The document ``<root>`` for a JSON-able ``value`` (a list needs ``root`` in ``ITEMS``)."""
    element = Element(root)
    _fill(element, value)
    # A parser turns a literal CR into LF; as a character reference it survives.
    return DECLARATION + tostring(element, encoding="unicode").replace("\r", "&#13;").encode("utf-8")
