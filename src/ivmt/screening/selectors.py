"""Screening reads: the gate the orders issue calls, the chart panel, the physician's queue,
one run, and the knowledge-review page. Reads for a person are scoped to the actor's clinic and
audited; another clinic's run answers 404 with an audited denial.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from ivmt.accounts.models import Clinic
from ivmt.clinical import allergens as allergen_catalogue
from ivmt.clinical import formulas as formula_catalogue
from ivmt.clinical import limits as limit_catalogue
from ivmt.clinical import medications as drug_catalogue
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.screening import Finding, evaluate_rule
from ivmt.clinical.screening_facts import PatientFacts
from ivmt.clinical.screening_rules import (
    ConditionGroup,
    PolicySetting,
    Rule,
    condition_groups,
    policy_settings,
    rules,
)
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.patients.models import Patient
from ivmt.screening.facts import chart_state, clinic_policy
from ivmt.screening.models import (
    Intake,
    KnowledgeApproval,
    LabRequest,
    ScreeningDecision,
    ScreeningPolicy,
    ScreeningRun,
)


@dataclass(frozen=True)
class ScreeningGate:
    """Whether a course order may be signed for the patient now (see README.md)."""

    allowed: bool
    reason: str
    run_id: int | None
    knowledge_version: str


def knowledge_approval(*, clinic_id: int, version: str | None = None) -> KnowledgeApproval | None:
    """The clinic's approval of ``version`` (default: the version in force), if any."""
    wanted = version or knowledge_version()
    found = KnowledgeApproval.objects.filter(clinic_id=clinic_id, version=wanted)
    return found.select_related("approved_by").first()


def _latest_run(patient_id: int, *, for_gate: bool = False) -> ScreeningRun | None:
    """The patient's latest run; ``for_gate``: leaving out check-in runs.

    A check-in run adds only the day's vitals and "series started" to an unchanged chart (chart
    changes make their own runs), so it concerns that day's infusion, not whether a course order
    may be signed: the gate looks at the latest chart run.
    """
    runs = ScreeningRun.objects.filter(patient_id=patient_id)
    if for_gate:
        runs = runs.exclude(trigger=ScreeningRun.Trigger.CHECK_IN)
    return (
        runs.select_related("decision", "decision__decided_by", "created_by")
        .order_by("-id")
        .first()
    )


def _decision(run: ScreeningRun | None) -> ScreeningDecision | None:
    if run is None:
        return None
    try:
        return run.decision
    except ScreeningDecision.DoesNotExist:
        return None


def _electrolyte_findings(facts: PatientFacts, policy: ScreeningPolicy) -> list[Finding]:
    """Findings of the rules no decision can pass (baseline labs), evaluated now."""
    baseline = replace(facts, series_started=False)
    return [
        found
        for r in rules()
        if not r.overridable and (found := evaluate_rule(r, baseline, policy.values())) is not None
    ]


def _gate(
    *,
    version: str,
    approved: bool,
    run: ScreeningRun | None,
    current: bool,
    electrolytes: list[Finding],
) -> ScreeningGate:
    reasons: list[str] = []
    if not approved:
        reasons.append(
            f"The screening rules in force (knowledge version {version}) are not yet approved "
            "for this clinic by its medical director."
        )
    decision = _decision(run)
    if run is None:
        reasons.append("The patient has not been screened yet.")
    elif not current:
        reasons.append(
            f"The chart (or the clinic's screening policy or knowledge) changed after screening "
            f"#{run.pk}: screen again and have a physician decide."
        )
    elif decision is None:
        reasons.append(f"Screening #{run.pk} is waiting for a physician's decision.")
    elif decision.decision == ScreeningDecision.Decision.DECLINE:
        reasons.append(f"A physician declined IVMT on screening #{run.pk}.")
    for finding in electrolytes:
        facts = "; ".join(f"{f.label}: {f.value}" for f in finding.facts_used)
        reasons.append(f"{finding.title} ({facts}).")
    return ScreeningGate(
        allowed=not reasons,
        reason=" ".join(reasons),
        run_id=run.pk if run is not None else None,
        knowledge_version=version,
    )


