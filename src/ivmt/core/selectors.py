"""Reads shared by the dashboards and the audit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    patient_id: int | None = None
    username: str = ""
    day_from: date | None = None
    day_to: date | None = None
    denied_only: bool = False


def audit_events(*, actor: Actor, filters: AuditFilter, page: int) -> tuple[list[AuditEvent], bool]:
    """One page of the clinic's audit trail, newest first; the second value says if more exist."""
    actor.require("audit.view")
    events: QuerySet[AuditEvent] = AuditEvent.objects.filter(clinic=actor.clinic)
    zone = actor.clinic.zone
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.username:
        events = events.filter(username__iexact=filters.username)
    if filters.day_from:
        events = events.filter(at__gte=datetime.combine(filters.day_from, time.min, tzinfo=zone))
    if filters.day_to:
        end = datetime.combine(filters.day_to + timedelta(days=1), time.min, tzinfo=zone)
        events = events.filter(at__lt=end)
    if filters.denied_only:
        events = events.filter(outcome=AuditEvent.Outcome.DENIED)
    start = max(page - 1, 0) * AUDIT_PAGE_SIZE
    rows = list(events.order_by("-id")[start : start + AUDIT_PAGE_SIZE + 1])
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="audit.view",
        ip=actor.ip,
        patient_id=filters.patient_id,
    )
    return rows[:AUDIT_PAGE_SIZE], len(rows) > AUDIT_PAGE_SIZE


def audit_counts_today(*, actor: Actor) -> dict[str, int]:
    start = timezone.localtime(timezone.now(), actor.clinic.zone).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    today = AuditEvent.objects.filter(clinic=actor.clinic, at__gte=start)
    return {
        "events": today.count(),
        "denied": today.filter(outcome=AuditEvent.Outcome.DENIED).count(),
    }
