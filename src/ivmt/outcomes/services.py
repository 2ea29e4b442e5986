"""Writes of the outcomes app. Each is one audited change inside one transaction.

Scoring, bands, alerts and verdicts come from the clinical core
(``questionnaire_scoring.score``, ``response_rules.assess``); this module stores them. After any
change to a patient's responses, the derived rows (``OutcomeChange``, ``OutcomeVerdict``) of that
patient are rebuilt in the same transaction, so the programme page never sees a half-updated
patient.

Lock order: patient row, then response rows (the same order as the patients app).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.clinical import instruments as catalogue
from ivmt.clinical import response_rules
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.questionnaire_scoring import Score, score
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.planning import clinic_today
from ivmt.outcomes.models import (
    COMPARED_TIMEPOINTS,
    InstrumentWording,
    OutcomeChange,
    OutcomeVerdict,
    QuestionnaireResponse,
    ResearchExportKey,
    Timepoint,
)
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient, PatientIndication

# Answers may describe a day up to this far back (a diary brought to the visit) ...
MAX_BACKDATE = timedelta(days=366)
STORED = Decimal("0.0001")


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


def _own(actor: Actor, patient: Patient) -> None:
    # Selectors scope by clinic already; this guards services called from elsewhere.
    if patient.clinic_id != actor.clinic.pk:
        raise PermissionDenied("This patient is not in your clinic.")


def _stored(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(STORED, rounding=ROUND_HALF_UP)


def response_record(
    *,
    actor: Actor,
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, object],
    timepoint: str,
    answered_on: date,
    dose_number: int = 0,
) -> QuestionnaireResponse:
    """Score and store one response, filled in by staff on the patient's behalf.

    Raises ValidationError with a user-facing message for an unknown instrument or time point,
    an invalid answer (out of range, not a whole number), a date in the future or over a year
    back, PGIC at baseline, or a second current response for the same time point.
    """
    actor.require("outcomes.record", patient_id=patient.pk)
    _own(actor, patient)
    try:
        measure = catalogue.instrument(instrument_id)
        result = score(measure, answers)
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    if timepoint not in Timepoint.values:
        raise ValidationError("Choose a time point from the list.")
    if timepoint == Timepoint.BASELINE and not measure.at_baseline:
        raise ValidationError(
            f"{measure.short_name} has no baseline: ask it after treatment starts."
        )
    today = clinic_today(actor.clinic)
    if answered_on > today:
        raise ValidationError("The date the answers describe cannot be in the future.")
    if answered_on < today - MAX_BACKDATE:
        raise ValidationError("The date is more than a year ago: check the year.")
    if dose_number < 0 or dose_number > 999:
        raise ValidationError("The dose number is not plausible.")
    if timepoint not in (Timepoint.VISIT, Timepoint.MAINTENANCE):
        dose_number = 0
    source = (
        QuestionnaireResponse.Source.CLINICIAN
        if measure.respondent == "clinician"
        else QuestionnaireResponse.Source.STAFF
    )
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        existing = (
            QuestionnaireResponse.objects.filter(
                patient=patient,
                instrument_id=measure.id,
                timepoint=timepoint,
                dose_number=dose_number,
                entered_in_error=False,
            )
            .exclude(timepoint=Timepoint.UNSCHEDULED)
            .first()
        )
        if existing is not None:
            raise ValidationError(
                f"A {measure.short_name} for this time point is already recorded "
                f"({existing.answered_on:%Y-%m-%d}). Mark it as entered in error to replace it."
            )
        try:
            with transaction.atomic():
                response = QuestionnaireResponse.objects.create(
                    clinic_id=patient.clinic_id,
                    patient=patient,
                    instrument_id=measure.id,
                    instrument_version=measure.provenance.version,
                    timepoint=timepoint,
                    dose_number=dose_number,
                    answered_on=answered_on,
                    answers=dict(result.answers),
                    score=_stored(result.total),
                    band_id=result.band.id if result.band else "",
                    band_label=result.band.label if result.band else "",
                    missing_items=len(result.missing),
                    reweighted=result.reweighted,
                    alert_level=result.alert_level or "",
                    alerts=[
                        {
                            "code": a.code,
                            "severity": a.severity,
                            "message": a.message,
                            "rule_id": a.rule_id,
                        }
                        for a in result.alerts
                    ],
                    knowledge_version=result.knowledge_version,
                    source=source,
                    recorded_by=actor.user,
                )
        except IntegrityError:
            raise ValidationError(
                f"A {measure.short_name} for this time point was recorded at the same moment."
            ) from None
        detail = f"{measure.id} {timepoint}"
        if result.alert_level:
            detail += f"; alert {result.alert_level}"
        _audit(actor, "outcome.record", patient, response, detail)
        _rebuild_derived(patient)
    return response


def response_mark_error(
    *, actor: Actor, patient: Patient, response_id: int, reason: str
) -> QuestionnaireResponse:
    actor.require("outcomes.record", patient_id=patient.pk)
    _own(actor, patient)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give the reason the response is in error.")
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        response = (
            QuestionnaireResponse.objects.select_for_update()
            .filter(patient=patient, pk=response_id)
            .first()
        )
        if response is None:
            raise ValidationError("That response is not on this patient's record.")
        if response.entered_in_error:
            raise ValidationError("That response is already marked as entered in error.")
        response.entered_in_error = True
        response.error_reason = reason[:200]
        response.save(update_fields=["entered_in_error", "error_reason"])
        _audit(actor, "outcome.entered_in_error", patient, response, response.instrument_id)
        _rebuild_derived(patient)
    return response


def alert_acknowledge(
    *, actor: Actor, patient: Patient, response_id: int, action: str
) -> QuestionnaireResponse:
    """A physician records what was done about a response's alert (e.g. PHQ-9 item 9)."""
    actor.require("outcomes.review", patient_id=patient.pk)
    _own(actor, patient)
    if action not in QuestionnaireResponse.AlertAction.values:
        raise ValidationError("Choose what was done from the list.")
    with transaction.atomic():
        response = (
            QuestionnaireResponse.objects.select_for_update()
            .filter(patient=patient, pk=response_id)
            .first()
        )
        if response is None:
            raise ValidationError("That response is not on this patient's record.")
        if not response.alert_level:
            raise ValidationError("That response raised no alert.")
        if response.alert_acknowledged_at is not None:
            raise ValidationError("That alert was already acknowledged.")
        response.alert_acknowledged_by = actor.user
        response.alert_acknowledged_at = timezone.now()
        response.alert_action = action
        response.save(
            update_fields=["alert_acknowledged_by", "alert_acknowledged_at", "alert_action"]
        )
        _audit(actor, "outcome.alert_acknowledge", patient, response, action)
    return response


