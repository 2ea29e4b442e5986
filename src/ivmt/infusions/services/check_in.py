"""Check-in: arrival, pre-visit advice, pre-dose vital signs and re-screening, and holds.

A check-in opens the chart of one planned dose at one chair. It re-runs screening with today's
facts (``ivmt.screening.services.screening_check_in``, which also feeds the vital signs to the
vital-sign rules) and holds the dose when:

* a pre-dose reading is outside one of the clinic's hold limits (clinic policy,
  ``clinical/data/vital_signs.toml``); the clinic's limits govern vital signs, so screening's
  own vital-sign findings do not hold the dose twice;
* the check-in run finds a hard stop, or a finding for a physician's review that was not in
  the screening the course was signed under (something new since the physician approved).

A held dose cannot be identified or started until a physician releases the hold with a
reason; a nurse may also hold a dose, or record it as not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.clinical.charting import setting_decimal
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.screening_facts import Vitals
from ivmt.clinical.vital_signs import Hold, check_reading, holds
from ivmt.core.access import Actor
from ivmt.infusions.models import InfusionChart, VitalSigns
from ivmt.infusions.services._common import (
    audit,
    bump,
    check_time,
    locked_chart,
    not_before,
    refusal,
)
from ivmt.infusions.services.appointments import appointment_follow
from ivmt.infusions.services.policy import policy_for
from ivmt.orders.errors import audited_refusals
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair
from ivmt.screening.models import ScreeningRun
from ivmt.screening.services import screening_check_in

MIN_REASON = 10


@dataclass(frozen=True)
class CheckIn:
    """What the nurse enters at check-in; vitals by id (``vital_signs.toml``) as typed."""

    dose_id: int
    arrived_at: datetime
    vitals: Mapping[str, object]
    chair_id: int | None = None
    advice_fluids: bool = False
    advice_warm: bool = False
    moved_reason: str = ""


def reading_for(actor: Actor, values: Mapping[str, object]) -> dict[str, Decimal]:
    """The clinic's charted vitals from ``values``, checked (ValidationError keyed "vitals")."""
    charted = policy_for(actor.clinic).charted
    unknown = sorted(k for k, v in values.items() if k not in charted and v not in (None, ""))
    if unknown:
        raise ValidationError({"vitals": f"This clinic does not chart '{unknown[0]}'."})
    try:
        reading = check_reading({k: v for k, v in values.items() if k in charted})
    except ClinicalError as error:
        raise ValidationError({"vitals": str(error)}) from error
    return reading


def _vitals_row(
    actor: Actor,
    chart: InfusionChart,
    phase: str,
    at: datetime,
    reading: Mapping[str, Decimal],
    outside: tuple[Hold, ...],
) -> VitalSigns:
    def whole(key: str) -> int | None:
        value = reading.get(key)
        return int(value) if value is not None else None

    return VitalSigns.objects.create(
        clinic=actor.clinic,
        chart=chart,
        phase=phase,
        taken_at=at,
        systolic_mmhg=whole("systolic_mmhg"),
        diastolic_mmhg=whole("diastolic_mmhg"),
        heart_rate_bpm=whole("heart_rate_bpm"),
        respiratory_rate_per_min=whole("respiratory_rate_per_min"),
        temperature_c=reading.get("temperature_c"),
        spo2_percent=whole("spo2_percent"),
        outside_limits=[h.limit_id for h in outside],
        recorded_by=actor.user,
    )


def _screening_holds(run: ScreeningRun, order: CourseOrder) -> list[dict[str, str]]:
    approved: set[str] = set()
    if order.screening_run_id:
        signed_under = ScreeningRun.objects.filter(pk=order.screening_run_id).first()
        if signed_under is not None:
            approved = {f["rule_id"] for f in signed_under.findings}
    found = []
    for finding in run.findings:
        if any(fact[0] == "vital" for fact in finding.get("facts_used", [])):
            continue  # the clinic's hold limits govern vital signs
        new_review = (
            finding["severity"] == "physician_review" and finding["rule_id"] not in approved
        )
        if finding["severity"] == "hard_stop" or new_review:
            found.append(
                {
                    "source": "screening",
                    "code": finding["rule_id"],
                    "message": f"Screening at check-in: {finding['title']}. {finding['message']}",
                }
            )
    return found


def _vital_holds(outside: tuple[Hold, ...]) -> list[dict[str, str]]:
    return [{"source": "vitals", "code": h.limit_id, "message": h.message} for h in outside]


