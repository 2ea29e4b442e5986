"""The bag label (4 × 3 in, a common thermal-printer stock) as a PDF, with reportlab.

What it carries (issue 5, USP <797> labelling): patient name, date of birth and MRN; each
component with its volume and what it delivers; total volume; route, duration and pump rate;
beyond-use date and time (clinic time zone); storage; "PROTECT FROM LIGHT" when any component
is light-sensitive; who prepared and verified it; a Code 128 barcode of the bag's
random code, which the nurse scans at the chair.

Trade-off: Code 128 rather than DataMatrix — every handheld scanner reads it, and the 16
characters fit the 4-inch width at 1 pt per module (about 4 px per module at 300 dpi).
Text that would not fit is shrunk, never cut: a label that loses a component is worse than a
small one.
"""

from __future__ import annotations

import io
from datetime import tzinfo

from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ivmt.accounts.models import User
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.quantities import plain
from ivmt.orders.presentation import content_rows
from ivmt.pharmacy.models import CompoundingRecord, PharmacySettings
from ivmt.pharmacy.pdf_fonts import register_fonts

LABEL_SIZE = (4 * inch, 3 * inch)
MARGIN = 9.0
MIN_FONT = 4.5


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width``."""
    while size > MIN_FONT and stringWidth(text, font, size) > width:
        size -= 0.25
    canvas.setFont(font, size)
    return size


def signer(user: User) -> str:
    """How a label names a pharmacist: initial and family name ("P. Patel"). Initials alone
    would print "PP / PP" for Priya Patel and Paul Petrov, which reads as one person."""
    if user.first_name and user.last_name:
        return f"{user.first_name[0]}. {user.last_name}"
    return user.display_name


def storage_text(storage: str) -> str:
    if storage == PharmacySettings.Storage.FRIDGE:
        return "Store refrigerated 2–8 °C"
    return "Store at room temperature 20–25 °C"


def bag_label_pdf(record: CompoundingRecord, plan: InfusionPlan, zone: tzinfo) -> bytes:
    """The label of ``record`` (prepared to ``plan``); times shown in ``zone``."""
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    width, height = LABEL_SIZE
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, pageCompression=0)
    canvas.setTitle(f"Bag label {record.bag_code}")
    canvas.setAuthor("IVMT Clinic")
    usable = width - 2 * MARGIN
    patient = record.patient
    y = height - MARGIN - 9

    name = f"{patient.family_name.upper()}, {patient.given_name}"
    _fit(canvas, name, bold, 10, usable * 0.55)
    canvas.drawString(MARGIN, y, name)
    ids = f"DOB {patient.date_of_birth:%d %b %Y}   MRN {patient.mrn}"
    _fit(canvas, ids, regular, 7.5, usable * 0.45)
    canvas.drawRightString(width - MARGIN, y, ids)
    y -= 10
    title = f"{plan.bag.formula.name} — dose {record.dose.number}"
    _fit(canvas, title, regular, 6.5, usable)
    canvas.drawString(MARGIN, y, title)
    y -= 3
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y, width - MARGIN, y)
    y -= 7.5

    for row in content_rows(plan):
        left = f"{row.name} {row.volume_ml} mL"
        size = _fit(canvas, left, bold, 6.4, usable * 0.62)
        canvas.drawString(MARGIN, y, left)
        beside = usable - stringWidth(left, bold, size) - 6
        if stringWidth(row.amounts, regular, 5.8) <= beside:
            canvas.setFont(regular, 5.8)
            canvas.drawRightString(width - MARGIN, y, row.amounts)
        else:  # too long to share the line: its own lines, right-aligned under the name
            canvas.setFont(regular, 5.6)
            for part in simpleSplit(row.amounts, regular, 5.6, usable):
                y -= 6.2
                canvas.drawRightString(width - MARGIN, y, part)
        y -= 7.2
    y -= 1.5
    canvas.line(MARGIN, y + 5, width - MARGIN, y + 5)

    route = plan.route.name
    duration = plain(plan.duration_min.normalize()) if plan.duration_min is not None else "?"
    summary = plan.summary()
    rate = f" at {summary['pump_rate_ml_per_h']} mL/h" if summary["pump_rate_ml_per_h"] else ""
    total = f"Total {summary['total_volume_ml']} mL · {route} over {duration} min{rate}"
    _fit(canvas, total, bold, 7, usable)
    canvas.drawString(MARGIN, y - 3, total)
    y -= 12
    bud = record.beyond_use_at.astimezone(zone)
    bud_text = f"BUD {bud:%Y-%m-%d %H:%M} {bud.tzname()}"
    _fit(canvas, bud_text, bold, 8.5, usable * 0.5)
    canvas.drawString(MARGIN, y, bud_text)
    store = storage_text(record.bud_storage)
    _fit(canvas, store, regular, 6.5, usable * 0.48)
    canvas.drawRightString(width - MARGIN, y, store)
    y -= 11
    if plan.bag.light_sensitive:
        warning = "PROTECT FROM LIGHT"
        canvas.setFillGray(0)
        canvas.rect(MARGIN, y - 2.5, stringWidth(warning, bold, 7.5) + 6, 10, stroke=0, fill=1)
        canvas.setFillGray(1)
        canvas.setFont(bold, 7.5)
        canvas.drawString(MARGIN + 3, y, warning)
        canvas.setFillGray(0)
    prepared = signer(record.prepared_by)
    verified = signer(record.verified_by) if record.verified_by else "—"
    started = record.prep_started_at.astimezone(zone)
    sign = f"Prep {prepared} {started:%d %b %H:%M} · Verif {verified}"
    _fit(canvas, sign, regular, 6.5, usable * 0.6)
    canvas.drawRightString(width - MARGIN, y, sign)

    barcode = code128.Code128(
        record.bag_code, barHeight=26, barWidth=1.0, humanReadable=False, quiet=True
    )
    x = (width - barcode.width) / 2
    barcode.drawOn(canvas, x, MARGIN + 8)
    canvas.setFont(regular, 7)
    canvas.drawCentredString(width / 2, MARGIN, f"Bag {record.bag_code}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
