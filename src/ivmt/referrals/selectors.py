"""Reads of referrals (patient data: scoped to the clinic, audited, 404 otherwise) and of the
directory (not patient data: the clinic's own entries and those other clinics share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.indications import indication
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.patients.models import LabResult, Patient
from ivmt.referrals.models import DirectoryEntry, Referral
from ivmt.referrals.services import quiet_since

SEARCH_LIMIT = 100
LETTER_ANALYTES = ("magnesium", "calcium_total", "calcium_ionized", "potassium", "egfr")


def visible_entries(*, actor: Actor) -> QuerySet[DirectoryEntry]:
    """Entries the actor's clinic may see: its own and every shared one."""
    return DirectoryEntry.objects.filter(Q(clinic=actor.clinic) | Q(shared=True))


def directory_search(
    *, actor: Actor, name: str = "", city: str = "", kind: str = "", compounds: str = ""
) -> list[DirectoryEntry]:
    """Visible entries matching every given term (case-insensitive, parameterised), ≤ 100."""
    actor.require("directory.view")
    entries = visible_entries(actor=actor)
    for word in name.split()[:4]:
        entries = entries.filter(Q(name__icontains=word) | Q(organisation__icontains=word))
    if city.strip():
        entries = entries.filter(city__icontains=city.strip())
    if kind in DirectoryEntry.Kind.values:
        entries = entries.filter(kind=kind)
    for word in compounds.split()[:4]:
        entries = entries.filter(compounds__icontains=word)
    return list(entries.select_related("clinic").order_by("name", "city", "id")[:SEARCH_LIMIT])


def entry_get_own(*, actor: Actor, entry_id: int) -> DirectoryEntry:
    """An entry of the actor's own clinic (to edit); 404 otherwise."""
    actor.require("directory.manage")
    entry = DirectoryEntry.objects.filter(clinic=actor.clinic, pk=entry_id).first()
    if entry is None:
        raise Http404("No such entry in your clinic's directory.")
    return entry


def own_clinic_entry(*, actor: Actor) -> DirectoryEntry | None:
    return DirectoryEntry.objects.filter(clinic=actor.clinic, represents_clinic=True).first()


def nutritionists(*, actor: Actor) -> list[DirectoryEntry]:
    return list(
        visible_entries(actor=actor)
        .filter(kind=DirectoryEntry.Kind.NUTRITIONIST)
        .order_by("name", "city")
    )


def _denied(actor: Actor, action: str, object_type: str, object_id: int) -> Http404:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditEvent.Outcome.DENIED,
        ip=actor.ip,
        detail="not in this clinic or does not exist",
    )
    return Http404("Not found.")


def patient_get(*, actor: Actor, patient_id: int, action: str) -> Patient:
    actor.require("referrals.view", patient_id=patient_id)
    patient = Patient.objects.filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        raise _denied(actor, action, "patient", patient_id)
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


def referrals_for_patient(*, patient: Patient) -> list[Referral]:
    """The patient's referrals, newest first, with their history (the caller audited)."""
    return list(
        Referral.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("nutritionist", "created_by")
        .prefetch_related("events__by")
        .order_by("-created_at", "-id")
    )


def referral_get(*, actor: Actor, referral_id: int, action: str = "referral.view") -> Referral:
    actor.require("referrals.view")
    referral = (
        Referral.objects.filter(clinic=actor.clinic, pk=referral_id)
        .select_related("patient", "nutritionist", "created_by")
        .first()
    )
    if referral is None:
        raise _denied(actor, action, "referral", referral_id)
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=referral.patient_id,
        object_type="referral",
        object_id=referral.pk,
        ip=actor.ip,
    )
    return referral


@dataclass(frozen=True)
class IntakeOffer:
    status: str  # the intake's choice: not_offered | offered | accepted | declined
    label: str
    recorded_at: datetime | None


def intake_offer(*, patient: Patient) -> IntakeOffer | None:
    """What the intake recorded about the nutritionist referral (screening app), if anything."""
    from ivmt.screening.models import Intake

    intake = Intake.objects.filter(patient=patient).first()
    if intake is None:
        return None
    return IntakeOffer(
        intake.nutritionist_referral,
        intake.get_nutritionist_referral_display(),
        intake.referral_recorded_at,
    )


def overdue_referrals(
    *, actor: Actor, now: datetime | None = None, limit: int = 20
) -> list[Referral]:
    """Open referrals with no change for 30 days or more, oldest first (one query)."""
    if not actor.may("referrals.view"):
        return []
    cutoff = quiet_since(now or timezone.now())
    return list(
        Referral.objects.filter(
            clinic=actor.clinic, status__in=Referral.OPEN, status_changed_at__lte=cutoff
        )
        .select_related("patient", "nutritionist")
        .order_by("status_changed_at", "id")[:limit]
    )


def accepted_without_referral(*, actor: Actor, limit: int = 20) -> list[Patient]:
    """Patients who accepted the nutritionist at intake but have no referral yet (2 queries)."""
    from ivmt.screening.models import Intake

    if not actor.may("referrals.manage"):
        return []
    referred = Referral.objects.filter(clinic=actor.clinic).values("patient_id")
    patient_ids = (
        Intake.objects.filter(clinic=actor.clinic, nutritionist_referral="accepted")
        .exclude(patient_id__in=referred)
        .values("patient_id")
    )
    return list(
        Patient.objects.filter(clinic=actor.clinic, pk__in=patient_ids).order_by(
            "family_name", "given_name"
        )[:limit]
    )


@dataclass(frozen=True)
class LetterHistory:
    indications: list[tuple[str, str, bool]]  # (label, ICD-10, primary)
    conditions: list[tuple[str, str]]
    medications: list[str]
    allergies: list[str]
    labs: list[LabResult]
    symptoms: str


def letter_history(*, patient: Patient) -> LetterHistory:
    """The relevant history for the nutritionist: indications, active conditions, current
    medications, allergies, the latest electrolytes and renal function, intake symptoms."""
    from ivmt.screening.models import Intake

    indications = []
    for item in patient.indications.all():
        try:
            label = indication(item.code).name
        except ClinicalError:  # an old code no longer in the catalogue: show it as stored
            label = item.code
        indications.append((label, item.icd10, item.is_primary))
    latest: dict[str, LabResult] = {}
    for result in LabResult.objects.filter(
        patient=patient, analyte__in=LETTER_ANALYTES, entered_in_error=False
    ).order_by("-collected_at", "-id"):
        latest.setdefault(result.analyte, result)
    intake = Intake.objects.filter(patient=patient).first()
    return LetterHistory(
        indications=indications,
        conditions=[(c.description, c.icd10) for c in patient.conditions.filter(status="active")],
        medications=[str(m) for m in patient.medications.filter(stopped_on__isnull=True)],
        allergies=[
            f"{a.substance} ({a.get_severity_display().lower()})" for a in patient.allergies.all()
        ],
        labs=[latest[a] for a in LETTER_ANALYTES if a in latest],
        symptoms=intake.symptoms_baseline if intake else "",
    )