def _check_dose(actor: Actor, dose: PlannedDose, moved_reason: str) -> None:
    order = dose.order
    if dose.status != PlannedDose.Status.PLANNED:
        raise ValidationError(
            f"Dose {dose.number} is {dose.get_status_display().lower()}; it cannot be given."
        )
    if order.status not in (CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED):
        raise ValidationError(
            f"The course of this dose is {order.get_status_display().lower()}; it cannot be given."
        )
    today = clinic_today(actor.clinic)
    shift = (dose.date - today).days
    tolerance = int(setting_decimal("dose_day_tolerance_days"))
    if abs(shift) > tolerance:
        raise ValidationError(
            f"Dose {dose.number} is planned for {dose.date:%a %d %b %Y}, more than {tolerance} "
            "days from today: the physician changes the schedule first."
        )
    if shift and len(moved_reason.strip()) < 3:
        raise ValidationError(
            {
                "moved_reason": f"Dose {dose.number} is planned for {dose.date:%a %d %b}: say why "
                "it is given today."
            }
        )


def _chair(actor: Actor, chair_id: int | None) -> Chair | None:
    if chair_id is None:
        if Chair.objects.filter(clinic=actor.clinic, in_service=True).exists():
            raise ValidationError({"chair": "Choose the chair the patient sits in."})
        return None
    # Locked (after the patient): two check-ins into one chair wait for each other.
    chair = (
        Chair.objects.select_for_update()
        .filter(clinic=actor.clinic, pk=chair_id, in_service=True)
        .first()
    )
    if chair is None:
        raise ValidationError({"chair": "Choose a chair of this clinic that is in service."})
    busy = (
        InfusionChart.objects.filter(chair=chair, status__in=InfusionChart.OPEN)
        .select_related("patient")
        .first()
    )
    if busy is not None:
        raise ValidationError(
            {"chair": f"{chair.name} is in use (MRN {busy.patient.mrn}); choose another chair."}
        )
    return chair


def chart_check_in(*, actor: Actor, entry: CheckIn) -> InfusionChart:
    """Open the chart of a planned dose: arrival, chair, advice, pre-dose vitals, re-screening.

    Raises PermissionDenied (role, another clinic's dose) or ValidationError (the dose is not
    givable today, the chair is taken, a vital sign is impossible, the patient already has an
    open chart); nothing is written when refused.
    """
    actor.require("infusions.chart")
    check_time(entry.arrived_at, "The arrival time", "arrived_at")
    reading = reading_for(actor, entry.vitals)
    missing = [k for k in ("systolic_mmhg", "heart_rate_bpm") if k not in reading]
    if missing:
        raise ValidationError({"vitals": "Blood pressure and pulse are taken at every check-in."})
    policy = policy_for(actor.clinic)
    with audited_refusals(actor), transaction.atomic():
        dose = (
            PlannedDose.objects.filter(clinic=actor.clinic, pk=entry.dose_id)
            .select_related("order")
            .first()
        )
        if dose is None:
            raise PermissionDenied("That dose is not in your clinic.")
        patient = Patient.objects.select_for_update().get(pk=dose.patient_id)
        _check_dose(actor, dose, entry.moved_reason)
        existing = InfusionChart.objects.filter(dose=dose).first()
        if existing is not None:
            arrived = timezone.localtime(existing.arrived_at, actor.clinic.zone)
            raise ValidationError(
                f"Dose {dose.number} was already checked in at {arrived:%H:%M}; open its chart."
            )
        if InfusionChart.objects.filter(patient=patient, status__in=InfusionChart.OPEN).exists():
            raise ValidationError("This patient already has an open chart: finish that one first.")
        chair = _chair(actor, entry.chair_id)
        series_started = (
            dose.number > 1
            or InfusionChart.objects.filter(patient=patient, started_at__isnull=False).exists()
        )
        run = screening_check_in(
            actor=actor,
            patient=patient,
            series_started=series_started,
            vitals=Vitals(
                systolic_mmhg=reading.get("systolic_mmhg"),
                diastolic_mmhg=reading.get("diastolic_mmhg"),
                heart_rate_bpm=reading.get("heart_rate_bpm"),
            ),
        )
        outside = holds(reading, policy.hold_limits)
        reasons = _vital_holds(outside) + _screening_holds(run, dose.order)
        now = timezone.now()
        try:
            with transaction.atomic():
                chart = InfusionChart.objects.create(
                    clinic=actor.clinic,
                    patient=patient,
                    dose=dose,
                    order=dose.order,
                    chair=chair,
                    status=InfusionChart.Status.HELD if reasons else InfusionChart.Status.ARRIVED,
                    arrived_at=entry.arrived_at,
                    checked_in_by=actor.user,
                    moved_reason=entry.moved_reason.strip()[:200]
                    if dose.date != clinic_today(actor.clinic)
                    else "",
                    advice_fluids=entry.advice_fluids,
                    advice_warm=entry.advice_warm,
                    screening_run_id=run.pk,
                    screening_outcome=run.outcome,
                    holds=reasons,
                    held_at=now if reasons else None,
                )
        except IntegrityError:
            # The database's own guard (one chart per dose, one open chart per chair).
            raise ValidationError(
                "The dose or the chair was taken by another check-in at the same moment; reload."
            ) from None
        _vitals_row(actor, chart, VitalSigns.Phase.PRE_DOSE, entry.arrived_at, reading, outside)
        appointment_follow(actor=actor, dose_id=dose.pk, target="arrived")
        detail = f"dose {dose.number}; chair {chair.pk if chair else '-'}; screening {run.outcome}"
        if reasons:
            detail += "; held: " + ", ".join(r["code"] for r in reasons)
        audit(actor, "infusion.check_in", chart, detail)
    return chart


