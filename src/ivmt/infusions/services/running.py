"""The IV, the run and its end: start, rate changes, completion, flush and removal.

The rate is checked by the clinical core (``running_rate.check_rate``): at the pump rate
charted, the magnesium and calcium delivery must stay within the label limits. A faster rate
is a hard limit the nurse cannot pass alone: it is refused unless a physician of the clinic is
named with a written reason, and the override is audited and kept on the rate event. Starting
records the bag as given through the pharmacy's own service (``compounding_administer``),
which checks the bag again (this patient, dispensed, within its beyond-use time).

Billing facts are exact: the start and stop as charted, the running minutes without pauses,
and push (15 min or less) or infusion from start to stop.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ivmt.clinical.charting import drip_sets
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.running_rate import (
    RateCheck,
    Segment,
    administration_kind,
    check_rate,
    progress,
)
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import InfusionChart, RateEvent
from ivmt.infusions.services._common import (
    audit,
    bump,
    check_time,
    clinician,
    locked_chart,
    not_before,
    physician,
    refusal,
)
from ivmt.infusions.services.appointments import appointment_follow
from ivmt.orders.errors import audited_refusals
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import infusion_plan, order_input
from ivmt.pharmacy.services import compounding_administer

MIN_REASON = 10
GAUGES = range(14, 28)  # DESIGN: peripheral catheters 14-26 G, butterflies to 27 G
MAX_ATTEMPTS = 6  # DESIGN: more attempts than this is a typing error, or a physician's call
MAX_FLUSH_ML = Decimal(500)  # DESIGN: a saline flush line is at most a 500 mL bag


def plan_for(order: CourseOrder) -> InfusionPlan:
    """The plan of the order the bag was made to (its own osmolarity school)."""
    try:
        return infusion_plan(order_input(order), order.osmolarity_limit_id or None)
    except ClinicalError as error:
        raise ValidationError(f"The order can no longer be calculated: {error}") from error


def suggested_rate(plan: InfusionPlan) -> Decimal | None:
    """The planned pump rate rounded *down* to 0.1 mL/h (never faster than planned)."""
    rate = plan.pump_rate_ml_per_h
    return rate.quantize(Decimal("0.1"), rounding=ROUND_FLOOR) if rate is not None else None


def chart_iv_record(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    site: str,
    side: str,
    device: str,
    gauge: int,
    attempts: int,
    placed_by_id: int,
    placed_at: datetime,
) -> InfusionChart:
    """Where and how the IV was placed, and by whom (a nurse or physician of the clinic)."""
    actor.require("infusions.chart")
    errors = {}
    if site not in InfusionChart.Site.values:
        errors["site"] = "Choose the site: hand, forearm or bend of the elbow."
    if side not in InfusionChart.Side.values:
        errors["side"] = "Choose the side."
    if device not in InfusionChart.Device.values:
        errors["device"] = "Choose catheter or butterfly."
    if gauge not in GAUGES:
        errors["gauge"] = f"The gauge is a whole number from {GAUGES[0]} to {GAUGES[-1]}."
    if not 1 <= attempts <= MAX_ATTEMPTS:
        errors["attempts"] = f"Attempts: 1 to {MAX_ATTEMPTS}."
    if errors:
        raise ValidationError(errors)
    check_time(placed_at, "The time the IV was placed", "placed_at")
    placer = clinician(actor, placed_by_id, "placed_by", "Whoever placed the IV")
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.iv")
        if chart.status not in (
            InfusionChart.Status.ARRIVED,
            InfusionChart.Status.READY,
            InfusionChart.Status.HELD,
        ):
            raise ValidationError(
                "The IV is charted before the infusion starts; correct it afterwards with an "
                "amendment once the chart is signed."
            )
        not_before(placed_at, chart.arrived_at, "The IV", "the arrival", "placed_at")
        chart.iv_site, chart.iv_side, chart.iv_device = site, side, device
        chart.iv_gauge, chart.iv_attempts = gauge, attempts
        chart.iv_placed_by, chart.iv_placed_at = placer, placed_at
        bump(chart)
        audit(actor, "infusion.iv", chart, f"{site} {side}, {gauge} G, {attempts} attempt(s)")
    return chart


def _checked_rate(
    actor: Actor,
    chart: InfusionChart,
    plan: InfusionPlan,
    rate: Decimal,
    physician_id: int | None,
    override_reason: str,
) -> tuple[RateCheck, bool]:
    """The rate against the label limits; (check, overridden). Over a limit without a named
    physician and a reason: an audited refusal."""
    volume = chart.volume_ml or plan.final_volume_ml
    try:
        checked = check_rate(plan.bag, volume, rate)
    except ClinicalError as error:
        raise ValidationError({"rate_ml_per_h": str(error)}) from error
    if checked.within_limits:
        return checked, False
    named = physician(actor, physician_id, "physician")
    if named is None or len(override_reason.strip()) < MIN_REASON:
        raise refusal(
            chart,
            {
                "rate_ml_per_h": checked.message()
                + " To run it faster, name the physician who decided it and write the reason."
            },
            "infusion.rate",
            "faster than the label limits, no physician named",
        )
    return checked, True


def _audit_override(actor: Actor, chart: InfusionChart, physician_id: int | None) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="infusion.rate_override",
        patient_id=chart.patient_id,
        object_type="infusionchart",
        object_id=chart.pk,
        ip=actor.ip,
        detail=f"faster than the label limits; physician {physician_id}",
    )


def infusion_start(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    started_at: datetime,
    rate_ml_per_h: Decimal | None = None,
    drops_per_ml: int | None = None,
    physician_id: int | None = None,
    override_reason: str = "",
) -> InfusionChart:
    """Start the identified bag through the placed IV at the planned (or a charted) rate."""
    actor.require("infusions.chart")
    check_time(started_at, "The start time", "started_at")
    if drops_per_ml is not None and drops_per_ml not in {s.drops_per_ml for s in drip_sets()}:
        raise ValidationError({"drops_per_ml": "Choose a drip set from the list."})
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.start")
        if chart.status == InfusionChart.Status.HELD:
            raise ValidationError("The dose is held: a physician releases it first.")
        if chart.status != InfusionChart.Status.READY or chart.bag is None:
            raise ValidationError("Scan the wristband and the bag before starting.")
        if not chart.iv_recorded:
            raise ValidationError("Chart the IV before starting.")
        not_before(started_at, chart.iv_placed_at, "The start", "the IV was placed", "started_at")
        not_before(
            started_at,
            chart.identified_at.replace(second=0, microsecond=0) if chart.identified_at else None,
            "The start",
            "the wristband and bag were scanned",
            "started_at",
        )
        # Charted times are typed to the minute: compare with the minute of the preparation.
        not_before(
            started_at,
            chart.bag.prep_started_at.replace(second=0, microsecond=0),
            "The start",
            "the bag was prepared",
            "started_at",
        )
        order = CourseOrder.objects.prefetch_related("lines").get(pk=chart.bag.order_id)
        plan = plan_for(order)
        chart.volume_ml = plan.final_volume_ml
        planned = suggested_rate(plan)
        rate = rate_ml_per_h if rate_ml_per_h is not None else planned
        if rate is None:
            raise ValidationError({"rate_ml_per_h": "Give the pump rate (mL/h)."})
        _, overridden = _checked_rate(actor, chart, plan, rate, physician_id, override_reason)
        compounding_administer(
            actor=actor, patient_id=chart.patient_id, scanned_code=chart.bag.bag_code
        )
        RateEvent.objects.create(
            clinic=actor.clinic,
            chart=chart,
            kind=RateEvent.Kind.START,
            at=started_at,
            rate_ml_per_h=rate,
            reason="planned rate" if rate == planned else "rate charted at start",
            physician_id=physician_id if overridden else None,
            override_reason=override_reason.strip()[:300] if overridden else "",
            recorded_by=actor.user,
        )
        chart.order = order
        chart.planned_duration_min = order.duration_min
        chart.planned_rate_ml_per_h = planned
        chart.drops_per_ml = drops_per_ml
        chart.started_at = started_at
        chart.started_by = actor.user
        chart.status = InfusionChart.Status.INFUSING
        bump(chart)
        audit(actor, "infusion.start", chart, f"{rate.normalize():f} mL/h")
        appointment_follow(actor=actor, dose_id=chart.dose_id, target="infusing")
        if overridden:
            _audit_override(actor, chart, physician_id)
    return chart


CHANGES = ("slow", "faster", "pause", "resume", "stop")


def current_rate(chart: InfusionChart) -> tuple[RateEvent, Decimal]:
    events = list(chart.rate_events.order_by("at", "id"))
    last = events[-1]
    running = [e for e in events if e.rate_ml_per_h > 0]
    return last, (running[-1].rate_ml_per_h if running else Decimal(0))


def infusion_rate_change(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    kind: str,
    at: datetime,
    reason: str,
    rate_ml_per_h: Decimal | None = None,
    physician_id: int | None = None,
    override_reason: str = "",
) -> InfusionChart:
    """Slow, speed up, pause, resume or stop the running infusion, at ``at``, with a reason.

    ``stop`` ends the infusion early; ``resume`` without a rate resumes the rate before the
    pause. A faster rate, or a resumed one, is checked against the label limits.
    """
    actor.require("infusions.chart")
    if kind not in CHANGES:
        raise ValidationError({"kind": "Choose slow, faster, pause, resume or stop."})
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the rate changes."})
    check_time(at, "The time of the change", "at")
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.rate")
        if chart.status not in InfusionChart.RUNNING:
            raise ValidationError("The infusion is not running.")
        last, running_rate = current_rate(chart)
        not_before(at, last.at, "The change", "the last one charted", "at")
        paused = chart.status == InfusionChart.Status.PAUSED
        new_rate = Decimal(0)
        overridden = False
        if kind in ("slow", "faster", "resume"):
            if kind != "resume" and paused:
                raise ValidationError({"kind": "The infusion is paused: resume it first."})
            if kind == "resume" and not paused:
                raise ValidationError({"kind": "The infusion is not paused."})
            new_rate = rate_ml_per_h if rate_ml_per_h is not None else running_rate
            if kind == "slow" and not Decimal(0) < new_rate < running_rate:
                raise ValidationError(
                    {"rate_ml_per_h": f"A slower rate is below {running_rate.normalize():f} mL/h."}
                )
            if kind == "faster" and new_rate <= running_rate:
                raise ValidationError(
                    {"rate_ml_per_h": f"A faster rate is above {running_rate.normalize():f} mL/h."}
                )
            plan = plan_for(CourseOrder.objects.prefetch_related("lines").get(pk=chart.order_id))
            _, overridden = _checked_rate(
                actor, chart, plan, new_rate, physician_id, override_reason
            )
        elif kind == "pause" and paused:
            raise ValidationError({"kind": "The infusion is already paused."})
        RateEvent.objects.create(
            clinic=actor.clinic,
            chart=chart,
            kind=kind,
            at=at,
            rate_ml_per_h=new_rate,
            reason=reason[:200],
            physician_id=physician_id if overridden else None,
            override_reason=override_reason.strip()[:300] if overridden else "",
            recorded_by=actor.user,
        )
        if kind == "stop":
            end_run(chart, at, InfusionChart.EndReason.STOPPED)
        else:
            chart.status = (
                InfusionChart.Status.PAUSED if kind == "pause" else InfusionChart.Status.INFUSING
            )
        bump(chart)
        audit(actor, "infusion.rate", chart, f"{kind}: {new_rate.normalize():f} mL/h")
        if overridden:
            _audit_override(actor, chart, physician_id)
    return chart


def end_run(chart: InfusionChart, at: datetime, reason: str) -> None:
    assert chart.started_at is not None  # noqa: S101  # only running charts end
    chart.ended_at = at
    chart.end_reason = reason
    chart.status = InfusionChart.Status.ENDED
    chart.administration_kind = administration_kind(chart.started_at, at)
    events = list(chart.rate_events.order_by("at", "id"))
    segments = [Segment(e.at, e.rate_ml_per_h) for e in events]
    done = progress(segments, chart.volume_ml or Decimal(0), at)
    chart.running_min = done.running_min.quantize(Decimal("0.1"))


def infusion_end(
    *, actor: Actor, chart_id: int, expected_version: int, ended_at: datetime
) -> InfusionChart:
    """The bag has run through: the end time (the stop of the billing facts)."""
    actor.require("infusions.chart")
    check_time(ended_at, "The end time", "ended_at")
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.end")
        if chart.status not in InfusionChart.RUNNING:
            raise ValidationError("The infusion is not running.")
        last, _ = current_rate(chart)
        not_before(ended_at, last.at, "The end", "the last rate change", "ended_at")
        RateEvent.objects.create(
            clinic=actor.clinic,
            chart=chart,
            kind=RateEvent.Kind.COMPLETE,
            at=ended_at,
            rate_ml_per_h=Decimal(0),
            reason="bag run through",
            recorded_by=actor.user,
        )
        end_run(chart, ended_at, InfusionChart.EndReason.COMPLETED)
        bump(chart)
        audit(actor, "infusion.end", chart, f"{chart.administration_kind}")
    return chart


def chart_finish(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    iv_removed_at: datetime,
    site_check: str,
    bandage: bool,
    discharge_advice: bool,
    flush_ml: Decimal | None = None,
) -> InfusionChart:
    """After the run: the saline flush (seed), the IV removed, the site checked, the bandage
    and the discharge advice ("no restrictions after the infusion")."""
    actor.require("infusions.chart")
    if site_check not in InfusionChart.SiteCheck.values:
        raise ValidationError({"site_check": "Choose what the site looked like."})
    if flush_ml is not None and not (Decimal(0) < flush_ml <= MAX_FLUSH_ML):
        raise ValidationError(
            {
                "flush_ml": f"A flush is more than 0 and at most {MAX_FLUSH_ML} mL "
                "(or leave it empty)."
            }
        )
    check_time(iv_removed_at, "The time the IV was removed", "iv_removed_at")
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.finish")
        if chart.status != InfusionChart.Status.ENDED:
            raise ValidationError("Chart the end of the infusion first.")
        not_before(
            iv_removed_at, chart.ended_at, "The removal", "the end of the infusion", "iv_removed_at"
        )
        chart.flush_ml = flush_ml
        chart.iv_removed_at = iv_removed_at
        chart.site_check = site_check
        chart.bandage = bandage
        chart.discharge_advice = discharge_advice
        chart.status = InfusionChart.Status.DONE
        bump(chart)
        audit(actor, "infusion.finish", chart, f"site {site_check}")
        appointment_follow(actor=actor, dose_id=chart.dose_id, target="done")
    return chart
