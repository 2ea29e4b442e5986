"""The patient's wristband insert as a PDF (reportlab): name, date of birth, MRN and a Code 128
barcode of the wristband's random code, which the nurse scans at the chair.

Size: 3.5 × 1 in, the insert of a common adult write-on/print-on band. Code 128 as on the bag
labels: every handheld scanner reads it; 16 characters fit at 0.9 pt per module. The name is
shrunk, never cut, to fit.
"""

from __future__ import annotations

import io

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ivmt.patients.models import Patient
from ivmt.pharmacy.pdf_fonts import register_fonts

BAND_SIZE = (3.5 * inch, 1.0 * inch)
MARGIN = 6.0
MIN_FONT = 5.0


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > MIN_FONT and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def wristband_pdf(patient: Patient, code: str) -> bytes:
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    width, height = BAND_SIZE
    canvas = Canvas(buffer, pagesize=BAND_SIZE, pageCompression=0)
    canvas.setTitle("Patient wristband")
    canvas.setAuthor("IVMT Clinic")
    text_width = width * 0.5 - MARGIN
    name = f"{patient.family_name.upper()}, {patient.given_name}"
    canvas.setFont(bold, _fit(name, bold, 10, text_width))
    canvas.drawString(MARGIN, height - MARGIN - 9, name)
    for row, line in enumerate(
        (f"DOB {patient.date_of_birth:%d %b %Y}", f"MRN {patient.mrn}"), start=1
    ):
        canvas.setFont(regular, _fit(line, regular, 8, text_width))
        canvas.drawString(MARGIN, height - MARGIN - 9 - 11 * row, line)
    barcode = code128.Code128(code, barHeight=0.55 * inch, barWidth=0.9, humanReadable=False)
    x = width - MARGIN - barcode.width
    barcode.drawOn(canvas, x, MARGIN + 9)
    canvas.setFont(regular, 6.5)
    canvas.drawCentredString(x + barcode.width / 2, MARGIN, code)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
