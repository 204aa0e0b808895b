"""Fonts for the brief's PDF (reportlab) and images (matplotlib), Debian packages installed by
``scripts/setup.sh``: DejaVu Sans (Latin, Greek, Cyrillic) and WenQuanYi Micro Hei (CJK).

reportlab embeds one TrueType font per text style and has no per-glyph fallback, so a PDF in
Chinese is set in WenQuanYi (which also covers Latin) and the others in DejaVu Sans. matplotlib
falls back glyph by glyph along its family list, so the images use both in every language.
Without the packages the PDF falls back to Helvetica (Latin only) and says nothing else.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DEJAVU_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
CJK_FILES = [Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")]
CJK_LANGUAGES = ("zh", "ja", "ko")
MPL_FAMILIES = ["DejaVu Sans", "WenQuanYi Micro Hei", "sans-serif"]


def _dejavu() -> tuple[Path, Path] | None:
    for folder in DEJAVU_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def cjk_file() -> Path | None:
    return next((f for f in CJK_FILES if f.is_file()), None)


@lru_cache(maxsize=8)
def pdf_fonts(language: str) -> tuple[str, str]:
    """``(regular, bold)`` reportlab font names for text in ``language`` (a catalog code),
    registered on first use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    cjk = cjk_file()
    if language.split("_")[0] in CJK_LANGUAGES and cjk is not None:
        pdfmetrics.registerFont(TTFont("PortalCJK", str(cjk), subfontIndex=0))
        return "PortalCJK", "PortalCJK"  # one weight: headings differ by size
    found = _dejavu()
    if found is None:
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("PortalSans", str(found[0])))
    pdfmetrics.registerFont(TTFont("PortalSans-Bold", str(found[1])))
    return "PortalSans", "PortalSans-Bold"


@lru_cache(maxsize=1)
def mpl_families() -> list[str]:
    """matplotlib's family list, with the CJK font made known to it when installed."""
    from matplotlib import font_manager

    cjk = cjk_file()
    if cjk is not None and "WenQuanYi Micro Hei" not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(cjk))
    return list(MPL_FAMILIES)
