"""The day view (chairs × 5-minute rows) and the week view, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch

from ivmt.core.access import Actor
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.availability import local_day_bounds, settings_for
from ivmt.scheduling.clinic_hours import DayHours, hours_between
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    Chair,
    DayPlanProposal,
    NurseShift,
    SchedulingSettings,
    ShiftBreak,
)
from ivmt.scheduling.selectors._common import STALE_DOSES, audit_listing, visits_of
from ivmt.scheduling.services.booking import LIVE_BAG

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
        visits_of(actor.clinic)
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
    audit_listing(actor, "schedule.day", f"{len(all_visits)} appointments on {day:%Y-%m-%d}")
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
        visits_of(actor.clinic)
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
    audit_listing(actor, "schedule.week", f"{count} appointments in the week of {monday:%Y-%m-%d}")
    return WeekSchedule(monday=monday, days=[days[d] for d in sorted(days)])