def screening_gate(*, patient: Patient) -> ScreeningGate:
    """May a course order be signed for ``patient`` now? (The orders issue calls this.)

    Allowed only when the clinic's medical director approved the knowledge version in force,
    the latest run is current (its facts fingerprint equals the chart's now) and a physician
    approved it or overrode its hard stops with a reason, and magnesium, calcium and potassium
    results lie inside the clinic's window today. ``reason`` lists every unmet condition, in
    plain language. No audit row (no actor): the calling service audits its own act.
    """
    version = knowledge_version()
    clinic = Clinic.objects.get(pk=patient.clinic_id)
    approved = knowledge_approval(clinic_id=clinic.pk, version=version) is not None
    run = _latest_run(patient.pk, for_gate=True)
    state = chart_state(patient, clinic=clinic)
    return _gate(
        version=version,
        approved=approved,
        run=run,
        current=run is not None and run.facts_fingerprint == state.fingerprint,
        electrolytes=_electrolyte_findings(state.facts, state.policy),
    )


@dataclass
class ScreeningStatus:
    """What the chart panel and the patient's screening page show."""

    patient: Patient
    run: ScreeningRun | None
    decision: ScreeningDecision | None
    current: bool
    gate: ScreeningGate
    approval: KnowledgeApproval | None
    intake: Intake | None
    lab_requests: list[LabRequest] = field(default_factory=list)

    @property
    def knowledge_version(self) -> str:
        return self.gate.knowledge_version

    @property
    def awaiting_decision(self) -> bool:
        return self.run is not None and self.current and self.decision is None


def _status(actor: Actor, patient: Patient) -> ScreeningStatus:
    version = knowledge_version()
    approval = knowledge_approval(clinic_id=actor.clinic.pk, version=version)
    run = _latest_run(patient.pk)
    gate_run = run
    if run is not None and run.trigger == ScreeningRun.Trigger.CHECK_IN:
        gate_run = _latest_run(patient.pk, for_gate=True)
    state = chart_state(patient, clinic=actor.clinic)
    current = run is not None and run.facts_fingerprint == state.fingerprint
    gate = _gate(
        version=version,
        approved=approval is not None,
        run=gate_run,
        current=gate_run is not None and gate_run.facts_fingerprint == state.fingerprint,
        electrolytes=_electrolyte_findings(state.facts, state.policy),
    )
    return ScreeningStatus(
        patient=patient,
        run=run,
        decision=_decision(run),
        current=current,
        gate=gate,
        approval=approval,
        intake=state.intake,
        lab_requests=list(
            LabRequest.objects.filter(patient=patient)
            .select_related("requested_by")
            .order_by("-id")[:3]
        ),
    )


def screening_status(*, actor: Actor, patient: Patient, audit: bool = True) -> ScreeningStatus:
    """The patient's screening status (the chart panel, the screening page).

    Audited as a read, except with ``audit=False`` for the panel embedded in the chart, whose
    page has already written the chart-view row for this patient (one read, one row).
    """
    actor.require("screening.view", patient_id=patient.pk)
    if patient.clinic_id != actor.clinic.pk:
        raise Http404("No such patient.")
    status = _status(actor, patient)
    if not audit:
        return status
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="screening.view",
        patient_id=patient.pk,
        object_type="screeningrun" if status.run else "patient",
        object_id=status.run.pk if status.run else patient.pk,
        ip=actor.ip,
    )
    return status


def patient_runs(*, patient: Patient, limit: int = 20) -> list[ScreeningRun]:
    """The patient's recent runs, newest first, with their decisions (one query)."""
    return list(
        ScreeningRun.objects.filter(patient=patient)
        .select_related("decision", "decision__decided_by", "created_by")
        .order_by("-id")[:limit]
    )


