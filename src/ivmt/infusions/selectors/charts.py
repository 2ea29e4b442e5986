"""One chart, its check-in dose, a patient's infusions and their markers for outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.utils import timezone

from ivmt.clinical.running_rate import Progress
from ivmt.core.access import Actor
from ivmt.infusions.models import (
    AdverseEvent,
    ChartAmendment,
    InfusionChart,
    NextDoseAdvice,
    Observation,
    RateEvent,
    VitalSigns,
    Wristband,
)
from ivmt.infusions.selectors._common import chart_progress, denied, read
from ivmt.orders.models import PlannedDose
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Appointment

# One chart ---------------------------------------------------------------------------------


def chart_get(*, actor: Actor, chart_id: int, action: str = "infusion.view") -> InfusionChart:
    """The chart with its patient, dose, order, chair and bag; 404 (audited) otherwise."""
    actor.require("infusions.view")
    chart = (
        InfusionChart.objects.filter(clinic=actor.clinic, pk=chart_id)
        .select_related(
            "patient",
            "dose",
            "order",
            "chair",
            "bag",
            "wristband",
            "iv_placed_by",
            "checked_in_by",
            "identified_by",
            "started_by",
            "signed_by",
            "hold_released_by",
        )
        .first()
    )
    if chart is None:
        raise denied(actor, action, "infusionchart", chart_id)
    read(actor, action, chart.patient_id, "infusionchart", chart.pk)
    return chart


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "vitals" | "rate" | "observation"
    row: VitalSigns | RateEvent | Observation


@dataclass
class ChartDetail:
    chart: InfusionChart
    vitals: list[VitalSigns]
    rate_events: list[RateEvent]
    observations: list[Observation]
    adverse_events: list[AdverseEvent]
    amendments: list[ChartAmendment]
    advice: NextDoseAdvice | None
    progress: Progress | None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def current_rate(self) -> Decimal | None:
        if not self.rate_events:
            return None
        return self.rate_events[-1].rate_ml_per_h

    @property
    def running_rate(self) -> Decimal | None:
        """The last rate above 0 (what a resume goes back to)."""
        running = [e.rate_ml_per_h for e in self.rate_events if e.rate_ml_per_h > 0]
        return running[-1] if running else None


def chart_detail(*, actor: Actor, chart_id: int) -> ChartDetail:
    """Everything the chart page shows, in a fixed number of queries."""
    chart = chart_get(actor=actor, chart_id=chart_id)
    vitals = list(chart.vitals.select_related("recorded_by"))
    events = list(chart.rate_events.select_related("recorded_by", "physician"))
    observations = list(chart.observations.select_related("recorded_by"))
    adverse = list(chart.adverse_events.select_related("reported_by", "acknowledged_by"))
    amendments = list(chart.amendments.select_related("amended_by"))
    advice = NextDoseAdvice.objects.filter(chart=chart).select_related("decided_by").first()
    timeline = sorted(
        [TimelineEntry(v.taken_at, "vitals", v) for v in vitals]
        + [TimelineEntry(e.at, "rate", e) for e in events]
        + [TimelineEntry(o.at, "observation", o) for o in observations],
        key=lambda entry: entry.at,
    )
    return ChartDetail(
        chart=chart,
        vitals=vitals,
        rate_events=events,
        observations=observations,
        adverse_events=adverse,
        amendments=amendments,
        advice=advice,
        progress=chart_progress(chart, events, timezone.now()),
        timeline=timeline,
    )


def dose_for_check_in(*, actor: Actor, dose_id: int) -> PlannedDose:
    """A dose of the actor's clinic with its patient and order; 404 (audited) otherwise."""
    actor.require("infusions.chart")
    dose = (
        PlannedDose.objects.filter(clinic=actor.clinic, pk=dose_id)
        .select_related("patient", "order")
        .first()
    )
    if dose is None:
        raise denied(actor, "infusion.check_in_form", "planneddose", dose_id)
    read(actor, "infusion.check_in_form", dose.patient_id, "planneddose", dose.pk)
    return dose


def booked_chair_id(dose: PlannedDose) -> int | None:
    """The chair of the dose's appointment not yet started (scheduling), if one is booked."""
    return (
        Appointment.objects.filter(dose=dose, status__in=("booked", "arrived"))
        .order_by("-id")
        .values_list("chair_id", flat=True)
        .first()
    )


def open_chart_for_dose(dose: PlannedDose) -> InfusionChart | None:
    return InfusionChart.objects.filter(dose=dose).first()


def current_wristband(*, patient: Patient) -> Wristband | None:
    """The patient's wristband in force (the caller has read the patient: audited)."""
    return Wristband.objects.filter(patient=patient, revoked_at__isnull=True).first()


# A patient's infusions ---------------------------------------------------------------------


def patient_infusions(*, actor: Actor, patient: Patient) -> list[InfusionChart]:
    """Every chart of a patient, newest first (the caller has read the patient: audited)."""
    actor.require("infusions.view", patient_id=patient.pk)
    if patient.clinic_id != actor.clinic.pk:
        raise Http404("No such patient.")
    return list(
        InfusionChart.objects.filter(clinic=actor.clinic, patient=patient)
        .select_related("dose", "chair", "signed_by")
        .prefetch_related("adverse_events", "observations")
        .order_by("-arrived_at", "-id")
    )


@dataclass(frozen=True)
class InfusionMarker:
    """A dated event for the outcomes charts: a given infusion or an adverse event."""

    day: date
    kind: str  # "dose_given" | "adverse_event"
    label: str
    dose_id: int


def infusion_markers(*, patient: Patient) -> list[InfusionMarker]:
    """Given infusions and adverse events of a patient, oldest first, as clinic-local dates.

    For the outcomes charts (``ivmt.outcomes.course.chart_markers``); no audit row (the calling
    page audits its own read); two queries whatever the number of infusions.
    """
    zone = patient.clinic.zone
    markers = [
        InfusionMarker(
            day=timezone.localtime(chart.started_at, zone).date(),
            kind="dose_given",
            label=f"Dose {chart.dose.number} given"
            + (", stopped early" if chart.end_reason == "stopped" else ""),
            dose_id=chart.dose_id,
        )
        for chart in InfusionChart.objects.filter(patient=patient, started_at__isnull=False)
        .select_related("dose")
        .order_by("started_at")
        if chart.started_at is not None
    ]
    for event in AdverseEvent.objects.filter(patient=patient).select_related("chart"):
        markers.append(
            InfusionMarker(
                day=timezone.localtime(event.occurred_at, zone).date(),
                kind="adverse_event",
                label=f"Adverse event: {event.side_effect_name} "
                f"({event.get_severity_display().lower()})",
                dose_id=event.chart.dose_id,
            )
        )
    return sorted(markers, key=lambda m: (m.day, m.kind))
