"""Screening writes. Each is one audited change inside one transaction, checked for role and
clinic; audit rows carry codes and counts, never clinical free text (reasons stay on the row).

Lock order: patient, then screening run (a decision locks the patient first, so a re-screen
racing a decision is serialised behind it).

Public (see README.md): ``screening_run_create``, ``screening_check_in``, ``screening_decide``,
``knowledge_approve``, ``intake_save``, ``lab_request_create``, ``screening_policy_update``.
``rescreen_on_chart_change`` is the chart-change listener the app config subscribes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.formulas import formula as formula_by_id
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.screening import evaluate
from ivmt.clinical.screening_facts import Vitals, facts_to_json, fingerprint, formula_facts
from ivmt.clinical.screening_rules import ScreeningPolicyError, check_policy
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.observers import ChartChange
from ivmt.core.roles import Role
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening.errors import ScreeningError
from ivmt.screening.facts import chart_facts, chart_state, clinic_policy, clinic_today
from ivmt.screening.models import (
    Intake,
    KnowledgeApproval,
    LabRequest,
    ScreeningDecision,
    ScreeningPolicy,
    ScreeningRun,
)

# A written reason must say something: a few words, not "ok".
MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 2000


def _audit(
    actor: Actor, action: str, *, patient_id: int | None, obj: Any, detail: str = ""
) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        ip=actor.ip,
        detail=detail,
    )


def _own(actor: Actor, patient: Patient) -> None:
    if patient.clinic_id != actor.clinic.pk:
        raise PermissionDenied("This patient is not in your clinic.")


def _make_run(
    *,
    actor: Actor,
    patient: Patient,
    trigger: str,
    detail: str = "",
    series_started: bool = False,
    vitals: Vitals | None = None,
) -> ScreeningRun:
    """Evaluate the rules over the chart now and store the run (no permission check: callers
    check; automatic runs act for whoever changed the chart)."""
    clinic = actor.clinic
    policy = clinic_policy(clinic.pk)
    values = policy.values()
    facts = chart_facts(
        patient,
        clinic=clinic,
        policy=policy,
        as_of=clinic_today(clinic),
        series_started=series_started,
        vitals=vitals,
    )
    result = evaluate(facts, values)
    findings = result.findings
    run = ScreeningRun.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        created_by=actor.user,
        trigger=trigger,
        trigger_detail=detail,
        as_of=facts.as_of,
        knowledge_version=result.knowledge_version,
        facts=facts_to_json(facts),
        facts_fingerprint=fingerprint(facts, values, result.knowledge_version),
        policy={k: f"{v.normalize():f}" for k, v in values.items()},
        findings=[f.as_json() for f in findings],
        outcome=result.outcome,
        hard_stop_count=sum(1 for f in findings if f.severity == "hard_stop"),
        blocking_count=sum(1 for f in findings if f.severity == "hard_stop" and not f.overridable),
    )
    why = f"{trigger} ({detail})" if detail else trigger
    count = f"{len(findings)} finding" + ("" if len(findings) == 1 else "s")
    _audit(
        actor,
        "screening.run",
        patient_id=patient.pk,
        obj=run,
        detail=f"{why}: {run.outcome}, {count}",
    )
    return run


def screening_run_create(
    *, actor: Actor, patient: Patient, trigger: str = "manual"
) -> ScreeningRun:
    """Screen the patient now (physician or nurse). ``trigger`` is one of ScreeningRun.Trigger."""
    actor.require("screening.run", patient_id=patient.pk)
    _own(actor, patient)
    if trigger not in ScreeningRun.Trigger.values:
        raise ScreeningError(f"Unknown screening trigger '{trigger}'.")
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        return _make_run(actor=actor, patient=locked, trigger=trigger)


def screening_check_in(
    *,
    actor: Actor,
    patient: Patient,
    series_started: bool = False,
    vitals: Vitals | None = None,
) -> ScreeningRun:
    """A fresh run at check-in, for the infusion issue to call.

    ``series_started`` (the patient has had a first infusion) turns off the before-the-series
    baseline-lab rules; ``vitals`` (mmHg, beats/min) feed the vital-sign rules. Vitals are not
    chart facts: the course-order gate ignores check-in runs, and the physician's queue shows
    one only when it found a hard stop or something to review.
    """
    actor.require("screening.run", patient_id=patient.pk)
    _own(actor, patient)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        return _make_run(
            actor=actor,
            patient=locked,
            trigger=ScreeningRun.Trigger.CHECK_IN,
            series_started=series_started,
            vitals=vitals,
        )


def rescreen_on_chart_change(change: ChartChange) -> ScreeningRun | None:
    """Listener: re-screen a patient already in screening when their chart changes.

    A patient never screened is left alone (screening starts at intake or on request), and a
    change that leaves the facts unchanged (an older lab result) makes no new run.
    """
    latest = ScreeningRun.objects.filter(patient_id=change.patient_id).order_by("-id").first()
    if latest is None:
        return None
    patient = Patient.objects.select_for_update().get(pk=change.patient_id)
    if chart_state(patient, clinic=change.actor.clinic).fingerprint == latest.facts_fingerprint:
        return None
    return _make_run(
        actor=change.actor,
        patient=patient,
        trigger=ScreeningRun.Trigger.CHART_CHANGE,
        detail=change.kind,
    )


def _current_run_or_refuse(run: ScreeningRun, clinic: Any) -> None:
    newest = ScreeningRun.objects.filter(patient_id=run.patient_id).order_by("-id").first()
    if newest is not None and newest.pk != run.pk:
        raise ScreeningError(
            f"A newer screening (#{newest.pk}) replaced this one: decide on that one instead."
        )
    if chart_state(run.patient, clinic=clinic).fingerprint != run.facts_fingerprint:
        raise ScreeningError(
            "The chart, the clinic's screening policy or the knowledge changed after this "
            "screening. Screen again, then decide on the new result."
        )


def screening_decide(
    *, actor: Actor, run_id: int, decision: str, reason: str = ""
) -> ScreeningDecision:
    """A physician's signed decision on the patient's current run.

    ``decision``: "approve" (refused while a hard stop stands), "override" (passes the run's
    hard stops; needs a written reason; refused for a hard stop that cannot be overridden, such
    as a missing baseline lab), "decline" (needs a reason). Raises PermissionDenied for a role
    other than physician, Http404-equivalent ScreeningError for another clinic's run, and
    ScreeningError (user-facing) for a refused decision. Nothing is written when refused.
    """
    actor.require("screening.decide")
    reason = reason.strip()
    if decision not in ScreeningDecision.Decision.values:
        raise ScreeningError("Choose approve, override or decline.")
    if len(reason) > MAX_REASON_LENGTH:
        raise ScreeningError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    with transaction.atomic():
        run = (
            ScreeningRun.objects.select_related("patient")
            .filter(pk=run_id, clinic=actor.clinic)
            .first()
        )
        if run is None:
            raise ScreeningError("No such screening in your clinic.")
        Patient.objects.select_for_update().get(pk=run.patient_id)
        run = ScreeningRun.objects.select_for_update().select_related("patient").get(pk=run.pk)
        if ScreeningDecision.objects.filter(run=run).exists():
            raise ScreeningError("This screening has already been decided; decisions are final.")
        _current_run_or_refuse(run, actor.clinic)
        findings = run.finding_list()
        hard = [f for f in findings if f.severity == "hard_stop"]
        blocking = [f for f in hard if not f.overridable]
        if decision == ScreeningDecision.Decision.APPROVE and hard:
            raise ScreeningError(
                "This screening has a hard stop: approve is not possible. Override it with a "
                "written reason, or decline."
            )
        if decision == ScreeningDecision.Decision.OVERRIDE:
            if not hard:
                raise ScreeningError("There is no hard stop to override: approve instead.")
            if blocking:
                titles = "; ".join(f.title for f in blocking)
                raise ScreeningError(
                    f"These cannot be overridden: {titles}. Record the missing results; "
                    "screening runs again by itself."
                )
        needs_reason = decision in (
            ScreeningDecision.Decision.OVERRIDE,
            ScreeningDecision.Decision.DECLINE,
        )
        if needs_reason and len(reason) < MIN_REASON_LENGTH:
            raise ScreeningError(
                "Write the reason for this decision (at least a few words): it is kept with "
                "the signed decision and shown on the chart."
            )
        signed = ScreeningDecision.objects.create(
            clinic_id=run.clinic_id,
            run=run,
            decision=decision,
            reason=reason,
            overridden_rules=[f.rule_id for f in hard]
            if decision == ScreeningDecision.Decision.OVERRIDE
            else [],
            decided_by=actor.user,
        )
        detail = f"run {run.pk}"
        if signed.overridden_rules:
            detail += ": " + ", ".join(signed.overridden_rules)
        _audit(actor, f"screening.{decision}", patient_id=run.patient_id, obj=signed, detail=detail)
    return signed


def knowledge_approve(*, actor: Actor, note: str = "") -> KnowledgeApproval:
    """The clinic's medical director approves the knowledge version in force, for this clinic.

    Raises PermissionDenied for anyone else (audited) and ScreeningError when it is already
    approved.
    """
    actor.require("knowledge.approve")
    if not (actor.role == Role.PHYSICIAN and actor.is_medical_director):
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="knowledge.approve",
            outcome="denied",
            ip=actor.ip,
            detail="not the medical director",
        )
        raise PermissionDenied("Only the clinic's medical director approves the knowledge.")
    version = knowledge_version()
    note = note.strip()
    if len(note) > 500:
        raise ScreeningError("Keep the note under 500 characters.")
    with transaction.atomic():
        if KnowledgeApproval.objects.filter(clinic=actor.clinic, version=version).exists():
            raise ScreeningError(f"Knowledge version {version} is already approved here.")
        approval = KnowledgeApproval.objects.create(
            clinic=actor.clinic, version=version, approved_by=actor.user, note=note
        )
        _audit(actor, "knowledge.approve", patient_id=None, obj=approval, detail=version)
    return approval


INTAKE_FIELDS = (
    "symptoms_baseline",
    "symptom_severity",
    "pregnancy_status",
    "breastfeeding",
    "medications_reviewed",
    "allergies_reviewed",
    "nutritionist_referral",
)


def intake_save(
    *,
    actor: Actor,
    patient: Patient,
    expected_version: int | None,
    values: dict[str, Any],
    indication_codes: tuple[str, ...] = (),
    primary_indication: str = "",
) -> tuple[Intake, ScreeningRun]:
    """Record the intake (create, or update when ``expected_version`` matches), set the
    indications when given, and screen the patient. A stale version raises EditConflict-like
    ScreeningError with code "conflict"; bad values raise ScreeningError. All or nothing."""
    actor.require("screening.intake", patient_id=patient.pk)
    _own(actor, patient)
    unknown = set(values) - set(INTAKE_FIELDS)
    if unknown:
        raise ScreeningError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    severity = values.get("symptom_severity")
    if severity is not None and not 0 <= severity <= 10:
        raise ScreeningError("Symptom severity is a number from 0 to 10.")
    if values.get("pregnancy_status", "unknown") not in Intake.Pregnancy.values:
        raise ScreeningError("Choose a pregnancy status from the list.")
    if values.get("nutritionist_referral", "not_offered") not in Intake.Referral.values:
        raise ScreeningError("Choose what happened to the nutritionist referral.")
    if values.get("breastfeeding") and patient.sex_at_birth == Patient.Sex.MALE:
        raise ScreeningError("Breastfeeding was ticked for a patient recorded as male.")
    if values.get("pregnancy_status") == "pregnant" and patient.sex_at_birth == Patient.Sex.MALE:
        raise ScreeningError("Pregnant was chosen for a patient recorded as male.")
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        intake = Intake.objects.select_for_update().filter(patient=patient).first()
        if intake is None:
            intake = Intake(clinic_id=patient.clinic_id, patient=patient, updated_by=actor.user)
        elif expected_version != intake.version:
            raise ScreeningError(
                "Someone else saved this intake after you opened it. Nothing was saved: reload "
                "to see their answers, then make your changes again.",
                code="conflict",
            )
        else:
            intake.version += 1
        referral_before = intake.nutritionist_referral if intake.pk else None
        for name, value in values.items():
            setattr(intake, name, value)
        if intake.nutritionist_referral != referral_before and intake.nutritionist_referral != (
            Intake.Referral.NOT_OFFERED
        ):
            intake.referral_recorded_at = timezone.now()
        intake.updated_by = actor.user
        intake.save()
        _audit(
            actor,
            "intake.save",
            patient_id=patient.pk,
            obj=intake,
            detail=f"referral {intake.nutritionist_referral}",
        )
        if indication_codes:
            patient_services.indications_set(
                actor=actor, patient=patient, codes=indication_codes, primary=primary_indication
            )
        run = _make_run(actor=actor, patient=patient, trigger=ScreeningRun.Trigger.INTAKE)
    return intake, run


def lab_request_create(*, actor: Actor, patient: Patient) -> LabRequest:
    """Record a request for the baseline labs the patient's latest screening found missing."""
    actor.require("screening.request_labs", patient_id=patient.pk)
    _own(actor, patient)
    with transaction.atomic():
        run = ScreeningRun.objects.filter(patient=patient).order_by("-id").first()
        needed = run.lab_requests_needed() if run is not None else ()
        if run is None or not needed:
            raise ScreeningError("The latest screening found no missing results to request.")
        request = LabRequest.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            run=run,
            analytes=list(needed),
            requested_by=actor.user,
        )
        _audit(actor, "labs.request", patient_id=patient.pk, obj=request, detail=", ".join(needed))
    return request


