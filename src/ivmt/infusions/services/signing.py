"""Signing a chart, and amending it afterwards.

Signing is the nurse's (or physician's) signature over the visit: from then on the chart row
and its timestamped rows never change. When the dose was given and the patient had minor side
effects (and no adverse event, which the physicians review instead), the clinical core's
next-dose advice is stored for a physician to accept or dismiss.

A given dose is charged through the billing app's hook (``charges_create_for_infusion``) with
the charted start and stop, inside the signing transaction but in a savepoint of its own:
a billing refusal (an ingredient without a price, say) must not keep a clinical record
unsigned, so the chart is signed, the charges are not made, and the reason is kept on the
chart (``charges_note``) and audited for the front desk to charge by hand.

An amendment corrects one charted fact (the IV details, the flush, the site at removal) or adds
a note, with a reason. It is a new row that names the value in effect before it; the signed
chart itself is not touched, so the original is always there to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ivmt.billing.services import charges_create_for_infusion
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.next_dose import CurrentOrder, advise
from ivmt.clinical.quantities import round_half_up
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.infusions.models import ChartAmendment, InfusionChart, NextDoseAdvice
from ivmt.infusions.services._common import audit, bump, locked_chart
from ivmt.infusions.services.running import GAUGES, MAX_ATTEMPTS, MAX_FLUSH_ML
from ivmt.orders.errors import audited_refusals
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient

MIN_REASON = 5


@dataclass(frozen=True)
class Amendable:
    label: str
    parse: Callable[[str], str]
    show: Callable[[str], str]


def _choice(
    choices: type[InfusionChart.Site]
    | type[InfusionChart.Side]
    | type[InfusionChart.Device]
    | type[InfusionChart.SiteCheck],
) -> tuple[Callable[[str], str], Callable[[str], str]]:
    labels: dict[str, str] = {value: str(label) for value, label in choices.choices}

    def parse(value: str) -> str:
        if value not in labels:
            raise ValidationError(
                {"corrected": "Choose one of: " + ", ".join(labels.values()) + "."}
            )
        return value

    return parse, lambda value: str(labels.get(value, value or "—"))


def _whole(low: int, high: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not value.strip().isdigit() or not low <= int(value) <= high:
            raise ValidationError({"corrected": f"Give a whole number from {low} to {high}."})
        return str(int(value))

    return parse


def _flush(value: str) -> str:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError({"corrected": "Give the flush in mL."}) from None
    if not number.is_finite() or not Decimal(0) < number <= MAX_FLUSH_ML:
        raise ValidationError(
            {"corrected": f"A flush is more than 0 and at most {MAX_FLUSH_ML} mL."}
        )
    return f"{round_half_up(number, 1).normalize():f}"


def _text(value: str) -> str:
    text = value.strip()
    if len(text) < 3:
        raise ValidationError({"corrected": "Write the note."})
    return text[:500]


def _same(value: str) -> str:
    return value or "—"


AMENDABLE: dict[str, Amendable] = {
    "iv_site": Amendable("IV site", *_choice(InfusionChart.Site)),
    "iv_side": Amendable("IV side", *_choice(InfusionChart.Side)),
    "iv_device": Amendable("IV device", *_choice(InfusionChart.Device)),
    "iv_gauge": Amendable("IV gauge", _whole(GAUGES[0], GAUGES[-1]), _same),
    "iv_attempts": Amendable("IV attempts", _whole(1, MAX_ATTEMPTS), _same),
    "flush_ml": Amendable("Saline flush (mL)", _flush, _same),
    "site_check": Amendable("Site at removal", *_choice(InfusionChart.SiteCheck)),
    "addendum": Amendable("Note added after signing", _text, _same),
}


def stored_value(chart: InfusionChart, field: str) -> str:
    """The value of ``field`` as signed, in the amendments' text form ("" when not charted)."""
    if field == "addendum":
        return ""
    value = getattr(chart, field)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def effective_value(chart: InfusionChart, amendments: list[ChartAmendment], field: str) -> str:
    """The value in effect: the latest amendment of ``field``, else the signed value."""
    latest = [a for a in amendments if a.field == field]
    return latest[-1].corrected if latest else stored_value(chart, field)