def run_get(*, actor: Actor, run_id: int) -> ScreeningRun:
    """A run of the actor's clinic; 404 (audited denial) otherwise."""
    actor.require("screening.view")
    run = (
        ScreeningRun.objects.filter(pk=run_id, clinic=actor.clinic)
        .select_related("patient", "decision", "decision__decided_by", "created_by")
        .first()
    )
    if run is None:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="screening.view",
            object_type="screeningrun",
            object_id=run_id,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not in this clinic or does not exist",
        )
        raise Http404("No such screening.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="screening.view",
        patient_id=run.patient_id,
        object_type="screeningrun",
        object_id=run.pk,
        ip=actor.ip,
    )
    return run


def _queue_queryset(actor: Actor) -> QuerySet[ScreeningRun]:
    newer = ScreeningRun.objects.filter(patient_id=OuterRef("patient_id"), id__gt=OuterRef("id"))
    # A check-in run reaches the physician only when it found something to decide.
    routine_check_in = Q(trigger=ScreeningRun.Trigger.CHECK_IN) & Q(
        outcome__in=(ScreeningRun.Outcome.CLEAR, ScreeningRun.Outcome.CAUTION)
    )
    return (
        ScreeningRun.objects.filter(clinic=actor.clinic, decision__isnull=True)
        .exclude(routine_check_in)
        .annotate(superseded=Exists(newer))
        .filter(superseded=False)
    )


def screening_queue(*, actor: Actor, limit: int = 200) -> list[ScreeningRun]:
    """The clinic's latest runs awaiting a physician's decision, most serious and oldest first,
    in one query whatever their number (plus the audit row)."""
    actor.require("screening.queue")
    order = {"hard_stop": 0, "physician_review": 1, "caution": 2, "clear": 3}
    runs = list(
        _queue_queryset(actor).select_related("patient", "created_by").order_by("id")[:limit]
    )
    runs.sort(key=lambda r: (order.get(r.outcome, 9), r.pk))
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="screening.queue",
        ip=actor.ip,
        detail=f"{len(runs)} shown",
    )
    return runs


def screening_queue_count(*, actor: Actor) -> int:
    """How many runs wait for a physician (the dashboard's count; no patient data shown)."""
    actor.require("screening.queue")
    count: int = _queue_queryset(actor).count()
    return count


@dataclass(frozen=True)
class KnowledgeReview:
    """Everything the medical director reviews before approving a knowledge version."""

    version: str
    approval: KnowledgeApproval | None
    history: list[KnowledgeApproval]
    rules: tuple[Rule, ...]
    groups: tuple[ConditionGroup, ...]
    policies: tuple[PolicySetting, ...]
    clinic_policy: ScreeningPolicy
    formulas: tuple[formula_catalogue.Formula, ...]
    osmolarity_limits: tuple[limit_catalogue.OsmolarityLimit, ...]
    drugs: tuple[drug_catalogue.Drug, ...]
    drug_classes: tuple[drug_catalogue.DrugClass, ...]
    allergens: tuple[allergen_catalogue.Allergen, ...]

    @property
    def not_sourced_count(self) -> int:
        statuses = [
            *(r.provenance.status for r in self.rules),
            *(g.provenance.status for g in self.groups),
            *(p.provenance.status for p in self.policies),
            *(f.provenance.status for f in self.formulas),
            *(d.provenance.status for d in self.drugs),
        ]
        return sum(1 for status in statuses if status != "sourced")


def knowledge_review(*, actor: Actor) -> KnowledgeReview:
    actor.require("knowledge.view")
    version = knowledge_version()
    history = list(
        KnowledgeApproval.objects.filter(clinic=actor.clinic)
        .select_related("approved_by")
        .order_by("-id")[:20]
    )
    return KnowledgeReview(
        version=version,
        approval=next((a for a in history if a.version == version), None),
        history=history,
        rules=rules(),
        groups=condition_groups(),
        policies=policy_settings(),
        clinic_policy=clinic_policy(actor.clinic.pk),
        formulas=formula_catalogue.formulas(),
        osmolarity_limits=limit_catalogue.osmolarity_limits(),
        drugs=drug_catalogue.drugs(),
        drug_classes=drug_catalogue.drug_classes(),
        allergens=allergen_catalogue.allergens(),
    )
