"""A physician's decision on next-dose advice: accept it into a new order version, or dismiss.

Accepting is one click: the course's signed order is amended with the advised duration and
saline bag (``orders.services.course_order_amend``) and the amendment is signed at once
(``course_order_sign``) by the accepting physician, with the original order's written override
reason carried over — inside one transaction, so a refused signature (no current screening, a
bag of the old version still in the pharmacy, a warning needing a new reason) leaves the advice
pending and the order as it was.
"""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.side_effects import side_effect
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import NextDoseAdvice
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import order_input
from ivmt.patients.models import Patient


def _locked(actor: Actor, advice_id: int) -> NextDoseAdvice:
    patient_id = (
        NextDoseAdvice.objects.filter(clinic=actor.clinic, pk=advice_id)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise PermissionDenied("That advice is not in your clinic.")
    Patient.objects.select_for_update().get(pk=patient_id)
    advice = NextDoseAdvice.objects.select_for_update().select_related("chart").get(pk=advice_id)
    if advice.status != NextDoseAdvice.Status.PENDING:
        who = advice.decided_by.display_name if advice.decided_by else "a physician"
        raise ValidationError(f"This advice was already {advice.status} by {who}.")
    return advice


def _audit(actor: Actor, action: str, advice: NextDoseAdvice, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=advice.patient_id,
        object_type="nextdoseadvice",
        object_id=advice.pk,
        ip=actor.ip,
        detail=detail,
    )


def reason_text(advice: NextDoseAdvice) -> str:
    names = []
    for effect_id in advice.reasons:
        try:
            names.append(side_effect(effect_id).name.lower())
        except ClinicalError:
            names.append(effect_id)
    day = timezone.localtime(advice.chart.arrived_at).date() if advice.chart_id else None
    when = f" on {day:%d %b %Y}" if day else ""
    return f"Next-dose advice after {', '.join(names)}{when}"


def advice_accept(*, actor: Actor, advice_id: int) -> CourseOrder:
    """Accept the advice: a new signed version of the course (see the module docstring)."""
    actor.require("infusions.review")
    actor.require("orders.prescribe")
    with transaction.atomic():
        advice = _locked(actor, advice_id)
        if not advice.changed:
            raise ValidationError("This advice proposes no change to accept; dismiss it instead.")
        order = CourseOrder.objects.prefetch_related("lines").get(pk=advice.order_id)
        if order.status != CourseOrder.Status.SIGNED:
            raise ValidationError(
                f"The order this advice was computed for is now "
                f"{order.get_status_display().lower()}; the advice no longer applies. Dismiss it "
                "and review the current order."
            )
        chosen = replace(
            order_input(order),
            duration_min=advice.proposed_duration_min.normalize(),
            into_saline_ml=advice.proposed_into_saline_ml.normalize()
            if advice.proposed_into_saline_ml is not None
            else None,
        )
        amendment = order_services.course_order_amend(
            actor=actor, order=order, chosen=chosen, reason=reason_text(advice)[:200]
        )
        signed = order_services.course_order_sign(
            actor=actor,
            order=amendment,
            expected_version=amendment.version,
            override_reason=order.override_reason,
        )
        advice.status = NextDoseAdvice.Status.ACCEPTED
        advice.decided_by = actor.user
        advice.decided_at = timezone.now()
        advice.resulting_order = signed
        advice.save(update_fields=["status", "decided_by", "decided_at", "resulting_order"])
        _audit(actor, "advice.accept", advice, f"order {order.pk} -> {signed.pk}")
    return signed


def advice_dismiss(*, actor: Actor, advice_id: int, reason: str) -> NextDoseAdvice:
    """Dismiss the advice with a reason (the order stays as it is)."""
    actor.require("infusions.review")
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the advice is dismissed."})
    with transaction.atomic():
        advice = _locked(actor, advice_id)
        advice.status = NextDoseAdvice.Status.DISMISSED
        advice.decided_by = actor.user
        advice.decided_at = timezone.now()
        advice.dismiss_reason = reason[:300]
        advice.save(update_fields=["status", "decided_by", "decided_at", "dismiss_reason"])
        _audit(actor, "advice.dismiss", advice)
    return advice
