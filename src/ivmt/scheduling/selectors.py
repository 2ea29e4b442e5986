"""Reads of the schedule, scoped to the actor's clinic and audited.

An appointment, course, shift or plan of another clinic (or none) answers 404 with a denied
audit row. The day and week views run a fixed number of queries whatever the number of chairs,
nurses and appointments (tested); each writes one audit row for the listing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.availability import (
    Candidate,
    book_for,
    choose_nurse,
    local_day_bounds,
    nurse_conflicts,
    settings_for,
    slot_conflicts,
)
from ivmt.scheduling.clinic_hours import DayHours, hours_between
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    CalendarFeed,
    Chair,
    DayPlanProposal,
    NurseShift,
    SchedulingSettings,
    ShiftBreak,
)
from ivmt.scheduling.series_plan import DEFAULT_PREFERRED, SeriesLine, propose_series
from ivmt.scheduling.services.booking import LIVE_BAG, visit_minutes
from ivmt.scheduling.services.feeds import token_hash
from ivmt.scheduling.services.series import stale_appointments

FEED_PAST_DAYS = 30
STALE_DOSES = (PlannedDose.Status.SUPERSEDED, PlannedDose.Status.CANCELLED)


def _denied(actor: Actor, action: str, object_type: str, object_id: int) -> Http404:
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


def _listed(actor: Actor, action: str, detail: str) -> None:
    audit_record(
        user=actor.user, clinic_id=actor.clinic.pk, action=action, ip=actor.ip, detail=detail
    )


def _visits(clinic: Clinic) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=clinic).select_related(
        "patient", "dose", "dose__order", "chair", "nurse"
    )


# One appointment ------------------------------------------------------------------------------


@dataclass
class AppointmentDetail:
    appointment: Appointment
    events: list[AppointmentEvent]
    bag: CompoundingRecord | None  # the live bag of its dose, if one is made
    chairs: list[Chair]
    nurses: list[NurseShift]  # shifts of the appointment's day

    @property
    def stale(self) -> bool:
        dose = self.appointment.dose
        return dose is not None and dose.status in STALE_DOSES


def appointment_get(
    *, actor: Actor, appointment_id: int, action: str = "appointment.view"
) -> Appointment:
    actor.require("scheduling.view")
    found = _visits(actor.clinic).filter(pk=appointment_id).first()
    if found is None:
        raise _denied(actor, action, "appointment", appointment_id)
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=found.patient_id,
        object_type="appointment",
        object_id=found.pk,
        ip=actor.ip,
    )
    return found


def appointment_detail(*, actor: Actor, appointment_id: int) -> AppointmentDetail:
    appointment = appointment_get(actor=actor, appointment_id=appointment_id)
    day = appointment.starts_at.astimezone(actor.clinic.zone).date()
    bag = None
    if appointment.dose_id is not None:
        bag = (
            CompoundingRecord.objects.filter(dose_id=appointment.dose_id, status__in=LIVE_BAG)
            .order_by("-id")
            .first()
        )
    return AppointmentDetail(
        appointment=appointment,
        events=list(appointment.events.select_related("by").order_by("at", "id")),
        bag=bag,
        chairs=list(Chair.objects.filter(clinic=actor.clinic, in_service=True)),
        nurses=list(
            NurseShift.objects.filter(clinic=actor.clinic, day=day).select_related("nurse")
        ),
    )


def move_check(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime,
    chair_id: int,
    nurse_id: int | None,
) -> list[str]:
    """Why the appointment cannot move there (empty: it can), for the page's instant check."""
    actor.require("scheduling.book")
    day = starts_at.astimezone(actor.clinic.zone).date()
    book = book_for(actor.clinic, day)
    candidate = Candidate(
        appointment.patient_id,
        starts_at,
        appointment.placement_minutes,
        appointment.infusion_minutes,
        appointment.observation_minutes,
        chair_id,
        nurse_id,
        ignore=frozenset({appointment.pk}),
    )
    found = slot_conflicts(book, candidate, now=timezone.now())
    if nurse_id is not None:
        found += nurse_conflicts(book, candidate, nurse_id)
    elif book.shifts:
        found += choose_nurse(book, candidate)[1]
    return found


# The day view ---------------------------------------------------------------------------------


