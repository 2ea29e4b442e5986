"""The patient's wristband insert as a PDF (reportlab): name, date of birth, MRN and a Code 128
barcode of the wristband's random code, which the nurse scans at the chair.

Size: 4 × 1.1 in, the insert of a common adult print-on band. Code 128 as on the bag labels:
every handheld scanner reads it; the module is the widest that fits (1 pt for 16 characters).
The name is shrunk, never cut, to fit.
"""

from __future__ import annotations

import io

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ivmt.patients.models import Patient
from ivmt.pharmacy.pdf_fonts import register_fonts

BAND_SIZE = (4.0 * inch, 1.1 * inch)
MARGIN = 6.0
MIN_FONT = 5.0
BAR_HEIGHT = 0.5 * inch


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > MIN_FONT and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def wristband_pdf(patient: Patient, code: str) -> bytes:
    """The insert: one line of name, date of birth and MRN, the barcode under it, the code
    printed under the barcode for typing when a scanner fails."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    width, height = BAND_SIZE
    usable = width - 2 * MARGIN
    canvas = Canvas(buffer, pagesize=BAND_SIZE, pageCompression=0)
    canvas.setTitle("Patient wristband")
    canvas.setAuthor("IVMT Clinic")
    top = height - MARGIN - 8
    name = f"{patient.family_name.upper()}, {patient.given_name}"
    ids = f"DOB {patient.date_of_birth:%d %b %Y}   MRN {patient.mrn}"
    canvas.setFont(bold, _fit(name, bold, 9.5, usable * 0.55))
    canvas.drawString(MARGIN, top, name)
    canvas.setFont(regular, _fit(ids, regular, 8, usable * 0.43))
    canvas.drawRightString(width - MARGIN, top, ids)
    # The narrowest bar that fits the width (Code 128 with its quiet zones), at most 1 pt.
    bar = 1.0
    barcode = code128.Code128(code, barHeight=BAR_HEIGHT, barWidth=bar, humanReadable=False)
    while barcode.width > usable and bar > 0.5:
        bar -= 0.05
        barcode = code128.Code128(code, barHeight=BAR_HEIGHT, barWidth=bar, humanReadable=False)
    barcode.drawOn(canvas, (width - barcode.width) / 2, MARGIN + 8)
    canvas.setFont(regular, 6.5)
    canvas.drawCentredString(width / 2, MARGIN, code)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
