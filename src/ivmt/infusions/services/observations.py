"""What the patient feels or shows, charted as it happens; adverse events.

A side effect is charted from the seeds' list (``clinical/data/side_effects.toml``) with its
severity. Signs that the IV may be leaking (burning, tightness, redness, swelling) prompt the
nurse to stop the infusion, and the action taken must be written. A serious event (fainting,
anaphylaxis), or any side effect graded severe, also makes an :class:`AdverseEvent` with its
severity, actions and outcome, which every physician of the clinic sees on the dashboard until
one acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.side_effects import check_severity, needs_adverse_event, side_effect
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import AdverseEvent, InfusionChart, Observation, RateEvent
from ivmt.infusions.services._common import audit, bump, check_time, locked_chart, not_before
from ivmt.infusions.services.running import current_rate, end_run
from ivmt.orders.errors import audited_refusals
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient

# Statuses in which something can happen to the patient and be charted.
OBSERVABLE = (*InfusionChart.OPEN, "done")


@dataclass(frozen=True)
class Seen:
    """One side effect as charted; ``event_*`` are required when it is an adverse event."""

    side_effect_id: str
    severity: str
    at: datetime
    note: str = ""
    action_taken: str = ""
    stop_infusion: bool = False
    event_severity: str = ""
    event_outcome: str = ""


def _check(seen: Seen) -> bool:
    """Validate ``seen``; True when it makes an adverse event."""
    try:
        effect = side_effect(seen.side_effect_id)
        check_severity(seen.severity)
    except ClinicalError as error:
        raise ValidationError({"side_effect_id": str(error)}) from error
    adverse = needs_adverse_event(effect.id, seen.severity)
    errors = {}
    if (effect.kind == "extravasation" or adverse) and len(seen.action_taken.strip()) < 3:
        errors["action_taken"] = f"{effect.prompt} Write what was done."
    if adverse:
        if seen.event_severity not in AdverseEvent.Severity.values:
            errors["event_severity"] = "This is an adverse event: grade its severity."
        if seen.event_outcome not in AdverseEvent.Outcome.values:
            errors["event_outcome"] = "This is an adverse event: choose its outcome so far."
    if errors:
        raise ValidationError(errors)
    return adverse


def observation_record(
    *, actor: Actor, chart_id: int, expected_version: int, seen: Seen
) -> Observation:
    """Chart one side effect (see the module docstring). With ``stop_infusion`` a running
    infusion is stopped at the same moment (an early end, with the side effect as reason)."""
    actor.require("infusions.chart")
    adverse = _check(seen)
    check_time(seen.at, "The time it happened", "at")
    effect = side_effect(seen.side_effect_id)
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.observe")
        if chart.status not in OBSERVABLE:
            raise ValidationError("This visit is closed.")
        not_before(seen.at, chart.arrived_at, "It", "the arrival", "at")
        running = chart.status in InfusionChart.RUNNING
        stop = seen.stop_infusion and running
        if stop:
            last, _ = current_rate(chart)
            not_before(seen.at, last.at, "The stop", "the last rate change", "at")
        observation = Observation.objects.create(
            clinic=actor.clinic,
            chart=chart,
            at=seen.at,
            side_effect_id=effect.id,
            severity=seen.severity,
            note=seen.note.strip()[:300],
            action_taken=seen.action_taken.strip()[:500],
            stopped_infusion=stop,
            recorded_by=actor.user,
        )
        if stop:
            RateEvent.objects.create(
                clinic=actor.clinic,
                chart=chart,
                kind=RateEvent.Kind.STOP,
                at=seen.at,
                rate_ml_per_h=Decimal(0),
                reason=effect.name[:200],
                recorded_by=actor.user,
            )
            end_run(chart, seen.at, InfusionChart.EndReason.STOPPED)
        bump(chart)
        audit(
            actor,
            "infusion.observe",
            chart,
            f"{effect.id} ({seen.severity})" + ("; infusion stopped" if stop else ""),
        )
        if adverse:
            event = AdverseEvent.objects.create(
                clinic=actor.clinic,
                patient_id=chart.patient_id,
                chart=chart,
                observation=observation,
                side_effect_id=effect.id,
                severity=seen.event_severity,
                occurred_at=seen.at,
                actions=seen.action_taken.strip()[:500],
                outcome=seen.event_outcome,
                reported_by=actor.user,
                reported_at=timezone.now(),
            )
            audit_record(
                user=actor.user,
                clinic_id=actor.clinic.pk,
                action="adverse_event.report",
                patient_id=chart.patient_id,
                object_type="adverseevent",
                object_id=event.pk,
                ip=actor.ip,
                detail=f"{effect.id}; {event.severity}; {event.outcome}",
            )
    return observation


def _locked_event(actor: Actor, event_id: int, expected_version: int) -> AdverseEvent:
    patient_id = (
        AdverseEvent.objects.filter(clinic=actor.clinic, pk=event_id)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise PermissionDenied("That adverse event is not in your clinic.")
    Patient.objects.select_for_update().get(pk=patient_id)
    event = AdverseEvent.objects.select_for_update().get(pk=event_id)
    if event.version != expected_version:
        raise EditConflict(
            "Someone else updated this adverse event after you opened it. Nothing was saved: "
            "reload it, then make your change again."
        )
    return event


def _audit_event(actor: Actor, action: str, event: AdverseEvent, detail: str) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=event.patient_id,
        object_type="adverseevent",
        object_id=event.pk,
        ip=actor.ip,
        detail=detail,
    )


def adverse_event_update(
    *, actor: Actor, event_id: int, expected_version: int, outcome: str, outcome_note: str = ""
) -> AdverseEvent:
    """Record how the event turned out (the report itself never changes)."""
    actor.require("infusions.chart")
    if outcome not in AdverseEvent.Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome."})
    with transaction.atomic():
        event = _locked_event(actor, event_id, expected_version)
        event.outcome = outcome
        event.outcome_note = outcome_note.strip()[:300]
        event.version += 1
        event.save(update_fields=["outcome", "outcome_note", "version"])
        _audit_event(actor, "adverse_event.update", event, outcome)
    return event


def adverse_event_acknowledge(
    *, actor: Actor, event_id: int, expected_version: int, note: str = ""
) -> AdverseEvent:
    """A physician has seen the event (it leaves the dashboards' notifications)."""
    actor.require("infusions.review")
    with transaction.atomic():
        event = _locked_event(actor, event_id, expected_version)
        if event.acknowledged_at is not None:
            raise ValidationError(
                f"{event.acknowledged_by.display_name if event.acknowledged_by else 'A physician'} "
                "already acknowledged this event."
            )
        event.acknowledged_by = actor.user
        event.acknowledged_at = timezone.now()
        event.physician_note = note.strip()[:500]
        event.version += 1
        event.save(
            update_fields=["acknowledged_by", "acknowledged_at", "physician_note", "version"]
        )
        _audit_event(actor, "adverse_event.acknowledge", event, "")
    return event
