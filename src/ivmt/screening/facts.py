"""Turning chart rows into the clinical core's ``PatientFacts`` (and the clinic's policy into the
values the engine takes). Shared by the services (making a run) and the gate (is the latest run
still current?), so both see the chart the same way.

Reads, in a fixed number of queries whatever the chart size: the intake, active conditions,
current medications, allergies, and every non-error lab result (the latest per analyte is kept).
A medication or allergy whose stored code is no longer in the catalogue (a knowledge update
removed it) counts as uncoded, so screening asks for a review instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.clinical import allergens as allergen_catalogue
from ivmt.clinical import medications as drug_catalogue
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.screening_facts import (
    AllergyFact,
    ConditionFact,
    FormulaFacts,
    LabFact,
    MedicationFact,
    PatientFacts,
    Vitals,
    fingerprint,
    formula_facts,
)
from ivmt.patients.models import Allergy, Condition, LabResult, Medication, Patient
from ivmt.screening.models import Intake, ScreeningPolicy


def clinic_policy(clinic_id: int) -> ScreeningPolicy:
    """The clinic's policy row, or an unsaved one holding the defaults."""
    found = ScreeningPolicy.objects.filter(clinic_id=clinic_id).first()
    return found if found is not None else ScreeningPolicy(clinic_id=clinic_id)


def clinic_today(clinic: Clinic) -> date:
    return timezone.localdate(timezone=clinic.zone)


@cache
def _formula(formula_id: str, version: str) -> FormulaFacts | None:
    # ``version`` keys the cache so a knowledge update in a running process is picked up.
    try:
        return formula_facts(formula_id)
    except ClinicalError:
        return None


def _medication(row: Medication) -> MedicationFact:
    try:
        drug = drug_catalogue.drug(row.drug_code) if row.drug_code else None
    except ClinicalError:
        drug = None
    if drug is None:
        return MedicationFact(name=row.name)
    return MedicationFact(
        name=row.name, drug=drug.id, ingredients=drug.ingredients, classes=drug.all_classes
    )


def _allergy(row: Allergy) -> AllergyFact:
    try:
        found = allergen_catalogue.allergen(row.allergen_code) if row.allergen_code else None
    except ClinicalError:
        found = None
    if found is None:
        return AllergyFact(substance=row.substance, severity=row.severity)
    return AllergyFact(
        substance=row.substance,
        allergen=found.id,
        nutrients=found.nutrients,
        preservatives=found.preservatives,
        severity=row.severity,
    )


def chart_facts(
    patient: Patient,
    *,
    clinic: Clinic,
    policy: ScreeningPolicy,
    as_of: date,
    intake: Intake | None = None,
    series_started: bool = False,
    vitals: Vitals | None = None,
) -> PatientFacts:
    """The patient's facts on ``as_of`` (a clinic-local date).

    Reads the chart through the patient's related managers, so a patient the chart page already
    loaded with ``prefetch_related`` costs no further query; filtering (active, current, not in
    error) is done here in Python. ``intake`` may be passed when the caller already has it.
    """
    if intake is None:
        intake = Intake.objects.filter(patient=patient).first()
    conditions = sorted(
        (c for c in patient.conditions.all() if c.status == Condition.Status.ACTIVE),
        key=lambda c: (c.icd10, c.description, c.pk),
    )
    medications = sorted(
        (m for m in patient.medications.all() if m.stopped_on is None or m.stopped_on > as_of),
        key=lambda m: (m.name, m.pk),
    )
    allergies = sorted(patient.allergies.all(), key=lambda a: (a.substance, a.pk))
    latest: dict[str, LabResult] = {}
    for result in sorted(
        (r for r in patient.lab_results.all() if not r.entered_in_error),
        key=lambda r: (r.collected_at, r.pk),
        reverse=True,
    ):
        latest.setdefault(result.analyte, result)
    zone = clinic.zone
    return PatientFacts(
        as_of=as_of,
        birth_date=patient.date_of_birth,
        sex=patient.sex_at_birth,
        pregnancy_status=intake.pregnancy_status if intake else Intake.Pregnancy.UNKNOWN,
        breastfeeding=bool(intake and intake.breastfeeding),
        conditions=tuple(ConditionFact(c.description, c.icd10.strip().upper()) for c in conditions),
        medications=tuple(_medication(m) for m in medications),
        allergies=tuple(_allergy(a) for a in allergies),
        labs=tuple(
            LabFact(
                analyte=r.analyte,
                value=r.value,
                unit=r.unit,
                collected_on=timezone.localtime(r.collected_at, zone).date(),
                lower_limit=r.reference_low,
                upper_limit=r.reference_high,
                result_id=r.pk,
            )
            for r in sorted(latest.values(), key=lambda r: r.analyte)
        ),
        formula=_formula(policy.formula_id, knowledge_version()),
        series_started=series_started,
        vitals=vitals,
    )


@dataclass(frozen=True)
class ChartState:
    """The chart as screening sees it now: facts, policy, intake and their fingerprint."""

    fingerprint: str
    facts: PatientFacts
    policy: ScreeningPolicy
    intake: Intake | None


def chart_state(patient: Patient, *, clinic: Clinic) -> ChartState:
    """Facts and fingerprint of the chart today (two queries plus the chart's own reads)."""
    policy = clinic_policy(clinic.pk)
    intake = Intake.objects.filter(patient=patient).first()
    facts = chart_facts(
        patient, clinic=clinic, policy=policy, as_of=clinic_today(clinic), intake=intake
    )
    return ChartState(
        fingerprint=fingerprint(facts, policy.values(), knowledge_version()),
        facts=facts,
        policy=policy,
        intake=intake,
    )