def _advice(actor: Actor, chart: InfusionChart) -> NextDoseAdvice | None:
    if not chart.given or chart.adverse_events.exists():
        return None
    observed = list(
        chart.observations.order_by("at", "id").values_list("side_effect_id", flat=True)
    )
    if not observed:
        return None
    order = CourseOrder.objects.prefetch_related("lines").get(pk=chart.order_id)
    current = CurrentOrder(
        formula_id=order.formula_id,
        volumes_ml={k: v.normalize() for k, v in order.volumes_ml().items()},
        route_id=order.route_id,
        duration_min=order.duration_min.normalize(),
        into_saline_ml=order.into_saline_ml.normalize() if order.into_saline_ml else None,
        osmolarity_limit_id=order.osmolarity_limit_id or None,
    )
    try:
        advice = advise(current, observed)
    except ClinicalError:
        return None  # the order no longer composes: the physician sees the side effects anyway
    if advice is None:
        return None
    plan = advice.proposed
    rate = plan.pump_rate_ml_per_h
    magnesium = plan.delivery.magnesium_meq_per_min if plan.delivery else None
    return NextDoseAdvice.objects.create(
        clinic=actor.clinic,
        patient_id=chart.patient_id,
        chart=chart,
        order=order,
        reasons=list(advice.reasons),
        slower=advice.slower,
        dilute=advice.dilute,
        changed=advice.changed,
        current_duration_min=order.duration_min,
        proposed_duration_min=advice.duration_min,
        current_into_saline_ml=order.into_saline_ml,
        proposed_into_saline_ml=advice.into_saline_ml,
        proposed_rate_ml_per_h=round_half_up(rate, 1) if rate is not None else None,
        proposed_osmolarity_mosm_per_l=round_half_up(plan.final_osmolarity_mosm_per_l, 0),
        proposed_magnesium_meq_per_min=round_half_up(magnesium, 2)
        if magnesium is not None
        else None,
        summary=advice.summary()[:600],
        knowledge_version=knowledge_version(),
    )


def _charge(actor: Actor, chart: InfusionChart) -> str:
    """Make the infusion's charges; "" when made, else the reason they were not (audited)."""
    assert chart.started_at and chart.ended_at and chart.started_by  # noqa: S101  # given
    try:
        with transaction.atomic():
            charges_create_for_infusion(
                actor=actor,
                patient=chart.patient,
                course_order_id=chart.order_id,
                dose_id=chart.dose_id,
                started_at=chart.started_at,
                ended_at=chart.ended_at,
                route=chart.order.route_id,
                administered_by=chart.started_by,
            )
    except (ValidationError, PermissionDenied) as error:
        message = " ".join(getattr(error, "messages", [str(error)]))
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="billing.charge_infusion",
            patient_id=chart.patient_id,
            object_type="infusionchart",
            object_id=chart.pk,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="charges not made at signing",
        )
        return f"Charges were not made: {message}"[:300]
    return ""


def chart_sign(*, actor: Actor, chart_id: int, expected_version: int) -> InfusionChart:
    """Sign a finished chart (given, or recorded as not given). Immutable afterwards."""
    actor.require("infusions.chart")
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.sign")
        if chart.status != InfusionChart.Status.DONE:
            raise ValidationError(
                "Only a finished visit is signed: chart the end of the infusion and the IV "
                "removal, or record the dose as not given."
            )
        advice = _advice(actor, chart)
        if chart.given:
            chart.charges_note = _charge(actor, chart)
        chart.status = InfusionChart.Status.SIGNED
        chart.signed_by = actor.user
        chart.signed_at = timezone.now()
        bump(chart)
        detail = (
            f"given: {chart.administration_kind}, {chart.running_min} min running"
            if chart.given
            else "not given"
        )
        if advice is not None:
            detail += f"; next-dose advice {advice.pk}"
        audit(actor, "infusion.sign", chart, detail)
    return chart


def chart_amend(
    *, actor: Actor, chart_id: int, field: str, corrected: str, reason: str
) -> ChartAmendment:
    """Correct one fact of a signed chart, or add a note, with a reason (original kept)."""
    actor.require("infusions.chart")
    spec = AMENDABLE.get(field)
    if spec is None:
        raise ValidationError({"field": "Choose what to correct from the list."})
    value = spec.parse(str(corrected or ""))
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({"reason": "Say why the chart is corrected."})
    with transaction.atomic():
        patient_id = (
            InfusionChart.objects.filter(clinic=actor.clinic, pk=chart_id)
            .values_list("patient_id", flat=True)
            .first()
        )
        if patient_id is None:
            raise PermissionDenied("That chart is not in your clinic.")
        Patient.objects.select_for_update().get(pk=patient_id)
        chart = InfusionChart.objects.select_for_update().get(pk=chart_id)
        if not chart.is_signed:
            raise ValidationError(
                "This chart is not signed yet: correct it directly (amendments are for signed "
                "charts)."
            )
        existing = list(chart.amendments.order_by("amended_at", "id"))
        before = effective_value(chart, existing, field)
        if field != "addendum" and value == before:
            raise ValidationError({"corrected": "That is already the charted value."})
        amendment = ChartAmendment.objects.create(
            clinic=actor.clinic,
            chart=chart,
            field=field,
            original=before[:300],
            corrected=value,
            reason=reason[:300],
            amended_by=actor.user,
            amended_at=timezone.now(),
        )
        audit(actor, "infusion.amend", chart, f"field {field}")
    return amendment
