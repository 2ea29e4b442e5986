"""Fonts for the pharmacy's PDFs, registered explicitly (STYLE.md).

Bitstream Vera ships inside reportlab, so the PDFs look the same on every machine and cover
the accented letters of patients' names, which the PDF base-14 fonts (WinAnsi only) would not
embed. Registration is idempotent and happens on first use, not at import.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "IvmtVera"
BOLD = "IvmtVeraBold"


@cache
def register_fonts() -> tuple[str, str]:
    """Register and return (regular, bold) font names."""
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(REGULAR, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD
