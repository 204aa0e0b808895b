"""The neighborhood brief as a printable PDF (reportlab); its words are ``portal.wording``, its
pictures ``portal.images``, its CSV ``portal.export``. Nothing here touches the network.

Each heading is kept with its content, the neighborhood's map shows its open requests, and every
page carries its number, the release, the data-through date, the licence and the portal's address.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import quoteattr

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.brief import Brief
from portal.definitions import define
from portal.fonts import pdf_fonts
from portal.i18n import Translator
from portal.images import map_png, trend_png
from portal.text import plain
from portal.wording import Imprint, imprint_lines, key_numbers, pdf_text, period_text, trend_label, trend_note

MARGIN = 0.8 * inch


def _table(rows: list[list], style, widths, font: str, limit: int = 90, links: dict | None = None) -> Table:
    def cell(value, r, c):
        text = pdf_text(value, limit)
        url = (links or {}).get((r, c))
        return Paragraph(f"<link href={quoteattr(url)} color='#0B5394'>{text}</link>" if url else text, style)

    table = Table([[cell(v, r, c) for c, v in enumerate(row)] for r, row in enumerate(rows)], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), font),
            ]
        )
    )
    table.repeatRows = 1
    return table


def _oldest_rows(brief: Brief, tr: Translator, imprint: Imprint) -> tuple[list[list], dict]:
    header = [tr._("Request id"), tr._("Type"), tr._("Requested"), tr._("Open for"), tr._("Overdue")]
    rows = [
        [o["id"], o["type"], tr.date(o["requested"], brief.timezone), tr.whole_days(o["age_days"])]
        + [tr._("yes") if o["overdue"] else tr._("no")]
        for o in brief.oldest_open
    ]
    lang = None if tr.code == "en" else tr.tag
    links = {(i + 1, 0): imprint.link("track", id=o["id"], lang=lang) for i, o in enumerate(brief.oldest_open)}
    return [header, *rows], {k: v for k, v in links.items() if v}


def _story(brief: Brief, imprint: Imprint, tr: Translator, sheet, picture: bytes | None) -> list:
    regular = sheet["BodyText"].fontName
    body, small = sheet["BodyText"], sheet["small"]

    def section(title: str, *content) -> KeepTogether:  # a heading never ends a page alone
        return KeepTogether([Paragraph(pdf_text(title), sheet["Heading3"]), *content])

    numbers = [[tr._("Measure"), tr._("Value")], *[list(r) for r in key_numbers(brief, tr)]]
    types = [[tr._("Request type"), tr._("Requests")], *[[t, tr.number(n)] for t, n in brief.top_types]]
    oldest, links = _oldest_rows(brief, tr, imprint)
    chart = Image(io.BytesIO(trend_png(brief, tr, (900, 260))), width=6.5 * inch, height=6.5 * inch * 260 / 900)
    story = [Paragraph(pdf_text(tr._("DEMO DATA: a fictional city, not real requests.")), sheet["Heading2"])]
    story = story if imprint.is_demo else []
    story += [
        Paragraph(pdf_text(tr._("{name}: 311 requests").format(name=brief.name)), sheet["Title"]),
        Paragraph(pdf_text(period_text(brief, tr)), body),
        Spacer(1, 6),
        _table(numbers, body, [2.8 * inch, 3.9 * inch], regular, limit=200),
        section(tr._("Top request types in the period"), _table(types, small, [5.2 * inch, 1.5 * inch], regular)),
        section(
            tr._("Oldest open requests"),
            _table(oldest, small, [1.4 * inch, 2.4 * inch, 1.1 * inch, 0.9 * inch, 0.8 * inch], regular, links=links),
        ),
        section(trend_label(brief, tr), chart, Paragraph(pdf_text(trend_note(brief, tr)), small)),
    ]
    if picture is not None:
        image = Image(io.BytesIO(picture), width=6.5 * inch, height=6.5 * inch * 560 / 900)
        story.append(section(tr._("Where the open requests are"), image))
    return story + [Paragraph(pdf_text(define(key, tr)), small) for key in brief.caveats]


def _numbered_canvas(lines: list[str], tr: Translator, font: str):
    """A canvas class that prints, at the foot of every page, the imprint and "Page n of N"
    (pages are held until the end, when N is known)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._held:
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                page = tr._("Page {page} of {pages}").format(page=self._pageNumber, pages=len(self._held))
                self.drawRightString(LETTER[0] - MARGIN, 0.5 * inch + 11, page)  # above the imprint
                for i, line in enumerate(lines):
                    self.drawString(MARGIN, 0.5 * inch - i * 10, line[:150])
                super().showPage()
            super().save()

    return NumberedCanvas


def brief_pdf(brief: Brief, imprint: Imprint, tr: Translator, neighbors: list[dict] | None = None) -> bytes:
    """The brief as a Letter PDF; the map when ``neighbors`` (with geometry) holds the neighborhood."""
    regular, bold = pdf_fonts(tr.code)
    sheet = getSampleStyleSheet()
    for style in sheet.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
        if regular == "PortalCJK":
            style.wordWrap = "CJK"
    sheet.add(sheet["BodyText"].clone("small", fontSize=8, leading=10))
    here = [n for n in neighbors or [] if n["neighborhood_code"] == brief.code and n.get("geometry")]
    picture = map_png(brief, neighbors, tr) if here else None
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.6 * inch,
        bottomMargin=0.85 * inch,
        title=plain(tr._("{name}: 311 requests").format(name=brief.name)),
        author=plain(imprint.title),
    )
    canvas = _numbered_canvas([plain(x) for x in imprint_lines(imprint, brief, tr)], tr, regular)
    doc.build(_story(brief, imprint, tr, sheet, picture), canvasmaker=canvas)
    return buf.getvalue()
