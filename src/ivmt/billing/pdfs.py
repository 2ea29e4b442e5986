"""The patient's copy of a signed document and the superbill, as PDFs (letter, reportlab).

Fonts are the pharmacy's (``ivmt.pharmacy.pdf_fonts``: Vera, embedded, covers accented names).
Every piece of text from the database goes through :func:`esc` before it reaches a reportlab
``Paragraph``, whose mini-markup would otherwise read ``<`` and ``&`` typed into a name.
Times are shown in the clinic's time zone; money with two decimals and a dollar sign.
"""

from __future__ import annotations

import io
from datetime import tzinfo
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ivmt.accounts.models import Clinic
from ivmt.billing.models import SignedDocument
from ivmt.billing.selectors import Superbill
from ivmt.pharmacy.pdf_fonts import register_fonts


def esc(value: object) -> str:
    return escape(str(value))


def usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=6),
        "h": ParagraphStyle("h", fontName=bold, fontSize=10.5, leading=14, spaceBefore=6),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, spaceAfter=4),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5),
        "cellb": ParagraphStyle("cellb", fontName=bold, fontSize=8.5, leading=10.5),
    }


def _clinic_lines(clinic: Clinic, extra: str = "") -> str:
    parts = [f"<b>{esc(clinic.name)}</b>"]
    if clinic.address:
        parts.append(esc(clinic.address))
    if clinic.phone:
        parts.append(f"Tel. {esc(clinic.phone)}")
    if extra:
        parts.append(extra)
    return "<br/>".join(parts)


def signed_document_pdf(document: SignedDocument, zone: tzinfo) -> bytes:
    """The patient's copy: the exact wording signed, their name, the drawn signature, the date
    and time, the witness, and the fingerprints of wording and signature."""
    s = _styles()
    template = document.template
    patient = document.patient
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.7 * inch,
        title=f"{template.title} (version {template.version})",
        author=document.clinic.name,
    )
    story: list[object] = [
        Paragraph(_clinic_lines(document.clinic), s["small"]),
        Spacer(1, 10),
        Paragraph(esc(template.title), s["title"]),
        Paragraph(
            f"Version {template.version}, published "
            f"{timezone.localtime(template.published_at, zone):%Y-%m-%d}",
            s["small"],
        ),
        Spacer(1, 6),
        Paragraph(
            f"Patient: <b>{esc(patient.family_name.upper())}, {esc(patient.given_name)}</b> · "
            f"born {patient.date_of_birth:%Y-%m-%d} · MRN {esc(patient.mrn)}",
            s["body"],
        ),
        Spacer(1, 6),
    ]
    for paragraph in template.body.split("\n"):
        if paragraph.strip():
            story.append(Paragraph(esc(paragraph), s["body"]))
    signed_at = timezone.localtime(document.signed_at, zone)
    signature = Image(io.BytesIO(bytes(document.signature_png)))
    ratio = signature.imageHeight / signature.imageWidth
    signature.drawWidth = 2.8 * inch
    signature.drawHeight = 2.8 * inch * ratio
    signature.hAlign = "LEFT"
    who = (
        "Signed by the patient"
        if document.signer == SignedDocument.Signer.PATIENT
        else "Signed by a legal representative of the patient"
    )
    story += [
        Spacer(1, 10),
        Paragraph("Signature", s["h"]),
        signature,
        Paragraph(f"{who}: <b>{esc(document.signer_name)}</b>", s["body"]),
        Paragraph(f"Date and time: {signed_at:%Y-%m-%d %H:%M} ({esc(zone)})", s["body"]),
        Paragraph(f"Witnessed by: {esc(document.witnessed_by.display_name)}", s["body"]),
    ]
    if document.withdrawn_at:
        story.append(
            Paragraph(
                f"<b>Withdrawn on {timezone.localtime(document.withdrawn_at, zone):%Y-%m-%d %H:%M}"
                "</b>",
                s["body"],
            )
        )
    story += [
        Spacer(1, 8),
        Paragraph(
            f"Wording fingerprint (SHA-256): {template.body_sha256}<br/>"
            f"Signature fingerprint (SHA-256): {document.signature_sha256}",
            s["small"],
        ),
    ]
    pdf.build(story)
    return out.getvalue()