def _indications(patient: Patient) -> tuple[str, ...]:
    return tuple(
        PatientIndication.objects.filter(patient=patient)
        .order_by("-is_primary", "code")
        .values_list("code", flat=True)
    )


def _exact(response: QuestionnaireResponse) -> Score:
    # Verdicts use the exact total from the answers, not the 4-decimal stored copy.
    return score(response.instrument_id, response.answers)


def _rebuild_derived(patient: Patient) -> None:
    """Recompute the patient's changes and verdicts from their current responses.

    Derived rows only (see models): deleted and re-created here, inside the caller's
    transaction. Bounded by the patient's responses (a few dozen), never the clinic's.
    """
    OutcomeChange.objects.filter(patient=patient).delete()
    OutcomeVerdict.objects.filter(patient=patient).delete()
    codes = _indications(patient)
    if not codes:
        return
    primary = codes[0]
    responses = list(
        QuestionnaireResponse.objects.filter(
            patient=patient,
            entered_in_error=False,
            timepoint__in=[Timepoint.BASELINE, *COMPARED_TIMEPOINTS],
        ).order_by("answered_on", "id")
    )
    by_key = {(r.instrument_id, r.timepoint): r for r in responses}
    rules = response_rules.rules_for(primary)
    for timepoint in COMPARED_TIMEPOINTS:
        if not any(t == timepoint for _, t in by_key):
            continue
        for (instrument_id, point), response in by_key.items():
            baseline = by_key.get((instrument_id, Timepoint.BASELINE))
            if point != timepoint or baseline is None:
                continue
            before, now = _exact(baseline).total, _exact(response).total
            if before is None or now is None:
                continue
            OutcomeChange.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                indication=primary,
                instrument_id=instrument_id,
                timepoint=timepoint,
                baseline=before.quantize(STORED, rounding=ROUND_HALF_UP),
                current=now.quantize(STORED, rounding=ROUND_HALF_UP),
                change=(now - before).quantize(STORED, rounding=ROUND_HALF_UP),
            )
        for rule_id in rules.rules:
            rule = response_rules.rule(rule_id)
            current = by_key.get((rule.instrument_id, timepoint))
            base = by_key.get((rule.instrument_id, Timepoint.BASELINE))
            verdict = response_rules.assess(
                rule,
                baseline=_exact(base).total if base else None,
                current=_exact(current).total if current else None,
            )
            OutcomeVerdict.objects.create(
                clinic_id=patient.clinic_id,
                patient=patient,
                indication=primary,
                timepoint=timepoint,
                rule_id=rule.id,
                is_primary=rule.id == rules.primary,
                outcome=verdict.outcome,
                baseline=_stored(verdict.baseline),
                current=_stored(verdict.current),
                change_percent=_stored(verdict.change_percent),
                explanation=verdict.explanation[:300],
                knowledge_version=verdict.knowledge_version,
            )


