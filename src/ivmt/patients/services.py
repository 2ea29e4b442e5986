"""Writes to the patient chart. Each is one audited change inside one transaction.

Lock order (when more than one row is locked): clinic, then patient.

Changes that screening reads (medications, conditions, allergies, lab results, demographics)
end with ``chart_changed`` (``ivmt.core.observers``), inside the same transaction, so that the
screening app can re-screen the patient without this app importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.clinical import allergens as allergen_catalogue
from ivmt.clinical import indications as indication_catalogue
from ivmt.clinical import labs
from ivmt.clinical import medications as drug_catalogue
from ivmt.clinical.errors import ClinicalError
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.observers import ChangeKind, chart_changed
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import (
    Allergy,
    Condition,
    LabResult,
    Medication,
    Patient,
    PatientIndication,
)

_Row = TypeVar("_Row", Condition, Medication, Allergy, LabResult)

MRN_PREFIX = "IV"
# A result may be stamped a few minutes ahead of the server clock by a lab's own clock.
CLOCK_SKEW = timedelta(minutes=5)
DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "sex_at_birth",
    "phone",
    "email",
    "address",
)


def _audit(actor: Actor, action: str, patient: Patient, obj: Any = None, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient.pk,
        object_type=type(obj).__name__.lower() if obj is not None else "patient",
        object_id=obj.pk if obj is not None else patient.pk,
        ip=actor.ip,
        detail=detail,
    )


def _changed(actor: Actor, patient: Patient, kind: ChangeKind) -> None:
    chart_changed(actor=actor, patient_id=patient.pk, clinic_id=patient.clinic_id, kind=kind)


def _drug_code(name: str, drug_code: str) -> str:
    """The catalogue code chosen, else the one whose name matches exactly, else ""."""
    if drug_code:
        try:
            return drug_catalogue.drug(drug_code).id
        except ClinicalError as error:
            raise ValidationError(str(error)) from error
    found = drug_catalogue.match_drug(name)
    return found.id if found else ""


def _allergen_code(substance: str, allergen_code: str) -> str:
    if allergen_code:
        try:
            return allergen_catalogue.allergen(allergen_code).id
        except ClinicalError as error:
            raise ValidationError(str(error)) from error
    found = allergen_catalogue.match_allergen(substance)
    return found.id if found else ""


def _own(actor: Actor, patient: Patient) -> None:
    # Selectors already scope by clinic; this is the second lock on the door for services
    # called from elsewhere (commands, later the API).
    if patient.clinic_id != actor.clinic.pk:
        raise PermissionDenied("This patient is not in your clinic.")


def _locked_row(model: type[_Row], patient: Patient, pk: int, missing: str) -> _Row:
    """One row of this patient's chart, locked for change; ``missing`` is the message if absent."""
    row = model.objects.select_for_update().filter(patient=patient, pk=pk).first()
    if row is None:
        raise ValidationError(missing)
    return row


