"""Free text scrubbing as tables of input -> exact output (etl/scrub.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.scrub import neutralise_formula, scrub_columns, scrub_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        # e-mail addresses, also spelled out
        ("write to john.doe+311@example.com today", "write to [email removed] today"),
        ("john [at] example [dot] com", "[email removed]"),
        ("JOHN(at)EXAMPLE(dot)ORG", "[email removed]"),
        # US phone numbers
        ("call me at 212-555-0199", "call me at [phone removed]"),
        ("(212) 555-0199", "[phone removed]"),
        ("212.555.0199", "[phone removed]"),
        ("2125550199", "[phone removed]"),
        ("+1 212 555 0199", "[phone removed]"),
        ("please call 311 (or 212-639-9675 if outside NYC)", "please call 311 (or [phone removed] if outside NYC)"),
        # international phone numbers
        ("+44 20 7946 0958", "[phone removed]"),
        ("+33 1 23 45 67 89", "[phone removed]"),
        ("0044 20 7946 0958", "[number removed]"),  # 15 digits: caught by the card rule first; removed either way
        # URLs: with a query string removed, without kept; script URLs removed
        ("see https://x.org/a?token=abc&u=1 now", "see [link removed] now"),
        ("www.example.com/?q=1", "[link removed]"),
        ("status at nyc.gov/311 or https://nyc.gov/311", "status at nyc.gov/311 or https://nyc.gov/311"),
        ("javascript:alert(1)", "[link removed]alert(1)"),
        ("DATA : text/html,x", "[link removed]x"),
        ("data:text/html;base64,PHNj", "[link removed]base64,PHNj"),
        ("Missing data: see notes", "Missing data: see notes"),
        # card and social security numbers
        ("card 4111 1111 1111 1111 exp", "card [number removed] exp"),
        ("4111-1111-1111-1111", "[number removed]"),
        ("4111111111111111", "[number removed]"),
        ("SSN 123-45-6789", "SSN [number removed]"),
        ("123 45 6789", "[number removed]"),
        # markup out; a lone < or > is text, made harmless
        ("<b>Fixed</b> ok", "Fixed ok"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("&lt;script&gt;x", "x"),
        ("<img src=x onerror=alert(1)", ""),
        ("a < b > c", "a \u2039 b \u203a c"),
        ("5 > 3", "5 \u203a 3"),
        # ids, dates, times, short numbers and ZIP codes stay
        ("Ticket 12345 on 02/28/2023 at 11:45", "Ticket 12345 on 02/28/2023 at 11:45"),
        ("Order 56923577, SR 1-870704831", "Order 56923577, SR 1-870704831"),
        ("ZIP 10001-1234", "ZIP 10001-1234"),
        ("  spaced \n out  ", "spaced out"),
    ],
)
def test_scrub_text(raw, expected):
    assert scrub_text(raw, 2000) == expected


def test_scrub_text_cuts_to_max_length_after_scrubbing():
    assert scrub_text("call 212-555-0199 " + "x" * 50, 20) == "call [phone removed]"
    assert scrub_text("x" * 30, 25) == "x" * 25


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1 555", "'+1 555"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok = fine", "ok = fine"),
        ("", ""),
        ("'=quoted", "'=quoted"),
    ],
)
def test_neutralise_formula(raw, expected):
    assert neutralise_formula(raw) == expected


def test_scrub_columns_flags_each_changed_column():
    frame = pd.DataFrame(
        {
            "description": ['=HYPERLINK("x")', "call 212-555-0199", "fine"],
            "address": ["-999 RODNEY ST", "10 MAIN ST", "10 MAIN ST"],
            "service_name": ["Noise", "Noise", "Noise"],
            "redaction_reason": ["", "", ""],
        }
    )
    out = scrub_columns(frame, 2000)
    assert out["description"].tolist() == ['\'=HYPERLINK("x")', "call [phone removed]", "fine"]
    assert out["address"].tolist() == ["'-999 RODNEY ST", "10 MAIN ST", "10 MAIN ST"]
    assert out["redaction_reason"].tolist() == [
        "text_scrubbed_description;text_scrubbed_address",
        "text_scrubbed_description",
        "",
    ]
