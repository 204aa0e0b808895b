"""The portal's languages: gettext message catalogs and locale formats (Babel).

* **Catalogs.** English is the source language (the text in the code). Every other language is
  one catalog, ``locales/<code>/LC_MESSAGES/portal.po`` (``es``, ``zh_Hans``, ...): the portal
  offers a language as soon as its catalog exists, with no code change (docs/i18n.md).
  ``scripts/setup.sh`` compiles each ``.po`` to ``.mo``; a missing or stale ``.mo`` is compiled
  in memory from its ``.po`` instead, so a fresh checkout still speaks every language.
* **Marking text.** Code writes ``tr._("...")`` (or ``_("...")`` on pages) with named
  placeholders filled by ``.format`` after translation, ``tr.ngettext`` for counts, and ``N_``
  for text kept in tables and translated where it is shown. A library function that returns
  a sentence returns a ``Msg`` (template and arguments) or takes a ``Translator``.
* **Formats.** Numbers, percentages and dates follow the language's locale (CLDR, via Babel):
  counts with thousands separators, percentages and decimals with one decimal, "—" for
  missing. Files (CSV, JSON) keep ISO 8601 and plain numbers; only what people read changes.

``PORTAL_I18N_STRICT=1`` (the tests) records every message asked for that a language's catalog
lacks in ``MISSING``, so a test can fail on text that never reached the catalogs.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from portal.timefmt import to_local

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "portal"
SOURCE = "en"
DASH = "—"
MISSING: set[tuple[str, str]] = set()  # (language, message) asked for and not in its catalog (strict mode)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it here (it is translated where shown)."""
    return message


class Msg(str):
    """A sentence for a person that reads as its English text wherever a string is expected (the
    open interfaces answer in English), and keeps its catalog template and arguments so a page can
    show it in the visitor's language (``Translator.msg``)."""

    template: str
    args: Mapping

    def __new__(cls, template: str, args: Mapping | None = None) -> Msg:
        args = dict(args or {})
        message = super().__new__(cls, template.format(**args))
        message.template, message.args = template, args
        return message


def tag(code: str) -> str:
    """The BCP 47 tag of a catalog code, as used in URLs and ``<html lang>``: ``zh_Hans`` -> ``zh-Hans``."""
    return code.replace("_", "-")


@lru_cache(maxsize=1)
def languages() -> dict[str, str]:
    """``{code: the language's own name}``: English, then every catalog under ``locales/``."""
    codes = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    found = {SOURCE: "English"}
    for code in codes:
        name = Locale.parse(code).get_display_name(code) or code
        found[code] = name[:1].upper() + name[1:]
    return found


def match_language(requested: str | None) -> str | None:
    """The catalog code for a requested tag (``es``, ``es-MX``, ``zh``, ``zh-hans``); None if none fits.
    An exact match wins, then a catalog of the same language (its first subtag)."""
    if not requested:
        return None
    wanted = str(requested).strip().replace("-", "_").lower()
    codes = list(languages())
    for code in codes:
        if code.lower() == wanted:
            return code
    first = wanted.split("_")[0]
    return next((code for code in codes if code.lower().split("_")[0] == first), None)


def resolve(from_url: str | None, chosen: str | None, browser: str | None) -> str:
    """The language to show: the URL's (a shared link opens in its sender's language), else the
    one chosen earlier in the session, else the browser's when there is a catalog for it, else English."""
    return match_language(from_url) or match_language(chosen) or match_language(browser) or SOURCE


def _compiled(po_file: Path) -> gettext.GNUTranslations:
    """The catalog from its ``.mo`` when that is newer than the ``.po``, else compiled in memory."""
    mo_file = po_file.with_suffix(".mo")
    if mo_file.is_file() and mo_file.stat().st_mtime >= po_file.stat().st_mtime:
        with mo_file.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    with po_file.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@lru_cache(maxsize=16)
