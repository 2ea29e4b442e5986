"""What physicians are told: adverse events to acknowledge and next-dose advice to decide."""

from __future__ import annotations

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import (
    AdverseEvent,
    NextDoseAdvice,
)
from ivmt.infusions.selectors._common import denied, read

# Physicians' notifications -----------------------------------------------------------------


def open_adverse_events(*, actor: Actor, limit: int = 20) -> list[AdverseEvent]:
    """Adverse events no physician has acknowledged yet, newest first (one query)."""
    if not actor.may("infusions.review"):
        return []
    return list(
        AdverseEvent.objects.filter(clinic=actor.clinic, acknowledged_at__isnull=True)
        .select_related("patient", "reported_by")
        .order_by("-occurred_at", "-id")[:limit]
    )


def adverse_events(*, actor: Actor) -> list[AdverseEvent]:
    """Every adverse event of the clinic, newest first (the list page; audited)."""
    actor.require("infusions.view")
    found = list(
        AdverseEvent.objects.filter(clinic=actor.clinic)
        .select_related("patient", "reported_by", "acknowledged_by")
        .order_by("-occurred_at", "-id")[:200]
    )
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="adverse_event.list",
        ip=actor.ip,
        detail=f"{len(found)} shown",
    )
    return found


def adverse_event_get(
    *, actor: Actor, event_id: int, action: str = "adverse_event.view"
) -> AdverseEvent:
    actor.require("infusions.view")
    event = (
        AdverseEvent.objects.filter(clinic=actor.clinic, pk=event_id)
        .select_related(
            "patient", "chart", "chart__dose", "observation", "reported_by", "acknowledged_by"
        )
        .first()
    )
    if event is None:
        raise denied(actor, action, "adverseevent", event_id)
    read(actor, action, event.patient_id, "adverseevent", event.pk)
    return event


def pending_advice(*, actor: Actor, limit: int = 20) -> list[NextDoseAdvice]:
    """Next-dose advice awaiting a physician's decision, oldest first (one query)."""
    if not actor.may("infusions.review"):
        return []
    return list(
        NextDoseAdvice.objects.filter(clinic=actor.clinic, status=NextDoseAdvice.Status.PENDING)
        .select_related("patient", "chart")
        .order_by("created_at", "id")[:limit]
    )


def advice_get(*, actor: Actor, advice_id: int, action: str = "advice.view") -> NextDoseAdvice:
    actor.require("infusions.review")
    advice = (
        NextDoseAdvice.objects.filter(clinic=actor.clinic, pk=advice_id)
        .select_related("patient", "chart", "chart__dose", "order", "decided_by", "resulting_order")
        .first()
    )
    if advice is None:
        raise denied(actor, action, "nextdoseadvice", advice_id)
    read(actor, action, advice.patient_id, "nextdoseadvice", advice.pk)
    return advice