@dataclass
class Cell:
    chair_id: int
    visit: Appointment | None = None
    rowspan: int = 1
    covered: bool = False  # inside a visit that started in an earlier row: no cell drawn


@dataclass
class Row:
    at: datetime
    label: str
    cells: list[Cell]


@dataclass
class DaySchedule:
    day: date
    hours: DayHours
    chairs: list[Chair]
    rows: list[Row]
    visits: list[Appointment]  # live ones, by time
    gone: list[Appointment]  # cancelled and no-shows of the day
    shifts: list[NurseShift]
    bags: dict[int, CompoundingRecord]  # live bag by dose id
    proposals: list[DayPlanProposal]
    settings: SchedulingSettings

    @property
    def unassigned(self) -> list[Appointment]:
        return [v for v in self.visits if v.nurse_id is None and v.chair_id is not None]

    @property
    def stale(self) -> list[Appointment]:
        return [v for v in self.visits if v.dose is not None and v.dose.status in STALE_DOSES]

    @property
    def no_show_bags(self) -> list[tuple[Appointment, CompoundingRecord]]:
        return [
            (v, self.bags[v.dose_id])
            for v in self.gone
            if v.status == Appointment.Status.NO_SHOW and v.dose_id in self.bags
        ]

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)


def _grid(hours: DayHours, chairs: list[Chair], visits: list[Appointment]) -> list[Row]:
    if hours.opens is None or hours.closes is None:
        return []
    step = timedelta(minutes=GRID_MINUTES)
    count = int((hours.closes - hours.opens) / step)
    rows = [
        Row(
            at=(moment := hours.opens + k * step),
            label=f"{moment:%H:%M}" if moment.minute % 15 == 0 else "",
            cells=[Cell(chair.pk) for chair in chairs],
        )
        for k in range(count)
    ]
    column = {chair.pk: index for index, chair in enumerate(chairs)}
    for visit in visits:
        if visit.chair_id not in column:
            continue
        first = max(0, int((visit.starts_at - hours.opens) / step))
        last = min(count, int((visit.ends_at - hours.opens) / step))
        if last <= first:
            continue
        col = column[visit.chair_id]
        if rows[first].cells[col].covered or rows[first].cells[col].visit is not None:
            continue  # cannot happen: the database refuses overlapping visits on a chair
        rows[first].cells[col] = Cell(visit.chair_id, visit=visit, rowspan=last - first)
        for k in range(first + 1, last):
            rows[k].cells[col] = Cell(visit.chair_id, covered=True)
    return rows


def day_schedule(*, actor: Actor, day: date) -> DaySchedule:
    """Chairs × time for one date, with the nurses on shift and the plans waiting."""
    actor.require("scheduling.view")
    hours = hours_between(actor.clinic, day, day)[day]
    start, end = local_day_bounds(actor.clinic, day, day)
    all_visits = list(
        _visits(actor.clinic)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "chair__name", "id")
    )
    visits = [v for v in all_visits if v.status in LIVE_STATUSES]
    gone = [v for v in all_visits if v.status not in LIVE_STATUSES]
    used = {v.chair_id for v in visits}
    chairs = [c for c in Chair.objects.filter(clinic=actor.clinic) if c.in_service or c.pk in used]
    bags = {
        bag.dose_id: bag
        for bag in CompoundingRecord.objects.filter(
            clinic=actor.clinic,
            dose_id__in=[v.dose_id for v in all_visits if v.dose_id],
            status__in=LIVE_BAG,
        )
    }
    shifts = list(
        NurseShift.objects.filter(clinic=actor.clinic, day=day)
        .select_related("nurse")
        .prefetch_related(Prefetch("breaks", queryset=ShiftBreak.objects.order_by("starts")))
        .order_by("starts", "nurse__last_name")
    )
    proposals = list(
        DayPlanProposal.objects.filter(
            clinic=actor.clinic, day=day, status=DayPlanProposal.Status.PROPOSED
        ).order_by("-created_at")[:3]
    )
    _listed(actor, "schedule.day", f"{len(all_visits)} appointments on {day:%Y-%m-%d}")
    return DaySchedule(
        day=day,
        hours=hours,
        chairs=chairs,
        rows=_grid(hours, chairs, visits),
        visits=visits,
        gone=gone,
        shifts=shifts,
        bags=bags,
        proposals=proposals,
        settings=settings_for(actor.clinic),
    )