def catalog(code: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (an empty one for English or an unknown code)."""
    po_file = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    return _compiled(po_file) if code != SOURCE and po_file.is_file() else gettext.NullTranslations()


def _strict() -> bool:
    return os.environ.get("PORTAL_I18N_STRICT") == "1"


class Translator:
    """Text and formats in one language. ``_`` and ``ngettext`` translate; the rest format values."""

    def __init__(self, code: str = SOURCE):
        self.code = code if code in languages() else SOURCE
        self.tag = tag(self.code)
        self.locale = Locale.parse(self.code)
        self._catalog = catalog(self.code)
        self._known = getattr(self._catalog, "_catalog", {})

    def _note(self, message: str, plural: bool = False) -> None:
        known = (message, 0) in self._known if plural else message in self._known  # how .mo files key plurals
        if self.code != SOURCE and not known and _strict():
            MISSING.add((self.code, message))

    def _(self, message: str) -> str:
        self._note(message)
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self._note(singular, plural=True)
        return self._catalog.ngettext(singular, plural, n)

    def data(self, text: str) -> str:
        """Text from the data (a published description), translated when the catalog has it."""
        return self._catalog.gettext(text) if text else text

    def msg(self, message: str) -> str:
        """A ``Msg`` in this language (any other string as it is)."""
        return self._(message.template).format(**message.args) if isinstance(message, Msg) else message

    # --- formats ---------------------------------------------------------------------------

    def number(self, value: int | float | None) -> str:
        """A count with the locale's thousands separator: ``1,234`` / ``1.234``."""
        return DASH if value is None else format_decimal(value, "#,##0", locale=self.locale)

    def decimal(self, value: float | None, places: int = 1) -> str:
        """``71.9`` / ``71,9`` (``places`` decimals, thousands separators)."""
        if value is None or value != value:
            return DASH
        return format_decimal(value, "#,##0." + "0" * places if places else "#,##0", locale=self.locale)

    def percent(self, share: float | None) -> str:
        """A share (0-1) as a percentage with one decimal, in the locale's pattern: ``71.9%`` / ``71,9 %``."""
        if share is None or share != share:
            return DASH
        pattern = self.locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0")
        return format_decimal(share, pattern, locale=self.locale)

    def date(self, day: date | datetime | None, tz_name: str | None = None) -> str:
        """``Oct 31, 2026`` / ``31 oct 2026`` / ``2026年10月31日`` (a datetime is naive UTC, shown in ``tz_name``)."""
        if day is None:
            return DASH
        if isinstance(day, datetime):
            day = to_local(day, tz_name).date()
        return format_date(day, "medium", locale=self.locale)

    def day_month(self, day: date) -> str:
        """``Oct 1`` / ``1 oct`` / ``10月1日``: chart labels."""
        return format_skeleton("MMMd", day, locale=self.locale)

    def datetime(self, value: datetime | None, tz_name: str | None) -> str:
        """A naive UTC datetime in the city's time: ``Oct 31, 2026, 11:47 PM MDT``."""
        local = to_local(value, tz_name)
        if local is None:
            return DASH
        when = get_datetime_format("medium", locale=self.locale).format(
            format_time(local, "short", locale=self.locale), format_date(local, "medium", locale=self.locale)
        )
        return f"{when} {local.strftime('%Z')}".strip()

    def days(self, value: float | None, places: int = 1) -> str:
        """``12.5 days`` / ``1 day``: a duration in days with its unit."""
        if value is None or value != value:
            return DASH
        n = 1 if places == 0 and round(value) == 1 else 2  # "1.0 days", as English writes it
        return self.ngettext("{days} day", "{days} days", n).format(days=self.decimal(value, places))

    def whole_days(self, value: float | None) -> str:
        """A duration as a person says it: ``less than a day``, ``1 day``, ``117 days``."""
        if value is None or value != value:
            return DASH
        if value < 1:
            return self._("less than a day")
        n = int(value + 0.5)
        return self.ngettext("{n} day", "{n} days", n).format(n=self.number(n))


@lru_cache(maxsize=16)
def translator(code: str = SOURCE) -> Translator:
    return Translator(code)
