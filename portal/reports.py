"""Downloads of a neighborhood brief: a printable PDF (reportlab), PNG images (matplotlib), CSV.

All data text goes into reportlab Paragraphs through ``pdf_text`` (XML-escaped, because
Paragraph parses a mini markup language) and into matplotlib through ``mpl_text`` (``$`` escaped,
because matplotlib would read ``$...$`` as mathtext). Nothing here touches the network.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.brief import Brief
from portal.metrics import Measure, n_text
from portal.text import plain
from portal.timefmt import format_local

PNG_SIZES = {"wide": (1200, 675), "square": (1080, 1080)}
_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def pdf_text(value, limit: int | None = None) -> str:
    """Plain text safe inside a reportlab Paragraph (``<``, ``>``, ``&`` escaped)."""
    return escape(plain(value, limit))


def mpl_text(value, limit: int | None = None) -> str:
    """Plain text safe for matplotlib (no mathtext)."""
    return plain(value, limit).replace("$", r"\$")


def _fonts() -> tuple[str, str]:
    """DejaVu Sans when installed (covers far more characters than Helvetica), else Helvetica."""
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            if "PortalSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("PortalSans", str(regular)))
                pdfmetrics.registerFont(TTFont("PortalSans-Bold", str(bold)))
            return "PortalSans", "PortalSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def measure_text(m: Measure, unit: str = "days", share: bool = False) -> str:
    """``6.0 days (n = 7 closed, small sample; 2 still open, not counted)`` / ``50% (n = 20
    closed)`` / ``no data (n = 0 closed; 1 still open, not counted)``."""
    shown = "no data" if m.value is None else f"{m.value:.0%}" if share else f"{m.value:.1f} {unit}"
    return f"{shown} ({n_text(m, ', small sample' if m.value is not None else '')})"


def key_numbers(brief: Brief) -> list[tuple[str, str]]:
    """The brief's numbers as (label, text), each with its n where it has one."""
    return [
        ("New requests in the period", f"{brief.new_requests:,}"),
        ("Open at the data's end (backlog)", f"{brief.open_backlog:,}"),
        ("Open and overdue", f"{brief.overdue:,}"),
        ("Median days to close, here", measure_text(brief.median_local)),
        ("Median days to close, citywide", measure_text(brief.median_city)),
        ("Closed within target, here", measure_text(brief.within_local, share=True)),
    ]


def period_text(brief: Brief) -> str:
    start = format_local(brief.period.start, brief.timezone, with_time=False)
    end = format_local(brief.period.end, brief.timezone)
    return f"{brief.period_label}: requests received {start} to {end}"