# The week view --------------------------------------------------------------------------------


@dataclass
class WeekDay:
    hours: DayHours
    visits: list[Appointment] = field(default_factory=list)
    nurses: list[NurseShift] = field(default_factory=list)
    chair_minutes: int = 0  # chair-minutes available (chairs in service × opening minutes)

    @property
    def day(self) -> date:
        return self.hours.day

    @property
    def load_percent(self) -> int:
        if not self.chair_minutes:
            return 0
        used = sum(v.minutes for v in self.visits if v.chair_id is not None)
        return round(100 * used / self.chair_minutes)


@dataclass
class WeekSchedule:
    monday: date
    days: list[WeekDay]

    @property
    def previous_week(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.monday + timedelta(days=7)


def week_schedule(*, actor: Actor, day: date) -> WeekSchedule:
    """The week (Monday to Sunday) holding ``day``: each date's visits and nurses."""
    actor.require("scheduling.view")
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    hours = hours_between(actor.clinic, monday, sunday)
    in_service = Chair.objects.filter(clinic=actor.clinic, in_service=True).count()
    days = {d: WeekDay(hours=h) for d, h in hours.items()}
    for wd in days.values():
        if wd.hours.opens is not None and wd.hours.closes is not None:
            minutes = int((wd.hours.closes - wd.hours.opens).total_seconds() // 60)
            wd.chair_minutes = minutes * in_service
    start, end = local_day_bounds(actor.clinic, monday, sunday)
    zone = actor.clinic.zone
    visits = (
        _visits(actor.clinic)
        .filter(starts_at__gte=start, starts_at__lt=end, status__in=LIVE_STATUSES)
        .order_by("starts_at", "chair__name", "id")
    )
    for visit in visits:
        days[visit.starts_at.astimezone(zone).date()].visits.append(visit)
    for shift in NurseShift.objects.filter(
        clinic=actor.clinic, day__gte=monday, day__lte=sunday
    ).select_related("nurse"):
        days[shift.day].nurses.append(shift)
    count = sum(len(d.visits) for d in days.values())
    _listed(actor, "schedule.week", f"{count} appointments in the week of {monday:%Y-%m-%d}")
    return WeekSchedule(monday=monday, days=[days[d] for d in sorted(days)])


# Patients, the dashboard and the feed ---------------------------------------------------------


def patient_upcoming(*, actor: Actor, patient: Patient, limit: int = 8) -> list[Appointment]:
    """The patient's next live appointments (the chart page has audited the chart read)."""
    if not actor.may("scheduling.view") or patient.clinic_id != actor.clinic.pk:
        return []
    return list(
        _visits(actor.clinic)
        .filter(patient=patient, status__in=LIVE_STATUSES, ends_at__gte=timezone.now())
        .order_by("starts_at")[:limit]
    )


def patient_has_feed(*, patient: Patient) -> bool:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).exists()


def todays_bookings(*, actor: Actor, limit: int = 40) -> list[Appointment]:
    """Today's visits for the front desk's dashboard (live, by time), audited as one listing."""
    if not actor.may("scheduling.view"):
        return []
    today = clinic_today(actor.clinic)
    start, end = local_day_bounds(actor.clinic, today, today)
    found = list(
        _visits(actor.clinic)
        .filter(starts_at__gte=start, starts_at__lt=end, status__in=LIVE_STATUSES)
        .order_by("starts_at", "chair__name")[:limit]
    )
    _listed(actor, "schedule.today", f"{len(found)} appointments today")
    return found


@dataclass(frozen=True)
class FeedContent:
    clinic: Clinic
    appointments: list[Appointment]


def calendar_feed_read(*, token: str, ip: str | None) -> FeedContent | None:
    """The patient's appointments behind a feed token; None (audited) for an unknown or
    revoked one. No sign-in: the token is the credential."""
    feed = None
    if 20 <= len(token) <= 100:
        feed = (
            CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
            .select_related("patient", "clinic")
            .first()
        )
    if feed is None:
        audit_record(
            user=None,
            username="calendar-feed",
            clinic_id=None,
            action="calendar.feed",
            outcome=AuditEvent.Outcome.DENIED,
            ip=ip,
            detail="unknown or revoked token",
        )
        return None
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    appointments = list(
        Appointment.objects.filter(
            patient=feed.patient, status__in=LIVE_STATUSES, starts_at__gte=since
        ).order_by("starts_at", "id")
    )
    audit_record(
        user=None,
        username="calendar-feed",
        clinic_id=feed.clinic_id,
        action="calendar.feed",
        patient_id=feed.patient_id,
        object_type="calendarfeed",
        object_id=feed.pk,
        ip=ip,
        detail=f"{len(appointments)} events",
    )
    return FeedContent(clinic=feed.clinic, appointments=appointments)


# Series -------------------------------------------------------------------------------------


@dataclass
class SeriesPlan:
    order: CourseOrder  # the course asked for
    current: CourseOrder | None  # its signed version now (None: stopped or none signed)
    patient: Patient
    lines: list[SeriesLine]
    booked: list[Appointment]
    stale: list[Appointment]
    phases: list[tuple[str, int]]  # (phase id, doses still to book)
    phase: str
    preferred: time
    first_day: date | None
    shift_days: int = 0
    elapsed_ms: float = 0.0

    @property
    def bookable(self) -> list[SeriesLine]:
        return [line for line in self.lines if line.chosen is not None]

    @property
    def conflicted(self) -> list[SeriesLine]:
        return [line for line in self.lines if line.conflicts]


def _usual_time(appointments: list[Appointment], zone: object) -> time | None:
    counts = Counter(a.starts_at.astimezone(zone).time() for a in appointments)  # type: ignore[arg-type]  # a ZoneInfo
    return counts.most_common(1)[0][0] if counts else None


def series_plan(
    *,
    actor: Actor,
    order_id: int,
    preferred: time | None = None,
    first_day: date | None = None,
    phase: str = "",
) -> SeriesPlan:
    """A proposed slot per unbooked planned dose of the patient's current signed course, with
    alternatives and conflicts; also the patient's stale bookings that confirming replaces."""
    actor.require("scheduling.book")
    order = (
        CourseOrder.objects.filter(clinic=actor.clinic, pk=order_id)
        .select_related("patient")
        .first()
    )
    if order is None:
        raise _denied(actor, "series.propose", "courseorder", order_id)
    patient = order.patient
    current = (
        order
        if order.status == CourseOrder.Status.SIGNED
        else CourseOrder.objects.filter(patient=patient, status=CourseOrder.Status.SIGNED).first()
    )
    now = timezone.now()
    zone = actor.clinic.zone
    today = clinic_today(actor.clinic)
    stale = stale_appointments(patient.pk, now)
    booked = list(
        _visits(actor.clinic)
        .filter(patient=patient, status__in=LIVE_STATUSES, dose__isnull=False)
        .exclude(pk__in=[a.pk for a in stale])
        .order_by("starts_at")
    )
    plan = SeriesPlan(
        order=order,
        current=current,
        patient=patient,
        lines=[],
        booked=booked,
        stale=stale,
        phases=[],
        phase=phase,
        preferred=preferred or _usual_time(booked + stale, zone) or DEFAULT_PREFERRED,
        first_day=first_day,
    )
    if current is not None:
        open_doses = list(
            current.doses.filter(status=PlannedDose.Status.PLANNED, date__gte=today)
            .exclude(
                Exists(Appointment.objects.filter(dose=OuterRef("pk"), status__in=LIVE_STATUSES))
            )
            .select_related("order")
            .order_by("number")
        )
        plan.phases = list(Counter(d.phase_id for d in open_doses).items())
        chosen = [d for d in open_doses if not phase or d.phase_id == phase]
        settings = settings_for(actor.clinic)
        placement = visit_minutes(settings, current)
        plan.lines, plan.shift_days, plan.elapsed_ms = propose_series(
            clinic=actor.clinic,
            settings=settings,
            doses=chosen,
            minutes=sum(placement),
            placement=placement,
            preferred=plan.preferred,
            first_day=first_day,
            earliest=max(today, current.start_date),
            now=now,
            patient_id=patient.pk,
            ignore=frozenset(a.pk for a in stale),
            may_shift=not booked and not stale and first_day is None,
        )
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="series.propose",
        patient_id=patient.pk,
        object_type="courseorder",
        object_id=order.pk,
        ip=actor.ip,
        detail=f"{len(plan.lines)} doses proposed",
    )
    return plan