def _check_birth_date(value: date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError("Date of birth cannot be in the future.")
    if value < today.replace(year=today.year - 120):
        raise ValidationError("Date of birth is more than 120 years ago: check the year.")


def _next_mrn(clinic: Clinic) -> str:
    # Called with the clinic row locked, so two registrations cannot take the same number.
    last = (
        Patient.objects.filter(clinic=clinic, mrn__startswith=MRN_PREFIX)
        .order_by("-mrn")
        .values_list("mrn", flat=True)
        .first()
    )
    number = int(last[len(MRN_PREFIX) :]) + 1 if last and last[len(MRN_PREFIX) :].isdigit() else 1
    return f"{MRN_PREFIX}{number:06d}"


def patient_register(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex_at_birth: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    indication_codes: tuple[str, ...] = (),
    primary_indication: str = "",
) -> Patient:
    actor.require("patients.register")
    _check_birth_date(date_of_birth)
    if sex_at_birth not in Patient.Sex.values:
        raise ValidationError("Choose a sex at birth from the list.")
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
        patient = Patient.objects.create(
            clinic=clinic,
            mrn=_next_mrn(clinic),
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            date_of_birth=date_of_birth,
            sex_at_birth=sex_at_birth,
            phone=phone,
            email=email,
            address=address,
            created_by=actor.user,
        )
        _audit(actor, "patient.register", patient)
        if indication_codes:
            _set_indications(actor, patient, indication_codes, primary_indication)
    return patient


def patient_update_demographics(
    *, actor: Actor, patient: Patient, expected_version: int, changes: dict[str, Any]
) -> Patient:
    """Save demographic changes; refuse with EditConflict if the chart moved on meanwhile."""
    actor.require("patients.edit_demographics", patient_id=patient.pk)
    _own(actor, patient)
    unknown = set(changes) - set(DEMOGRAPHIC_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "date_of_birth" in changes:
        _check_birth_date(changes["date_of_birth"])
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        if current.version != expected_version:
            raise EditConflict(
                "Someone else changed this patient's details after you opened the form. "
                "Nothing was saved: reload to see their changes, then make yours again."
            )
        changed = sorted(f for f, v in changes.items() if getattr(current, f) != v)
        for field in changed:
            setattr(current, field, changes[field])
        current.version += 1
        current.save()
        _audit(actor, "patient.update", current, detail="fields: " + ", ".join(changed))
        if {"date_of_birth", "sex_at_birth"} & set(changed):
            _changed(actor, current, "demographics")
    return current


def _set_indications(actor: Actor, patient: Patient, codes: tuple[str, ...], primary: str) -> None:
    try:
        chosen = [indication_catalogue.indication(code) for code in dict.fromkeys(codes)]
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    if primary and primary not in codes:
        raise ValidationError("The primary indication must be one of those chosen.")
    PatientIndication.objects.filter(patient=patient).delete()
    for item in chosen:
        PatientIndication.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            code=item.code,
            icd10=item.icd10 or "",
            is_primary=(item.code == (primary or chosen[0].code)),
        )


def indications_set(
    *, actor: Actor, patient: Patient, codes: tuple[str, ...], primary: str = ""
) -> None:
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if not codes:
        raise ValidationError("Choose at least one indication.")
    with transaction.atomic():
        _set_indications(actor, patient, codes, primary)
        _audit(actor, "patient.indications", patient, detail=", ".join(codes)[:200])


def condition_add(
    *,
    actor: Actor,
    patient: Patient,
    description: str,
    icd10: str = "",
    onset: date | None = None,
) -> Condition:
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if onset is not None and onset > timezone.localdate():
        raise ValidationError("Onset cannot be in the future.")
    with transaction.atomic():
        condition = Condition.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            description=description.strip(),
            icd10=icd10.strip().upper(),
            onset=onset,
        )
        _audit(actor, "condition.add", patient, condition)
        _changed(actor, patient, "condition")
    return condition


def condition_resolve(*, actor: Actor, patient: Patient, condition_id: int) -> Condition:
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    with transaction.atomic():
        condition = _locked_row(
            Condition, patient, condition_id, "That condition is not on this chart."
        )
        condition.status = Condition.Status.RESOLVED
        condition.save(update_fields=["status"])
        _audit(actor, "condition.resolve", patient, condition)
        _changed(actor, patient, "condition")
    return condition


def medication_add(
    *,
    actor: Actor,
    patient: Patient,
    name: str,
    dose: str = "",
    started_on: date | None = None,
    drug_code: str = "",
) -> Medication:
    """Add a current medication. ``drug_code`` is a catalogue code; when blank, a name that
    matches a catalogue name or alias exactly is coded automatically, otherwise it stays
    uncoded (and screening asks a physician to review it)."""
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if started_on is not None and started_on > timezone.localdate():
        raise ValidationError("Start date cannot be in the future.")
    code = _drug_code(name, drug_code)
    with transaction.atomic():
        medication = Medication.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            name=name.strip(),
            drug_code=code,
            dose=dose.strip(),
            started_on=started_on,
        )
        _audit(actor, "medication.add", patient, medication, detail=code)
        _changed(actor, patient, "medication")
    return medication


def medication_code_set(
    *, actor: Actor, patient: Patient, medication_id: int, drug_code: str
) -> Medication:
    """Code (or re-code) a medication from the catalogue."""
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if not drug_code:
        raise ValidationError("Choose a medication from the catalogue.")
    code = _drug_code("", drug_code)
    with transaction.atomic():
        medication = _locked_row(
            Medication, patient, medication_id, "That medication is not on this chart."
        )
        medication.drug_code = code
        medication.save(update_fields=["drug_code"])
        _audit(actor, "medication.code", patient, medication, detail=code)
        _changed(actor, patient, "medication")
    return medication


def medication_stop(
    *, actor: Actor, patient: Patient, medication_id: int, stopped_on: date
) -> Medication:
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    with transaction.atomic():
        medication = _locked_row(
            Medication, patient, medication_id, "That medication is not on this chart."
        )
        if medication.stopped_on is not None:
            raise ValidationError("That medication was already stopped.")
        if medication.started_on and stopped_on < medication.started_on:
            raise ValidationError("A medication cannot stop before it started.")
        medication.stopped_on = stopped_on
        medication.save(update_fields=["stopped_on"])
        _audit(actor, "medication.stop", patient, medication)
        _changed(actor, patient, "medication")
    return medication


