"""The today board and the check-in list.

The board is fed by two sources: the charts opened today (arrived patients), and the
*expected visits* — today's planned doses not yet checked in. :func:`expected_visits` is the
one seam a later appointment model replaces (its chair and time), so the board itself does
not change when scheduling (issue 7) lands. Six queries and one audit row whatever the
number of chairs (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ivmt.clinical.charting import setting_decimal
from ivmt.clinical.running_rate import Progress
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.infusions.models import (
    InfusionChart,
    RateEvent,
)
from ivmt.infusions.selectors._common import chart_progress, day_bounds
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.models import Appointment, Chair

# The today board ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedVisit:
    """A patient expected today who has not arrived: from a planned dose today (and, once
    scheduling lands, from an appointment with its chair and time)."""

    patient: Patient
    dose: PlannedDose
    at: datetime | None
    chair: Chair | None
    bag: CompoundingRecord | None

    @property
    def bag_state(self) -> str:
        if self.bag is None:
            return "no bag yet"
        return {
            "prepared": "bag awaiting verification",
            "verified": "bag verified, not yet dispensed",
            "dispensed": "bag ready at the chair",
            "administered": "bag given",
        }.get(self.bag.status, self.bag.status)


def _first_live(dose: PlannedDose) -> CompoundingRecord | None:
    # ``live_bags``: the dose's bags not wasted, prefetched (to_attr) by the caller.
    bags: list[CompoundingRecord] = getattr(dose, "live_bags", [])
    return bags[0] if bags else None


def _booked(dose: PlannedDose) -> Appointment | None:
    # ``booked``: the dose's appointments not yet started, prefetched (to_attr) by the caller.
    found: list[Appointment] = getattr(dose, "booked", [])
    return found[0] if found else None


def expected_visits(*, actor: Actor, day: date) -> list[ExpectedVisit]:
    """Planned doses of ``day`` with no chart yet, with their appointment's chair and time when
    the scheduling app booked one, by time (unbooked last); three queries."""
    doses = list(
        PlannedDose.objects.filter(
            clinic=actor.clinic,
            date=day,
            status=PlannedDose.Status.PLANNED,
            order__status__in=(CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED),
            infusion_charts__isnull=True,
        )
        .select_related("patient")
        .prefetch_related(
            Prefetch(
                "bags",
                queryset=CompoundingRecord.objects.exclude(status="wasted"),
                to_attr="live_bags",
            ),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status__in=("booked", "arrived"))
                .select_related("chair")
                .order_by("-id"),
                to_attr="booked",
            ),
        )
        .order_by("scheduled_at", "patient__family_name", "id")
    )
    visits = []
    for dose in doses:
        appointment = _booked(dose)
        visits.append(
            ExpectedVisit(
                patient=dose.patient,
                dose=dose,
                at=appointment.starts_at if appointment else dose.scheduled_at,
                chair=appointment.chair if appointment else None,
                bag=_first_live(dose),
            )
        )
    return visits


@dataclass(frozen=True)
class BoardEntry:
    """One chart on the board: its status word, minutes left while infusing."""

    chart: InfusionChart
    state: str  # arrived | held | ready | infusing | paused | done
    label: str
    progress: Progress | None

    @property
    def minutes_left(self) -> int | None:
        if self.progress is None or self.progress.minutes_left is None:
            return None
        return int(self.progress.minutes_left.to_integral_value(rounding="ROUND_CEILING"))

    @property
    def percent(self) -> int:
        if self.progress is None:
            return 0
        return int(self.progress.fraction * 100)


@dataclass(frozen=True)
class ChairRow:
    chair: Chair | None
    entry: BoardEntry | None


@dataclass
class Board:
    day: date
    rows: list[ChairRow]
    expected: list[ExpectedVisit]
    done: list[BoardEntry]
    generated_at: datetime

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(state, label, number of today's charts in it), in the order of a visit."""
        seen = {id(e): e for e in [r.entry for r in self.rows if r.entry] + self.done}
        return [
            (state, label, sum(1 for e in seen.values() if e.state == state))
            for state, label in _LABELS.items()
        ] + [("expected", "Expected", len(self.expected))]


_LABELS = {
    "arrived": "Arrived",
    "held": "Held",
    "ready": "Bag ready",
    "infusing": "Infusing",
    "paused": "Paused",
    "done": "Done",
}


def _state(chart: InfusionChart) -> str:
    if chart.status in ("ended", "done", "signed"):
        return "done"
    return chart.status


def _entry(chart: InfusionChart, now: datetime) -> BoardEntry:
    state = _state(chart)
    # ``board_events``: the rate events prefetched (to_attr) by today_board.
    events: list[RateEvent] = getattr(chart, "board_events", [])
    found = chart_progress(chart, events, now) if state in ("infusing", "paused") else None
    label = _LABELS[state]
    if state == "arrived" and chart.bag_id is None:
        label = "Arrived"
    if state == "done" and chart.started_at is None:
        label = "Not given"
    return BoardEntry(chart=chart, state=state, label=label, progress=found)


