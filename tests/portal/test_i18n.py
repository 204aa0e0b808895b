"""Languages: which exist, how a requested one is matched, and numbers and dates per locale."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from portal import i18n
from portal.i18n import N_, Msg, translator

EN, ES, ZH = translator("en"), translator("es"), translator("zh_Hans")
WHEN = datetime(2026, 11, 1, 5, 47)  # naive UTC: Oct 31, 2026, 11:47 PM in Denver (MDT)


def test_languages_are_english_and_every_catalog_by_its_own_name():
    assert i18n.languages() == {"en": "English", "es": "Español", "zh_Hans": "中文 (简体)"}


@pytest.mark.parametrize(
    "requested, code",
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("ES", "es"),
        ("zh-Hans", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("en-US", "en"),
        ("fr", None),
        ("", None),
        (None, None),
        ("<script>", None),
    ],
)
def test_match_language(requested, code):
    assert i18n.match_language(requested) == code


@pytest.mark.parametrize(
    "url, chosen, browser, code",
    [
        ("es", "zh_Hans", "en-US", "es"),  # a shared link opens in its sender's language
        (None, "zh_Hans", "es-MX", "zh_Hans"),  # then this session's choice
        (None, None, "es-MX", "es"),  # then the browser's language, when there is a catalog
        ("xx", None, "fr-FR", "en"),  # else English
    ],
)
def test_resolve(url, chosen, browser, code):
    assert i18n.resolve(url, chosen, browser) == code


@pytest.mark.parametrize(
    "tr, number, decimal, percent, day, when",
    [
        (EN, "1,234,567", "71.9", "71.9%", "Oct 31, 2026", "Oct 31, 2026, 11:47\u202fPM MDT"),
        (ES, "1.234.567", "71,9", "71,9\xa0%", "31 oct 2026", "31 oct 2026, 23:47 MDT"),
        (ZH, "1,234,567", "71.9", "71.9%", "2026年10月31日", "2026年10月31日 23:47 MDT"),
    ],
)
def test_numbers_and_dates_follow_the_locale(tr, number, decimal, percent, day, when):
    assert tr.number(1234567) == number
    assert tr.decimal(71.94) == decimal
    assert tr.percent(0.7194) == percent
    assert tr.date(date(2026, 10, 31)) == day
    assert tr.datetime(WHEN, "America/Denver") == when


@pytest.mark.parametrize("tr", [EN, ES, ZH])
def test_one_format_everywhere_and_a_dash_for_missing(tr):
    # percentages and decimals always one decimal, counts always grouped: never 68.92%, 100%, None or 1234
    assert tr.percent(1.0).replace("\xa0", "") in ("100.0%", "100,0%")
    assert tr.percent(0.6892).replace("\xa0", "") in ("68.9%", "68,9%")
    assert tr.number(None) == tr.decimal(None) == tr.decimal(float("nan")) == tr.percent(float("nan")) == "—"
    assert tr.days(None) == tr.whole_days(None) == tr.datetime(None, "UTC") == tr.date(None) == "—"


@pytest.mark.parametrize(
    "tr, days, whole, few",
    [
        (EN, "12.5 days", "117 days", "less than a day"),
        (ES, "12,5 días", "117 días", "menos de un día"),
        (ZH, "12.5 天", "117 天", "不到一天"),
    ],
)
def test_durations(tr, days, whole, few):
    assert tr.days(12.5) == days
    assert tr.whole_days(117.3) == whole
    assert tr.whole_days(0.4) == few
    assert EN.whole_days(1.2) == "1 day" and ES.whole_days(1.2) == "1 día"


def test_messages_are_templates_filled_after_translation():
    message = Msg(N_("Ignored unknown neighborhood {value}."), {"value": "'N9'"})
    assert EN.msg(message) == "Ignored unknown neighborhood 'N9'."
    assert ES.msg(message) == "Se omitió el vecindario desconocido 'N9'."
    assert ZH.msg(message) == "已忽略未知社区 'N9'。"


def test_data_text_is_translated_when_the_catalog_has_it():
    assert ES.data("Five-digit ZIP code, as text so leading zeros survive.").startswith("Código postal de cinco")
    assert ES.data("A description the catalog has never seen.") == "A description the catalog has never seen."


def test_strict_mode_records_text_missing_from_a_catalog(monkeypatch):
    monkeypatch.setenv("PORTAL_I18N_STRICT", "1")
    i18n.MISSING.clear()
    assert ES._("Map of requests") == "Mapa de solicitudes"
    assert ES._("A sentence nobody put in the catalog") == "A sentence nobody put in the catalog"
    EN._("English is the source: nothing to record")
    assert i18n.MISSING == {("es", "A sentence nobody put in the catalog")}
    i18n.MISSING.clear()


def test_a_new_language_is_one_catalog_file_and_no_code(tmp_path, monkeypatch):
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales, ignore=shutil.ignore_patterns("*.mo"))
    (locales / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (locales / "fr" / "LC_MESSAGES" / "portal.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Map of requests"\nmsgstr "Carte des demandes"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    for cached in (i18n.languages, i18n.catalog, i18n.translator):
        cached.cache_clear()
    try:
        assert i18n.languages()["fr"] == "Français"
        assert i18n.match_language("fr-CA") == "fr"
        fr = i18n.translator("fr")
        assert (fr._("Map of requests"), fr.decimal(71.94), fr.tag) == ("Carte des demandes", "71,9", "fr")
        spanish = i18n.translator("es")
        assert spanish._("Map of requests") == "Mapa de solicitudes"  # no .mo here: compiled from the .po
    finally:
        for cached in (i18n.languages, i18n.catalog, i18n.translator):
            cached.cache_clear()