def outcomes_rebuild(*, actor: Actor, patient: Patient) -> None:
    """Rebuild a patient's derived rows (after their indications change, or a data repair)."""
    actor.require("outcomes.record", patient_id=patient.pk)
    _own(actor, patient)
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        _rebuild_derived(patient)
        _audit(actor, "outcome.rebuild", patient)


def wording_load(
    *,
    actor: Actor,
    instrument_id: str,
    licence_reference: str,
    items: Mapping[str, str],
    expected_version: int | None,
) -> InstrumentWording:
    """Store the clinic's licensed wording of a ``clinic_supplied`` instrument.

    Every item needs a text; ``expected_version`` (None for a first load) guards against two
    managers overwriting each other.
    """
    actor.require("outcomes.configure")
    try:
        measure = catalogue.instrument(instrument_id)
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    if measure.wording != "clinic_supplied":
        raise ValidationError(f"{measure.short_name} ships its own wording.")
    licence_reference = licence_reference.strip()
    if not licence_reference:
        raise ValidationError("Say which licence the clinic holds for this instrument.")
    texts = {key: str(value).strip() for key, value in items.items()}
    unknown = set(texts) - {i.id for i in measure.items}
    if unknown:
        raise ValidationError(f"{measure.short_name} has no item '{sorted(unknown)[0]}'.")
    empty = [i.id for i in measure.items if not texts.get(i.id)]
    if empty:
        raise ValidationError(f"Give the wording of every item (missing: {', '.join(empty)}).")
    with transaction.atomic():
        current = (
            InstrumentWording.objects.select_for_update()
            .filter(clinic=actor.clinic, instrument_id=measure.id)
            .first()
        )
        if current is None and expected_version is not None:
            raise EditConflict("This wording was removed meanwhile; reload the page.")
        if current is not None and current.version != expected_version:
            raise EditConflict(
                "Someone else changed this wording after you opened the form. Nothing was "
                "saved: reload to see their text, then make your change again."
            )
        if current is None:
            current = InstrumentWording(
                clinic=actor.clinic, instrument_id=measure.id, version=0, loaded_by=actor.user
            )
        current.licence_reference = licence_reference[:200]
        current.items = texts
        current.version += 1
        current.loaded_by = actor.user
        current.save()
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="outcome.wording_load",
            object_type="instrumentwording",
            object_id=current.pk,
            ip=actor.ip,
            detail=f"{measure.id} v{current.version}",
        )
    return current


def export_key(*, actor: Actor) -> str:
    """The clinic's research-export secret, created once (concurrent first exports agree)."""
    actor.require("outcomes.export")
    clinic_id = actor.clinic.pk
    with transaction.atomic():
        found = ResearchExportKey.objects.filter(clinic_id=clinic_id).first()
        if found is not None:
            return found.secret
        try:
            with transaction.atomic():
                return ResearchExportKey.objects.create(
                    clinic_id=clinic_id, secret=secrets.token_hex(32)
                ).secret
        except IntegrityError:
            return ResearchExportKey.objects.get(clinic_id=clinic_id).secret