def _table(rows: list[list], styles, widths, font: str, limit: int = 90) -> Table:
    cells = [[Paragraph(pdf_text(c, limit), styles) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
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
    return table


def brief_pdf(
    brief: Brief, *, title: str, version: str, license_name: str | None, source: str | None, is_demo: bool
) -> bytes:
    """A one- or two-page PDF of the brief (Letter)."""
    regular, bold = _fonts()
    sheet = getSampleStyleSheet()
    for style in sheet.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
    body, small = sheet["BodyText"], sheet["BodyText"].clone("small", fontSize=8, leading=10)
    story = []
    if is_demo:
        story.append(Paragraph("DEMO DATA: a fictional city, not real requests.", sheet["Heading2"]))
    story += [
        Paragraph(pdf_text(f"{brief.name}: 311 requests"), sheet["Title"]),
        Paragraph(pdf_text(period_text(brief)), body),
        Spacer(1, 6),
        _table(
            [["Measure", "Value"], *[list(r) for r in key_numbers(brief)]],
            body,
            [2.8 * inch, 3.9 * inch],
            regular,
            limit=200,
        ),
        Paragraph("Top request types in the period", sheet["Heading3"]),
        _table(
            [["Request type", "Requests"], *[[t, f"{n:,}"] for t, n in brief.top_types]] or [["(none)", "0"]],
            small,
            [5.2 * inch, 1.5 * inch],
            regular,
        ),
        Paragraph("Oldest open requests", sheet["Heading3"]),
        _table(
            [
                ["Request id", "Type", "Requested", "Age (days)", "Overdue"],
                *[
                    [o["id"], o["type"], o["requested"], f"{o['age_days']:.1f}", "yes" if o["overdue"] else "no"]
                    for o in brief.oldest_open
                ],
            ],
            small,
            [1.3 * inch, 2.4 * inch, 1.1 * inch, 0.9 * inch, 0.9 * inch],
            regular,
        ),
        Paragraph(trend_label(brief), sheet["Heading3"]),
        Image(io.BytesIO(trend_png(brief, (900, 260))), width=6.5 * inch, height=6.5 * inch * 260 / 900),
    ]
    story += [Paragraph(pdf_text(c), small) for c in brief.caveats]
    story.append(
        Paragraph(
            pdf_text(
                f"{title}. Release {version}. License: {license_name or 'see the data page'}. "
                f"Source: {source or 'see the data page'}."
            ),
            small,
        )
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
        title=plain(f"{brief.name} 311 brief"),
        author="311 open-data portal",
    )
    doc.build(story)
    return buf.getvalue()


def _figure(size: tuple[int, int], dpi: int = 100) -> Figure:
    return Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)


def _png(fig: Figure, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)  # no bbox_inches: the size must stay exact
    return buf.getvalue()


def _plot_weekly(ax, brief: Brief) -> None:
    labels = [d.strftime("%b %d") for d, _ in brief.weekly]
    ax.bar(range(len(labels)), [n for _, n in brief.weekly], color="#414D6B")
    step = max(len(labels) // 8, 1)
    ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize=8)
    ax.set_ylabel(trend_label(brief).lower())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max([n for _, n in brief.weekly] + [1]) * 1.05)
    ax.spines[["top", "right"]].set_visible(False)


def trend_label(brief: Brief) -> str:
    return "Requests per week" if brief.bucket_days == 7 else f"Requests per {brief.bucket_days} days"


def trend_png(brief: Brief, size: tuple[int, int] = (900, 260)) -> bytes:
    """Weekly counts as a bar chart, exactly ``size`` pixels."""
    fig = _figure(size)
    _plot_weekly(fig.add_subplot(), brief)
    fig.tight_layout()
    return _png(fig)


def brief_png(brief: Brief, *, version: str, is_demo: bool, size: str = "wide") -> bytes:
    """A newsletter image: headline numbers, weekly trend and top types, exactly PNG_SIZES[size]."""
    width, height = PNG_SIZES[size]
    fig = _figure((width, height))
    wide = width > height
    head = f"{'DEMO DATA · ' if is_demo else ''}{mpl_text(brief.name, 60)}: 311 requests"
    fig.suptitle(head, x=0.02, ha="left", fontsize=18, fontweight="bold")
    # each number with its n and what it leaves out, wrapped to the text column
    lines = [
        line
        for label, text in key_numbers(brief)
        for line in textwrap.wrap(f"{label}: {mpl_text(text)}", 66 if wide else 92, subsequent_indent="    ")
    ]
    fig.text(0.02, 0.88 if wide else 0.90, mpl_text(period_text(brief)), fontsize=12, va="top")
    fig.text(
        0.02,
        0.80 if wide else 0.85,
        "\n".join(lines),
        fontsize=12 if wide else 13,
        va="top",
        linespacing=1.7 if wide else 1.5,
    )
    trend = fig.add_axes([0.55, 0.52, 0.42, 0.33] if wide else [0.1, 0.38, 0.85, 0.18])
    _plot_weekly(trend, brief)
    trend.set_title(trend_label(brief), fontsize=10, loc="left")
    top = fig.add_axes([0.55, 0.1, 0.42, 0.32] if wide else [0.45, 0.08, 0.5, 0.22])
    types = brief.top_types[:5][::-1]
    top.barh([mpl_text(t, 28) for t, _ in types], [n for _, n in types], color="#7C7B78")
    top.set_title("Top request types", fontsize=10, loc="left")
    top.tick_params(labelsize=9)
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.text(
        0.02,
        0.02,
        mpl_text(f"Release {version}. 'Closed' means marked closed. n = sample size."),
        fontsize=8,
        color="#333333",
    )
    return _png(fig)