def allergy_add(
    *,
    actor: Actor,
    patient: Patient,
    substance: str,
    reaction: str = "",
    severity: str = Allergy.Severity.UNKNOWN,
    allergen_code: str = "",
) -> Allergy:
    """Add an allergy; coded like ``medication_add`` (explicit code, else exact name match)."""
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if severity not in Allergy.Severity.values:
        raise ValidationError("Choose a severity from the list.")
    code = _allergen_code(substance, allergen_code)
    with transaction.atomic():
        allergy = Allergy.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            substance=substance.strip(),
            allergen_code=code,
            reaction=reaction.strip(),
            severity=severity,
        )
        _audit(actor, "allergy.add", patient, allergy, detail=code)
        _changed(actor, patient, "allergy")
    return allergy


def allergy_code_set(
    *, actor: Actor, patient: Patient, allergy_id: int, allergen_code: str
) -> Allergy:
    """Code (or re-code) an allergy from the allergen catalogue."""
    actor.require("patients.edit_clinical", patient_id=patient.pk)
    _own(actor, patient)
    if not allergen_code:
        raise ValidationError("Choose an allergen from the list.")
    code = _allergen_code("", allergen_code)
    with transaction.atomic():
        allergy = _locked_row(Allergy, patient, allergy_id, "That allergy is not on this chart.")
        allergy.allergen_code = code
        allergy.save(update_fields=["allergen_code"])
        _audit(actor, "allergy.code", patient, allergy, detail=code)
        _changed(actor, patient, "allergy")
    return allergy


@dataclass(frozen=True)
class LabEntry:
    analyte: str
    value: Decimal
    unit: str
    collected_at: datetime
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None
    lab_name: str = ""


def lab_result_record(*, actor: Actor, patient: Patient, entry: LabEntry) -> LabResult:
    """Record a result in the unit the lab reported; store it converted exactly.

    The reference range, when given, is in the same unit as the value; without one the
    analyte's typical adult range from the clinical core is used and flagged as such.
    """
    actor.require("labs.record", patient_id=patient.pk)
    _own(actor, patient)
    if timezone.is_naive(entry.collected_at):
        raise ValidationError("The collection time needs a time zone.")
    if entry.collected_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError("The collection time is in the future.")
    if entry.collected_at.date() < patient.date_of_birth:
        raise ValidationError("The collection time is before the patient was born.")
    try:
        analyte = labs.analyte(entry.analyte)
        canonical = labs.validate_result(analyte.code, entry.value, entry.unit)
        low = (
            labs.to_canonical(analyte.code, entry.reference_low, entry.unit)
            if entry.reference_low is not None
            else analyte.reference_low
        )
        high = (
            labs.to_canonical(analyte.code, entry.reference_high, entry.unit)
            if entry.reference_high is not None
            else analyte.reference_high
        )
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    if low is not None and high is not None and low >= high:
        raise ValidationError("The reference range's lower limit must be below its upper limit.")
    with transaction.atomic():
        result = LabResult.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            analyte=analyte.code,
            loinc=analyte.loinc,
            value_entered=entry.value,
            unit_entered=entry.unit,
            value=canonical.quantize(Decimal("0.000001")),
            unit=analyte.canonical_unit,
            reference_low=low,
            reference_high=high,
            flag=labs.flag(canonical, low, high),
            collected_at=entry.collected_at,
            lab_name=entry.lab_name.strip(),
            recorded_by=actor.user,
        )
        _audit(actor, "lab.record", patient, result, detail=analyte.code)
        _changed(actor, patient, "lab")
    return result


def lab_result_mark_error(
    *, actor: Actor, patient: Patient, result_id: int, reason: str
) -> LabResult:
    actor.require("labs.record", patient_id=patient.pk)
    _own(actor, patient)
    if not reason.strip():
        raise ValidationError("Give the reason the result is in error.")
    with transaction.atomic():
        result = _locked_row(LabResult, patient, result_id, "That result is not on this chart.")
        if result.entered_in_error:
            raise ValidationError("That result is already marked as entered in error.")
        result.entered_in_error = True
        result.error_reason = reason.strip()[:200]
        result.save(update_fields=["entered_in_error", "error_reason"])
        _audit(actor, "lab.entered_in_error", patient, result)
        _changed(actor, patient, "lab")
    return result
