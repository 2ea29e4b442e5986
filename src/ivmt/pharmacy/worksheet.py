"""The compounding worksheet: one structure for the page and the PDF (letter, reportlab).

Each component's volume comes from the signed order (through the clinical core's bag), each
lot from the record's draws; the beyond-use time from the record. The same
:func:`worksheet_rows` feed the on-screen table and the PDF, so they cannot disagree.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import tzinfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.quantities import plain
from ivmt.orders.presentation import content_rows
from ivmt.pharmacy.labels import storage_text
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.pharmacy.pdf_fonts import register_fonts


@dataclass(frozen=True)
class WorksheetRow:
    name: str
    volume_ml: str
    amounts: str
    lots: str
    opened: str
    light_sensitive: bool


def worksheet_rows(record: CompoundingRecord, plan: InfusionPlan) -> list[WorksheetRow]:
    """One row per component: volume, what it delivers, and the lots drawn (expiry, mL)."""
    draws = {line.ingredient_id: list(line.draws.all()) for line in record.lines.all()}
    rows = []
    for row in content_rows(plan):
        taken = draws.get(row.ingredient_id, [])
        lots = "; ".join(
            f"{d.lot.lot_number} (exp {d.lot.expiry_date:%Y-%m-%d}) "
            f"{plain(d.used_ml.normalize())} mL"
            for d in taken
        )
        opened = ", ".join(
            f"{d.units_opened} × {plain(d.lot.unit_volume_ml.normalize())} mL"
            for d in taken
            if d.units_opened
        )
        rows.append(
            WorksheetRow(
                name=row.name,
                volume_ml=row.volume_ml,
                amounts=row.amounts,
                lots=lots,
                opened=opened,
                light_sensitive=row.light_sensitive,
            )
        )
    return rows


def worksheet_pdf(record: CompoundingRecord, plan: InfusionPlan, zone: tzinfo) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=14, leading=17)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
        title=f"Compounding worksheet {record.bag_code}",
        author="IVMT Clinic",
    )
    patient, order = record.patient, record.order
    started = record.prep_started_at.astimezone(zone)
    bud = record.beyond_use_at.astimezone(zone)
    summary = plan.summary()

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(text, style)

    story: list[Flowable] = [
        para(f"Compounding worksheet — bag {record.bag_code}", heading),
        Spacer(1, 6),
        para(
            f"<b>{_esc(patient.family_name.upper())}, {_esc(patient.given_name)}</b> · "
            f"DOB {patient.date_of_birth:%d %b %Y} · MRN {_esc(patient.mrn)}"
        ),
        para(
            f"Course order {order.pk}, revision {order.revision}, signed by "
            f"{_esc(order.signed_by.display_name if order.signed_by else '?')} · dose "
            f"{record.dose.number} on {record.dose.date:%a %d %b %Y}"
        ),
        para(
            f"{_esc(plan.bag.formula.name)} · {_esc(plan.route.name)} over "
            f"{summary['duration_min']} min · total {summary['total_volume_ml']} mL at "
            f"{summary['osmolarity_mosm_per_l']} mOsm/L"
        ),
        Spacer(1, 8),
    ]
    table = [["Component", "mL", "Delivers", "Lot (expiry) used", "Opened", "Check"]]
    for row in worksheet_rows(record, plan):
        table.append(
            [
                para(_esc(row.name) + (" <b>(light)</b>" if row.light_sensitive else ""), small),
                row.volume_ml,
                para(_esc(row.amounts), small),
                para(_esc(row.lots), small),
                para(_esc(row.opened), small),
                "[  ]",
            ]
        )
    grid = Table(
        table,
        colWidths=[1.6 * inch, 0.45 * inch, 1.95 * inch, 1.9 * inch, 0.85 * inch, 0.45 * inch],
        repeatRows=1,
    )
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("FONT", (0, 1), (-1, -1), regular, 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 1), (1, -1), "RIGHT"),
            ]
        )
    )
    story += [grid, Spacer(1, 10)]
    story.append(
        para(
            f"Preparation started {started:%Y-%m-%d %H:%M %Z} · <b>beyond-use "
            f"{bud:%Y-%m-%d %H:%M %Z}</b> ({_esc(record.bud_category.replace('_', ' '))}, "
            f"{_esc(record.bud_storage.replace('_', ' '))}; rule {_esc(record.bud_rule_id)}, "
            f"{_esc(record.bud_status)}) · {storage_text(record.bud_storage)}"
        )
    )
    if plan.bag.light_sensitive:
        story.append(para("<b>PROTECT FROM LIGHT</b>: cover the bag; keep the hang time short."))
    verified = (
        f"{_esc(record.verified_by.display_name)} at "
        f"{record.verified_at.astimezone(zone):%Y-%m-%d %H:%M}"
        if record.verified_by and record.verified_at
        else "— (awaiting a second pharmacist)"
    )
    story += [
        Spacer(1, 6),
        para(
            f"Prepared by {_esc(record.prepared_by.display_name)} "
            f"at {record.prepared_at.astimezone(zone):%Y-%m-%d %H:%M}"
        ),
        para(f"Verified by {verified}"),
        para(f"Status: {_esc(record.get_status_display())}"),
        Spacer(1, 8),
        para("Warnings of the plan", ParagraphStyle("h2", parent=body, fontName=bold)),
    ]
    for warning in plan.warnings:
        story.append(para(f"[{warning.severity}] {_esc(warning.message)}", small))
    story.append(para(f"Knowledge version {_esc(record.knowledge_version)}", small))
    document.build(story)
    return buffer.getvalue()


def _esc(text: str) -> str:
    """Escape text for reportlab's mini-markup (names may contain '&' or '<')."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
