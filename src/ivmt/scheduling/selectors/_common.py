"""Helpers shared by the scheduling selectors: audited denial, one audit row per listing,
appointments with what every page shows of them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from ivmt.accounts.models import Clinic
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import PlannedDose
from ivmt.scheduling.models import Appointment

FEED_PAST_DAYS = 30
STALE_DOSES = (PlannedDose.Status.SUPERSEDED, PlannedDose.Status.CANCELLED)


def denied(actor: Actor, action: str, object_type: str, object_id: int) -> Http404:
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


def audit_listing(actor: Actor, action: str, detail: str) -> None:
    audit_record(
        user=actor.user, clinic_id=actor.clinic.pk, action=action, ip=actor.ip, detail=detail
    )


def visits_of(clinic: Clinic) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=clinic).select_related(
        "patient", "dose", "dose__order", "chair", "nurse"
    )