@dataclass(frozen=True)
class ToBook:
    order: CourseOrder
    unbooked: int
    first_date: date


def series_to_book(*, actor: Actor) -> tuple[list[ToBook], list[tuple[Patient, int]]]:
    """Signed courses with future doses not booked yet, and patients with stale bookings
    (their order changed or stopped) — the front desk's work list. Four queries."""
    actor.require("scheduling.book")
    today = clinic_today(actor.clinic)
    counts = {
        row["order_id"]: row
        for row in PlannedDose.objects.filter(
            clinic=actor.clinic,
            status=PlannedDose.Status.PLANNED,
            date__gte=today,
            order__status=CourseOrder.Status.SIGNED,
        )
        .exclude(Exists(Appointment.objects.filter(dose=OuterRef("pk"), status__in=LIVE_STATUSES)))
        .values("order_id")
        .annotate(unbooked=Count("id"), first=Min("date"))
    }
    orders = CourseOrder.objects.filter(pk__in=counts).select_related("patient")
    to_book = sorted(
        (ToBook(o, counts[o.pk]["unbooked"], counts[o.pk]["first"]) for o in orders),
        key=lambda t: (t.first_date, t.order.patient.family_name),
    )
    stale_counts: dict[int, int] = defaultdict(int)
    for patient_id in Appointment.objects.filter(
        clinic=actor.clinic,
        status=Appointment.Status.BOOKED,
        starts_at__gte=timezone.now(),
        dose__status__in=STALE_DOSES,
    ).values_list("patient_id", flat=True):
        stale_counts[patient_id] += 1
    patients = Patient.objects.filter(clinic=actor.clinic, pk__in=stale_counts)
    _listed(actor, "series.to_book", f"{len(to_book)} courses, {len(stale_counts)} to rebook")
    return to_book, [(p, stale_counts[p.pk]) for p in patients]