def chart_vitals_record(
    *,
    actor: Actor,
    chart_id: int,
    expected_version: int,
    taken_at: datetime,
    values: Mapping[str, object],
) -> tuple[VitalSigns, tuple[Hold, ...]]:
    """A set of vital signs. Before the dose, a reading outside the clinic's limits holds it;
    during or after the infusion it is flagged (returned) for the nurse to act on."""
    actor.require("infusions.chart")
    check_time(taken_at, "The time of the reading", "taken_at")
    reading = reading_for(actor, values)
    if not reading:
        raise ValidationError({"vitals": "Enter at least one reading."})
    policy = policy_for(actor.clinic)
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.vitals")
        not_before(taken_at, chart.arrived_at, "The reading", "the arrival", "taken_at")
        if chart.started_at is None:
            phase = VitalSigns.Phase.PRE_DOSE
        elif chart.ended_at is None:
            phase = VitalSigns.Phase.DURING
        else:
            phase = VitalSigns.Phase.AFTER
        if chart.status == InfusionChart.Status.DONE and chart.started_at is None:
            raise ValidationError("The dose was recorded as not given; sign the chart.")
        outside = holds(reading, policy.hold_limits)
        row = _vitals_row(actor, chart, phase, taken_at, reading, outside)
        if phase == VitalSigns.Phase.PRE_DOSE and outside:
            known = {h["code"] for h in chart.holds}
            chart.holds = chart.holds + [h for h in _vital_holds(outside) if h["code"] not in known]
            if chart.status != InfusionChart.Status.HELD:
                chart.status = InfusionChart.Status.HELD
                chart.held_at = timezone.now()
        bump(chart)
        audit(
            actor,
            "infusion.vitals",
            chart,
            f"{phase}" + (": outside " + ", ".join(h.limit_id for h in outside) if outside else ""),
        )
    return row, outside


def chart_hold(*, actor: Actor, chart_id: int, expected_version: int, reason: str) -> InfusionChart:
    """A nurse or physician holds the dose (the patient is unwell, something is not right)."""
    actor.require("infusions.chart")
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the dose is held."})
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.hold")
        if chart.status not in (InfusionChart.Status.ARRIVED, InfusionChart.Status.READY):
            raise ValidationError(
                f"A dose can be held before it starts; this chart is "
                f"{chart.get_status_display().lower()}."
            )
        chart.holds = [
            *chart.holds,
            {"source": "nurse", "code": "held_by_staff", "message": reason[:300]},
        ]
        chart.status = InfusionChart.Status.HELD
        chart.held_at = timezone.now()
        bump(chart)
        audit(actor, "infusion.hold", chart, "held by staff")
    return chart


def chart_hold_release(
    *, actor: Actor, chart_id: int, expected_version: int, reason: str
) -> InfusionChart:
    """A physician releases a held dose with a written reason (audited, kept on the chart)."""
    actor.require("infusions.review")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise ValidationError(
            {"reason": f"Write why the dose may go ahead (at least {MIN_REASON} characters)."}
        )
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.release")
        if chart.status != InfusionChart.Status.HELD:
            raise ValidationError("This dose is not held.")
        chart.status = (
            InfusionChart.Status.READY if chart.identified_at else InfusionChart.Status.ARRIVED
        )
        chart.hold_released_by = actor.user
        chart.hold_released_at = timezone.now()
        chart.hold_release_reason = reason[:300]
        bump(chart)
        audit(
            actor, "infusion.release", chart, "held: " + ", ".join(h["code"] for h in chart.holds)
        )
    return chart


def chart_not_given(
    *, actor: Actor, chart_id: int, expected_version: int, reason: str
) -> InfusionChart:
    """Close a visit whose dose is not given (held, the patient left); the nurse then signs it.
    The bag, if any, stays with the pharmacy to waste."""
    actor.require("infusions.chart")
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the dose is not given."})
    with audited_refusals(actor), transaction.atomic():
        chart = locked_chart(actor, chart_id, expected_version, "infusion.not_given")
        if chart.started_at is not None or chart.status not in (
            InfusionChart.Status.ARRIVED,
            InfusionChart.Status.HELD,
            InfusionChart.Status.READY,
        ):
            raise refusal(
                chart,
                "The infusion has started: stop it and chart the end instead.",
                "infusion.not_given",
                "already started",
            )
        chart.status = InfusionChart.Status.DONE
        chart.not_given_reason = reason[:200]
        bump(chart)
        audit(actor, "infusion.not_given", chart)
    return chart