def superbill_pdf(bill: Superbill, clinic: Clinic, zone: tzinfo) -> bytes:
    """The superbill: clinic and provider identifiers, the patient, diagnosis codes, one row per
    service with its code, units and amount, payments, and the totals."""
    s = _styles()
    settings = bill.settings
    patient = bill.patient
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
        title="Superbill",
        author=clinic.name,
    )
    identity = []
    if settings.billing_name:
        identity.append(f"Billing name: {esc(settings.billing_name)}")
    identity.append(f"Organisation NPI: {esc(settings.npi or 'not recorded')}")
    identity.append(f"Tax id (EIN): {esc(settings.tax_id or 'not recorded')}")
    identity.append(f"Place of service: {esc(settings.place_of_service)}")
    span = (
        f"{bill.first_day:%Y-%m-%d}"
        if bill.first_day == bill.last_day
        else f"{bill.first_day:%Y-%m-%d} to {bill.last_day:%Y-%m-%d}"
    )
    story: list[object] = [
        Paragraph(_clinic_lines(clinic, "<br/>".join(identity)), s["small"]),
        Spacer(1, 8),
        Paragraph("Superbill", s["title"]),
        Paragraph(f"Services of {span}", s["body"]),
        Paragraph(
            f"Patient: <b>{esc(patient.family_name.upper())}, {esc(patient.given_name)}</b> · "
            f"born {patient.date_of_birth:%Y-%m-%d} · MRN {esc(patient.mrn)}"
            + (f"<br/>{esc(patient.address)}" if patient.address else ""),
            s["body"],
        ),
    ]
    providers = "; ".join(
        f"{esc(name)} (NPI {esc(npi or 'not recorded')})" for name, npi in bill.providers
    )
    story.append(Paragraph(f"Ordering provider: {providers or 'none'}", s["body"]))
    story.append(
        Paragraph(
            "Diagnosis (ICD-10-CM): "
            + (", ".join(esc(d) for d in bill.diagnoses) or "not coded: ask the clinic"),
            s["body"],
        )
    )
    header = ["Date", "Code", "Description", "Dx", "Units", "Amount"]
    rows: list[list[object]] = [[Paragraph(h, s["cellb"]) for h in header]]
    for charge in bill.charges:
        code = esc(charge.code) + ("†" if charge.code and not charge.code_verified else "")
        description = esc(charge.description)
        if charge.package_use_id is not None:
            description += f" (prepaid in package; list price {usd(charge.list_amount)})"
        rows.append(
            [
                Paragraph(f"{charge.service_date:%Y-%m-%d}", s["cell"]),
                Paragraph(code, s["cell"]),
                Paragraph(description, s["cell"]),
                Paragraph(esc(charge.diagnosis_icd10), s["cell"]),
                Paragraph(str(charge.units), s["cell"]),
                Paragraph(usd(charge.amount), s["cell"]),
            ]
        )
    rows.append(
        [
            "",
            "",
            Paragraph("Total charges", s["cellb"]),
            "",
            "",
            Paragraph(usd(bill.total_charged), s["cellb"]),
        ]
    )
    table = Table(
        rows,
        colWidths=[0.95 * inch, 0.7 * inch, 3.3 * inch, 0.7 * inch, 0.55 * inch, 1.0 * inch],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -2), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
            ]
        )
    )
    story += [Spacer(1, 6), table, Spacer(1, 8), Paragraph("Payments", s["h"])]
    pay_rows: list[list[object]] = [
        [Paragraph(h, s["cellb"]) for h in ("Date", "Method", "Reference", "Amount")]
    ]
    for payment in bill.payments:
        pay_rows.append(
            [
                Paragraph(f"{payment.received_on:%Y-%m-%d}", s["cell"]),
                Paragraph(esc(payment.get_method_display()), s["cell"]),
                Paragraph(esc(payment.reference), s["cell"]),
                Paragraph(usd(payment.amount), s["cell"]),
            ]
        )
    pay_rows.append(
        ["", "", Paragraph("Total paid", s["cellb"]), Paragraph(usd(bill.total_paid), s["cellb"])]
    )
    pay_table = Table(
        pay_rows, colWidths=[0.95 * inch, 1.2 * inch, 3.5 * inch, 1.0 * inch], hAlign="LEFT"
    )
    pay_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -2), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
            ]
        )
    )
    story += [
        pay_table,
        Spacer(1, 8),
        Paragraph(f"<b>Balance due: {usd(bill.balance)}</b>", s["body"]),
    ]
    if bill.unverified_codes:
        story.append(
            Paragraph(
                "† Code not verified against the current CMS HCPCS file ("
                + ", ".join(esc(c) for c in bill.unverified_codes)
                + "): your insurer may ask for another code.",
                s["small"],
            )
        )
    story.append(
        Paragraph(
            f"Printed {timezone.localtime(timezone.now(), zone):%Y-%m-%d %H:%M}. Submit this "
            "superbill to your insurer with your claim form; the clinic does not bill your "
            "insurer for you.",
            s["small"],
        )
    )
    pdf.build(story)
    return out.getvalue()
