"""The referral letter to the nutritionist, as a PDF (letter, reportlab, the pharmacy's fonts).

It carries the clinic's letterhead, the nutritionist's address, the patient's identity, why they
are in the IVMT programme (indications with ICD-10), the relevant history (active conditions,
current medications, allergies, the latest magnesium, calcium, potassium and eGFR, the symptoms
recorded at intake), the question for the nutritionist and who referred. Every database string
is escaped before reportlab's paragraph markup reads it.
"""

from __future__ import annotations

import io
from datetime import tzinfo
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ivmt.pharmacy.pdf_fonts import register_fonts
from ivmt.referrals.models import Referral
from ivmt.referrals.selectors import LetterHistory


def _esc(value: object) -> str:
    return escape(str(value))


def _lines(value: str) -> str:
    return "<br/>".join(_esc(line) for line in value.splitlines())


def referral_letter_pdf(referral: Referral, history: LetterHistory, zone: tzinfo) -> bytes:
    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, spaceAfter=5)
    small = ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11)
    heading = ParagraphStyle("h", fontName=bold, fontSize=11, leading=15, spaceBefore=8)
    clinic = referral.clinic
    patient = referral.patient
    to = referral.nutritionist
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title="Referral to a nutritionist",
        author=clinic.name,
    )
    letterhead = [f"<b>{_esc(clinic.name)}</b>"]
    letterhead += [_esc(x) for x in (clinic.address, clinic.phone) if x]
    address = [f"<b>{_esc(to.name)}</b>"]
    address += [_esc(x) for x in (to.organisation, to.address) if x]
    address.append(_esc(" ".join(x for x in (to.city, to.state, to.postal_code) if x)))
    story: list[object] = [
        Paragraph("<br/>".join(letterhead), small),
        Spacer(1, 14),
        Paragraph("<br/>".join(address), body),
        Spacer(1, 8),
        Paragraph(f"{timezone.localtime(referral.created_at, zone):%d %B %Y}", body),
        Paragraph(
            f"<b>Referral for a dietary evaluation: {_esc(patient.given_name)} "
            f"{_esc(patient.family_name)}</b>, born {patient.date_of_birth:%Y-%m-%d}, "
            f"our MRN {_esc(patient.mrn)}"
            + (f", tel. {_esc(patient.phone)}" if patient.phone else ""),
            body,
        ),
        Paragraph(
            "This patient receives intravenous micronutrient therapy (IVMT) at our clinic. "
            "As part of the programme we offer every patient an evaluation of their diet; "
            "the patient "
            + ("accepted this offer at intake" if referral.offered_at_intake else "asked for it")
            + ". We would be grateful if you would see them.",
            body,
        ),
        Paragraph("Reason for IVMT", heading),
        Paragraph(
            "; ".join(
                f"{_esc(label)} ({_esc(icd or 'no code')})" + (" — primary" if primary else "")
                for label, icd, primary in history.indications
            )
            or "Not recorded.",
            body,
        ),
        Paragraph("Relevant history", heading),
        Paragraph(
            "<b>Active conditions:</b> "
            + ("; ".join(_esc(f"{d} ({c})" if c else d) for d, c in history.conditions) or "none"),
            body,
        ),
        Paragraph(
            "<b>Current medications:</b> "
            + ("; ".join(_esc(m) for m in history.medications) or "none"),
            body,
        ),
        Paragraph(
            "<b>Allergies:</b> " + ("; ".join(_esc(a) for a in history.allergies) or "none known"),
            body,
        ),
        Paragraph(
            "<b>Latest results:</b> "
            + (
                "; ".join(
                    f"{_esc(r.analyte.replace('_', ' '))} {r.value.normalize():f} {_esc(r.unit)}"
                    f"{' ' + _esc(r.flag) if r.flag else ''} "
                    f"({timezone.localtime(r.collected_at, zone):%Y-%m-%d})"
                    for r in history.labs
                )
                or "none on file"
            ),
            body,
        ),
    ]
    if history.symptoms:
        story += [
            Paragraph("<b>Symptoms at intake:</b>", body),
            Paragraph(_lines(history.symptoms), body),
        ]
    if referral.question:
        story += [
            Paragraph("Question for you", heading),
            Paragraph(_lines(referral.question), body),
        ]
    story += [
        Spacer(1, 14),
        Paragraph("Please let us know when you have seen the patient.", body),
        Paragraph(
            f"Referred by {_esc(referral.created_by.display_name)}, {_esc(clinic.name)}", body
        ),
    ]
    pdf.build(story)
    return out.getvalue()
