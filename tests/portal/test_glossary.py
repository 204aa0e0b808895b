"""Every key of a release's report and changelog is explained, in the words of docs/data-rules.md."""

from __future__ import annotations

import pytest

from portal import glossary
from portal.i18n import translator

REPORT = {
    "rows_read": 17,
    "mode": "full",
    "base_version": None,
    "quarantine_reasons": {"missing_id": 1, "duplicate_id_superseded": 1},
    "quality_flags": {"mojibake_fixed_status_notes": 59, "missing_coordinates": 3},
    "redactions": {"text_scrubbed_description": 2},
    "input": {"file": "requests.csv", "columns_not_published": ["reporter_email"]},
    "timing_seconds": {"transform+write": 0.35},
}


@pytest.mark.parametrize(
    "doc, path, text",
    [
        ("report", ("rows_read",), "Rows read from the city's export."),
        ("report", ("input", "file"), "Its file name."),
        ("report", ("timing_seconds", "transform+write"), "Seconds spent on that step."),  # a <step>
        ("report", ("quality_flags", "missing_coordinates"), "no map point"),
        ("report", ("quality_flags", "mojibake_fixed_status_notes"), None),  # checked below: the <field> row
        ("report", ("quarantine_examples", "missing_id"), "the id is blank"),
        ("changelog", ("status_changes", "open->closed"), None),
        ("report", ("no_such_key",), None),
    ],
)
def test_explanation(doc, path, text):
    found = glossary.explanation(doc, path)
    if text is not None:
        assert found == text
    elif path[-1] == "mojibake_fixed_status_notes":
        assert found.startswith("garbled characters")
    elif path[0] == "status_changes":
        assert found.startswith("Requests whose status went from the first to the second")
    else:
        assert found is None


def test_entries_give_every_key_its_value_and_meaning_in_plain_words():
    sections = dict(glossary.entries("report", REPORT, translator("en")))
    top = {e.key: (e.value, e.meaning) for e in sections[""]}
    assert top["rows_read"] == ("17", "Rows read from the city's export.")
    assert top["base_version"][0] == "—"
    flags = sections["quality_flags: Published rows carrying each data-quality flag."]
    assert [(e.key, e.value) for e in flags] == [("mojibake_fixed_status_notes", "59"), ("missing_coordinates", "3")]
    assert "`" not in " ".join(e.meaning for e in flags)  # code marks dropped for reading
    assert {e.key: e.value for e in sections["input: The export that was read."]}["columns_not_published"] == (
        "reporter_email"
    )


def test_entries_in_spanish():
    sections = dict(glossary.entries("report", REPORT, translator("es")))
    assert {e.key: e.meaning for e in sections[""]}["rows_read"] == "Filas leídas de la exportación de la ciudad."
    assert any(title.startswith("quality_flags: Filas publicadas") for title in sections)
