"""Reads of patient data. Every one is scoped to the actor's clinic and audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ivmt.clinical import labs
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.patients.models import LabResult, Patient

SEARCH_LIMIT = 50
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def _as_date(term: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()  # noqa: DTZ007  # a calendar date, no time
        except ValueError:
            continue
    return None


def patient_search(*, actor: Actor, term: str) -> list[Patient]:
    """Patients of the actor's clinic matching a name, MRN or date of birth (≤ 50 rows)."""
    actor.require("patients.view")
    patients: QuerySet[Patient] = Patient.objects.filter(clinic=actor.clinic)
    term = term.strip()
    if term:
        birth = _as_date(term)
        if birth is not None:
            patients = patients.filter(date_of_birth=birth)
        else:
            words = [w for w in re.split(r"[\s,]+", term) if w][:4]
            for word in words:
                patients = patients.filter(
                    Q(given_name__icontains=word)
                    | Q(family_name__icontains=word)
                    | Q(mrn__iexact=word)
                )
    found = list(patients.order_by("family_name", "given_name")[:SEARCH_LIMIT])
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="patients.search",
        ip=actor.ip,
        detail=f"{len(found)} shown",
    )
    return found


def patient_get(*, actor: Actor, patient_id: int, action: str = "chart.view") -> Patient:
    """The patient, if in the actor's clinic; otherwise 404 (no hint it exists) and audited."""
    actor.require("patients.view", patient_id=patient_id)
    patient = Patient.objects.filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action=action,
            object_type="patient",
            object_id=patient_id,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not in this clinic or does not exist",
        )
        raise Http404("No such patient.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient.pk,
        object_type="patient",
        object_id=patient.pk,
        ip=actor.ip,
    )
    return patient


@dataclass
class LabPanel:
    analyte: labs.Analyte
    results: list[LabResult] = field(default_factory=list)

    @property
    def latest(self) -> LabResult | None:
        return self.results[0] if self.results else None

    @property
    def oldest_first(self) -> list[LabResult]:
        return list(reversed(self.results))


@dataclass
class Chart:
    patient: Patient
    lab_panels: list[LabPanel]


def patient_chart(*, actor: Actor, patient_id: int) -> Chart:
    """Everything the chart page shows, in a fixed number of queries whatever the chart size."""
    return _chart(patient_get(actor=actor, patient_id=patient_id))


def portal_chart(*, actor: Actor, patient_id: int) -> Chart:
    """A patient's own chart for the portal; ``patient_id`` comes from their membership only."""
    actor.require("portal.view", patient_id=patient_id)
    patient = Patient.objects.filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="portal.view",
        patient_id=patient.pk,
        object_type="patient",
        object_id=patient.pk,
        ip=actor.ip,
    )
    return _chart(patient)


def _chart(patient: Patient) -> Chart:
    patient = (
        Patient.objects.filter(pk=patient.pk)
        .prefetch_related(
            "indications",
            "conditions",
            "medications",
            "allergies",
            Prefetch(
                "lab_results",
                queryset=LabResult.objects.filter(entered_in_error=False)
                .select_related("recorded_by")
                .order_by("-collected_at", "-id"),
            ),
        )
        .get()
    )
    panels = {a.code: LabPanel(analyte=a) for a in labs.analytes()}
    for result in patient.lab_results.all():
        if result.analyte in panels:
            panels[result.analyte].results.append(result)
    return Chart(patient=patient, lab_panels=list(panels.values()))


def lab_results_in_error(*, patient: Patient) -> QuerySet[LabResult]:
    return LabResult.objects.filter(patient=patient, entered_in_error=True).order_by(
        "-collected_at"
    )
