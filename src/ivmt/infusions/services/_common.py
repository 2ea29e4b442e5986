"""What every infusion service shares: the audit row, the locked chart, checked times.

Lock order (docs in ``ivmt.infusions.models``): the patient row, then the chart. A chart write
names the version its author read; a stale one is refused with ``EditConflict`` (HTTP 409)
before anything changes, and a signed chart refuses every write (audited).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ivmt.accounts.models import Membership, User
from ivmt.clinical.charting import setting_decimal
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.roles import Role
from ivmt.infusions.models import InfusionChart
from ivmt.orders.errors import AuditedRefusal
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient

# A wall clock or a tablet may run a little ahead of the server.
CLOCK_SKEW = timedelta(minutes=5)


def audit(actor: Actor, action: str, chart: InfusionChart, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=chart.patient_id,
        object_type="infusionchart",
        object_id=chart.pk,
        ip=actor.ip,
        detail=detail,
    )


def refusal(
    chart: InfusionChart, message: str | dict[str, str], action: str, detail: str
) -> AuditedRefusal:
    """A refusal whose denied audit row survives the rollback (``audited_refusals``)."""
    return AuditedRefusal(
        message,
        action=action,
        detail=detail,
        patient_id=chart.patient_id,
        object_type="infusionchart",
        object_id=chart.pk,
    )


def locked_chart(
    actor: Actor, chart_id: int, expected_version: int | None, action: str
) -> InfusionChart:
    """The chart, locked after its patient; refuses another clinic's chart (PermissionDenied),
    a signed chart (AuditedRefusal) and a stale version (EditConflict)."""
    patient_id = (
        InfusionChart.objects.filter(clinic=actor.clinic, pk=chart_id)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise PermissionDenied("That chart is not in your clinic.")
    Patient.objects.select_for_update().get(pk=patient_id)
    chart = InfusionChart.objects.select_for_update().get(pk=chart_id)
    if chart.is_signed:
        raise refusal(
            chart,
            "This chart is signed and can no longer be changed. A correction is an amendment "
            "with a reason; the original stays as it was signed.",
            action,
            "chart already signed",
        )
    if expected_version is not None and chart.version != expected_version:
        raise EditConflict(
            "Someone else charted on this visit after you opened it. Nothing was saved: "
            "reload the chart to see their entry, then make yours again."
        )
    return chart


def bump(chart: InfusionChart) -> None:
    chart.version += 1
    chart.save()


def check_time(at: datetime, what: str, field: str) -> datetime:
    """A charted moment: aware, at most a few minutes ahead of the clock and not more than
    the charting window back (``charting.toml`` backdate_hours)."""
    if timezone.is_naive(at):
        raise ValidationError({field: f"{what} needs a time zone."})
    now = timezone.now()
    if at > now + CLOCK_SKEW:
        raise ValidationError({field: f"{what} is in the future."})
    hours = int(setting_decimal("backdate_hours"))
    if at < now - timedelta(hours=hours):
        raise ValidationError(
            {field: f"{what} is more than {hours} hours ago: chart today's visit only."}
        )
    return at


def not_before(at: datetime, earlier: datetime | None, what: str, other: str, field: str) -> None:
    if earlier is not None and at < earlier:
        raise ValidationError({field: f"{what} cannot be before {other}."})


def clinician(actor: Actor, user_id: int | None, field: str, what: str) -> User | None:
    """An active nurse or physician of the actor's clinic, by id (None stays None)."""
    if user_id is None:
        return None
    found = (
        Membership.objects.filter(
            clinic=actor.clinic,
            user_id=user_id,
            role__in=(Role.NURSE, Role.PHYSICIAN),
            is_active=True,
        )
        .select_related("user")
        .first()
    )
    if found is None:
        raise ValidationError({field: f"{what} must be a nurse or physician of this clinic."})
    return found.user


def physician(actor: Actor, user_id: int | None, field: str) -> User | None:
    """An active physician of the actor's clinic, by id (None stays None)."""
    if user_id is None:
        return None
    found = (
        Membership.objects.filter(
            clinic=actor.clinic, user_id=user_id, role=Role.PHYSICIAN, is_active=True
        )
        .select_related("user")
        .first()
    )
    if found is None:
        raise ValidationError({field: "Name a physician of this clinic."})
    return found.user
