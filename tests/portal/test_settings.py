"""The dashboard's settings: each declared once, documented, read when used."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal import settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


@pytest.mark.parametrize("name", sorted(settings.SETTINGS))
def test_every_setting_is_in_the_deployment_docs(name):
    default, _ = settings.SETTINGS[name]
    row = next((ln for ln in DOCS.read_text(encoding="utf-8").splitlines() if ln.startswith(f"| `{name}` |")), None)
    assert row is not None, f"{name} is not in the settings table of docs/deployment.md"
    assert (f"`{default}`" if default else "(empty)") in row


@pytest.mark.parametrize("value, on", [(None, True), ("carto", True), ("none", False), ("NONE", False), ("", True)])
def test_basemap_setting(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv("PORTAL_BASEMAP", raising=False)
    else:
        monkeypatch.setenv("PORTAL_BASEMAP", value)
    assert settings.basemap_on() is on