# Plans and shifts -------------------------------------------------------------------------------


@dataclass
class MoveRow:
    visit: Appointment
    starts_from: datetime
    starts_to: datetime
    chair_from: str
    chair_to: str
    nurse_from: str
    nurse_to: str


@dataclass
class ProposalView:
    proposal: DayPlanProposal
    moves: list[MoveRow]
    unplaced: list[Appointment]


def proposal_view(*, actor: Actor, proposal_id: int) -> ProposalView:
    actor.require("scheduling.view")
    proposal = DayPlanProposal.objects.filter(clinic=actor.clinic, pk=proposal_id).first()
    if proposal is None:
        raise _denied(actor, "day.plan_view", "dayplanproposal", proposal_id)
    ids = [m["appointment"] for m in proposal.moves] + list(proposal.unplaced)
    visits = {a.pk: a for a in _visits(actor.clinic).filter(pk__in=ids)}
    chairs = dict(Chair.objects.filter(clinic=actor.clinic).values_list("pk", "name"))
    shifts = NurseShift.objects.filter(clinic=actor.clinic, day=proposal.day).select_related(
        "nurse"
    )
    nurses = {s.nurse_id: s.nurse.display_name for s in shifts}
    zone = actor.clinic.zone
    moves = [
        MoveRow(
            visit=visits[m["appointment"]],
            starts_from=datetime.fromisoformat(m["from"]).astimezone(zone),
            starts_to=datetime.fromisoformat(m["to"]).astimezone(zone),
            chair_from=chairs.get(m["from_chair"], "?"),
            chair_to=chairs.get(m["to_chair"], "?"),
            nurse_from=nurses.get(m["from_nurse"], "not assigned"),
            nurse_to=nurses.get(m["to_nurse"], "not assigned"),
        )
        for m in sorted(proposal.moves, key=lambda m: m["to"])
        if m["appointment"] in visits
    ]
    _listed(actor, "day.plan_view", f"plan {proposal.pk}: {len(moves)} moves")
    return ProposalView(
        proposal=proposal,
        moves=moves,
        unplaced=[visits[i] for i in proposal.unplaced if i in visits],
    )


def shifts_between(*, actor: Actor, first: date, last: date) -> list[NurseShift]:
    actor.require("scheduling.view")
    return list(
        NurseShift.objects.filter(clinic=actor.clinic, day__gte=first, day__lte=last)
        .select_related("nurse")
        .prefetch_related(Prefetch("breaks", queryset=ShiftBreak.objects.order_by("starts")))
        .order_by("day", "starts", "nurse__last_name")
    )