def screening_policy_update(
    *, actor: Actor, expected_version: int, values: dict[str, Any]
) -> ScreeningPolicy:
    """Change the clinic's screening policy (manager). Values are checked against the ranges
    of ``screening_rules.toml``; the formula must compose. Raises ScreeningError."""
    actor.require("screening.configure")
    formula_id = values.get("formula_id")
    thresholds = {k: Decimal(v) for k, v in values.items() if k != "formula_id"}
    try:
        check_policy(thresholds)
        if formula_id is not None:
            formula_by_id(formula_id)
            formula_facts(formula_id)
    except (ScreeningPolicyError, ClinicalError) as error:
        raise ScreeningError(str(error)) from error
    with transaction.atomic():
        policy, _ = ScreeningPolicy.objects.select_for_update().get_or_create(clinic=actor.clinic)
        if policy.version != expected_version:
            raise ScreeningError(
                "Someone else changed the screening policy after you opened it. Nothing was "
                "saved: reload and try again.",
                code="conflict",
            )
        changed = []
        for name, value in values.items():
            if getattr(policy, name) != value:
                setattr(policy, name, value)
                changed.append(name)
        policy.version += 1
        policy.updated_by = actor.user
        policy.save()
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="screening.policy",
            object_type="screeningpolicy",
            object_id=policy.pk,
            ip=actor.ip,
            detail="changed: " + (", ".join(changed) or "nothing"),
        )
    return policy
