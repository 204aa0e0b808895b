"""docs/methods.md lists every insight setting with its default and meaning (like docs/profiles.md)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from core.insight.settings import HELP, SETTINGS, Settings, setting_names

METHODS_MD = Path(__file__).resolve().parents[3] / "docs" / "methods.md"


def _settings_table() -> list[list[str]]:
    text = METHODS_MD.read_text(encoding="utf-8").split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in text.splitlines() if ln.startswith("|")][2:]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]


def test_methods_md_documents_every_setting():
    expected = [[f"`{n}`", f"`{json.dumps(getattr(SETTINGS, n))}`", HELP[n]] for n in setting_names()]
    assert _settings_table() == expected


def test_every_setting_has_help():
    assert set(HELP) == {f.name for f in fields(Settings)}


def test_settings_refuse_impossible_values():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        Settings(fdr=0)
    with pytest.raises(ValueError, match="cannot exceed the baseline"):
        Settings(baseline_weeks=2, min_baseline_days=28)
