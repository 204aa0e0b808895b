"""core/figures.py: the write side stores the read side's figures without importing it (the
figures themselves: tests/portal/test_summaries.py)."""

from __future__ import annotations

from core import figures


def test_the_read_sides_summaries_are_registered():
    from portal.summaries import store_release

    assert figures.GROUP == "portal311.release_figures"
    assert figures.registered() == (store_release,)


def test_store_figures_calls_each_registered_function_with_the_load_connection(monkeypatch):
    calls = []
    monkeypatch.setattr(
        figures,
        "registered",
        lambda: (lambda *args: calls.append(("a", *args)), lambda *args: calls.append(("b", *args))),
    )
    figures.store_figures("conn", "1.2.0", "2025-01-01T00:00:00+00:00", connect="connect")
    assert calls == [
        ("a", "conn", "1.2.0", "2025-01-01T00:00:00+00:00", "connect"),
        ("b", "conn", "1.2.0", "2025-01-01T00:00:00+00:00", "connect"),
    ]
