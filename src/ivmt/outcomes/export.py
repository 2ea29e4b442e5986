"""The de-identified research export: one CSV row per current questionnaire response.

No name, MRN, date of birth, contact detail or free text leaves: the patient is a pseudonym,
age is in years (90+ pooled), every date is shifted by the patient's own stable offset
(``deidentify``), and every text cell is neutralised against spreadsheet formula injection.
One query (responses with their patient and primary indication), one audit row.
"""

from __future__ import annotations

import csv
import io

from django.db.models import OuterRef, Subquery

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.outcomes import deidentify
from ivmt.outcomes.models import QuestionnaireResponse
from ivmt.outcomes.services import export_key
from ivmt.patients.models import PatientIndication

COLUMNS = (
    "subject",
    "sex_at_birth",
    "age_years",
    "primary_indication",
    "instrument",
    "instrument_version",
    "timepoint",
    "dose_number",
    "date_shifted",
    "score",
    "band",
    "missing_items",
    "reweighted",
    "answers",
    "knowledge_version",
)


def research_export_csv(*, actor: Actor) -> tuple[str, int]:
    """The CSV text and its number of data rows."""
    actor.require("outcomes.export")
    secret = export_key(actor=actor)
    primary = PatientIndication.objects.filter(patient=OuterRef("patient"), is_primary=True).values(
        "code"
    )[:1]
    responses = (
        QuestionnaireResponse.objects.filter(clinic=actor.clinic, entered_in_error=False)
        .select_related("patient")
        .only(
            "patient__id",
            "patient__date_of_birth",
            "patient__sex_at_birth",
            "instrument_id",
            "instrument_version",
            "timepoint",
            "dose_number",
            "answered_on",
            "score",
            "band_id",
            "missing_items",
            "reweighted",
            "answers",
            "knowledge_version",
        )
        .annotate(primary_indication=Subquery(primary))
        .order_by("patient_id", "answered_on", "id")
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for response in responses.iterator(chunk_size=500):
        patient = response.patient
        offset = deidentify.shift_days(secret, patient.pk)
        answers = ";".join(
            f"{key}={'' if value is None else value}"
            for key, value in sorted(response.answers.items())
        )
        cells = (
            deidentify.pseudonym(secret, patient.pk),
            patient.sex_at_birth,
            deidentify.age_text(patient.date_of_birth, response.answered_on),
            getattr(response, "primary_indication", None) or "",
            response.instrument_id,
            response.instrument_version,
            response.timepoint,
            response.dose_number or "",
            deidentify.shifted(response.answered_on, offset).isoformat(),
            "" if response.score is None else f"{response.score.normalize():f}",
            response.band_id,
            response.missing_items,
            "yes" if response.reweighted else "no",
            answers,
            response.knowledge_version,
        )
        writer.writerow([deidentify.csv_safe(cell) for cell in cells])
        rows += 1
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="outcomes.export",
        ip=actor.ip,
        detail=f"{rows} de-identified rows",
    )
    return out.getvalue(), rows
