"""What the selectors share: the audited read and denial, the clinic day, progress."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.http import Http404

from ivmt.clinical.running_rate import Progress, Segment, progress
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.infusions.models import (
    InfusionChart,
    RateEvent,
)


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


def read(actor: Actor, action: str, patient_id: int, object_type: str, object_id: int) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        ip=actor.ip,
    )


def day_bounds(actor: Actor, day: date) -> tuple[datetime, datetime]:
    zone = actor.clinic.zone
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def chart_progress(
    chart: InfusionChart, events: Iterable[RateEvent], now: datetime
) -> Progress | None:
    """Volume run and time left (None before the start)."""
    if chart.started_at is None or chart.volume_ml is None:
        return None
    segments = [Segment(e.at, e.rate_ml_per_h) for e in events]
    end = chart.ended_at or now
    return progress(segments, chart.volume_ml, end)