def today_board(*, actor: Actor, day: date | None = None) -> Board:
    """Every in-service chair with the patient in it and their status, the patients who
    arrived without a chair, those still expected, and today's finished visits.

    Five queries and one audit row whatever the number of chairs, charts and doses.
    """
    actor.require("infusions.board")
    day = day or clinic_today(actor.clinic)
    start, end = day_bounds(actor, day)
    now = timezone.now()
    chairs = list(Chair.objects.filter(clinic=actor.clinic, in_service=True).order_by("name"))
    charts = list(
        InfusionChart.objects.filter(clinic=actor.clinic)
        .filter(Q(arrived_at__gte=start, arrived_at__lt=end) | Q(status__in=InfusionChart.OPEN))
        .select_related("patient", "chair", "dose")
        .prefetch_related(
            Prefetch(
                "rate_events",
                queryset=RateEvent.objects.order_by("at", "id"),
                to_attr="board_events",
            )
        )
        .order_by("arrived_at", "id")
    )
    entries = [_entry(chart, now) for chart in charts]
    open_by_chair: dict[int, BoardEntry] = {}
    last_by_chair: dict[int, BoardEntry] = {}
    unseated: list[BoardEntry] = []
    done: list[BoardEntry] = []
    for entry in entries:
        chair_id = entry.chart.chair_id
        if entry.chart.is_open:
            if chair_id is None:
                unseated.append(entry)
            else:
                open_by_chair[chair_id] = entry
        else:
            done.append(entry)
            if chair_id is not None:
                last_by_chair[chair_id] = entry
    rows = [
        ChairRow(chair, open_by_chair.get(chair.pk) or last_by_chair.get(chair.pk))
        for chair in chairs
    ]
    rows += [ChairRow(None, entry) for entry in unseated]
    expected = expected_visits(actor=actor, day=day)
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="infusions.board",
        ip=actor.ip,
        detail=f"{len(charts)} charts, {len(expected)} expected",
    )
    return Board(day=day, rows=rows, expected=expected, done=done, generated_at=now)


# Check-in ----------------------------------------------------------------------------------


def check_in_candidates(*, actor: Actor) -> tuple[list[ExpectedVisit], list[ExpectedVisit]]:
    """Doses that can be checked in now: today's, then those within the clinic's tolerance of
    a few days (given on another day with a reason). Three queries, one audit row."""
    actor.require("infusions.chart")
    today = clinic_today(actor.clinic)
    tolerance = int(setting_decimal("dose_day_tolerance_days"))
    nearby = list(
        PlannedDose.objects.filter(
            clinic=actor.clinic,
            date__gte=today - timedelta(days=tolerance),
            date__lte=today + timedelta(days=tolerance),
            status=PlannedDose.Status.PLANNED,
            order__status__in=(CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED),
            infusion_charts__isnull=True,
        )
        .exclude(date=today)
        .select_related("patient")
        .prefetch_related(
            Prefetch(
                "bags",
                queryset=CompoundingRecord.objects.exclude(status="wasted"),
                to_attr="live_bags",
            )
        )
        .order_by("patient__family_name", "date")
    )
    # Only each patient's earliest such dose (the next one due).
    seen: set[int] = set()
    others = []
    for dose in nearby:
        if dose.patient_id in seen:
            continue
        seen.add(dose.patient_id)
        others.append(
            ExpectedVisit(
                dose.patient,
                dose,
                dose.scheduled_at,
                None,
                _first_live(dose),
            )
        )
    todays = expected_visits(actor=actor, day=today)
    today_patients = {v.patient.pk for v in todays}
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="infusions.check_in_list",
        ip=actor.ip,
        detail=f"{len(todays)} today, {len(others)} nearby",
    )
    return todays, [v for v in others if v.patient.pk not in today_patients]


def board_counts(*, actor: Actor) -> dict[str, int]:
    """Today's charts by board status, for the nurse's dashboard card (one query)."""
    if not actor.may("infusions.board"):
        return {}
    start, end = day_bounds(actor, clinic_today(actor.clinic))
    counts = {"arrived": 0, "held": 0, "ready": 0, "infusing": 0, "paused": 0, "done": 0}
    statuses: QuerySet[InfusionChart, str] = InfusionChart.objects.filter(
        clinic=actor.clinic, arrived_at__gte=start, arrived_at__lt=end
    ).values_list("status", flat=True)
    for status in statuses:
        counts[_state_of(status)] += 1
    return counts


def _state_of(status: str) -> str:
    return "done" if status in ("ended", "done", "signed") else status
