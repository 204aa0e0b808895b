"""The Data page's tables in the visitor's language (no Streamlit): the release at a glance, the
data dictionary, the report and changelog explained (``portal.glossary``), and the versions.
Each returns ``(columns, rows)`` for ``portal.html.table``."""

from __future__ import annotations

from portal import glossary, package
from portal.db import Release
from portal.html import Column
from portal.i18n import Translator

Table = tuple[list[Column], list[dict]]


def summary(release: Release, tr: Translator) -> Table:
    _ = tr._
    items = [
        (_("Version"), release.version),
        (_("Published"), release.created),
        (_("Time zone"), release.timezone),
        (_("Rows published"), tr.number(release.rows_published)),
        (_("Rows not published (quarantined)"), tr.number(release.rows_quarantined)),
        (_("License"), "; ".join(str(x.get("title") or x.get("name")) for x in package.licenses(release))),
        (_("Source"), "; ".join(str(x.get("title") or x.get("path")) for x in package.sources(release))),
    ]
    return [Column("k", _("Item")), Column("v", _("Value"))], [{"k": k, "v": v} for k, v in items]


def dictionary(release: Release, tr: Translator) -> Table:
    """Every published field, its title and description translated where the catalog has them."""
    _ = tr._
    names = [("field", _("Field")), ("title", _("Title")), ("type", _("Type")), ("required", _("Required"))]
    rows = [
        {
            **f,
            "title": tr.data(f["title"]),
            "description": tr.data(f["description"]),
            "required": _("yes") if f["required"] else _("no"),
        }
        for f in package.data_dictionary(release)
    ]
    return [Column(k, label) for k, label in [*names, ("description", _("Description"))]], rows


def explained(kind: str, document: dict, tr: Translator) -> list[tuple[str, Table]]:
    """``report.json`` or ``changelog.json`` as titled tables of key, value and meaning."""
    columns = [Column("key", tr._("Key")), Column("value", tr._("Value"), True), Column("meaning", tr._("Meaning"))]
    return [
        (title, (columns, [e.__dict__ for e in entries])) for title, entries in glossary.entries(kind, document, tr)
    ]


def versions(release: Release, known: list[dict], tr: Translator) -> Table:
    rows = [
        {
            **v,
            "note": tr._(package.HISTORY_NOTES[v["note"]])
            if v.get("note") in package.HISTORY_NOTES
            else tr.data(v.get("note") or ""),
        }
        for v in package.history(release, known)
    ]
    names = [("version", tr._("Version")), ("created", tr._("Published")), ("note", tr._("Note"))]
    return [Column(k, label) for k, label in names], rows
