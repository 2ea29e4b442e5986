"""Is a slot free? The one set of rules that booking, moving, series booking, the conflict
check on the pages and the optimiser's accepted plan all go through.

A :class:`DayBook` holds what decides it for one date (opening hours, chairs, nurses' shifts
with breaks, the live appointments); it is loaded in a fixed number of queries, for one date or
a range of dates. :func:`slot_conflicts` and :func:`nurse_conflicts` return the reasons a
candidate cannot go where asked, in words a front desk can act on (empty: it can).

Rules: the clinic is open and the visit lies inside its hours; it does not start in the past;
the chair exists and is in service and is free; the patient has no other visit then; the
nurse (when one is named) is on shift for the whole visit, places the IV outside her breaks,
places no other IV meanwhile (when the clinic says one at a time) and never has more patients
at once than the clinic allows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch

from ivmt.accounts.models import Clinic
from ivmt.scheduling.clinic_hours import DayHours, hours_between
from ivmt.scheduling.models import (
    LIVE_STATUSES,
    Appointment,
    Chair,
    NurseShift,
    SchedulingSettings,
    ShiftBreak,
)


@dataclass
class DayBook:
    """What decides whether a slot on ``hours.day`` is free."""

    hours: DayHours
    settings: SchedulingSettings
    chairs: dict[int, Chair]
    shifts: dict[int, NurseShift]  # by nurse id; ``breaks`` prefetched as ``break_list``
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.hours.day

    def clock(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.hours.zone):%H:%M}"

    def nurse_name(self, nurse_id: int) -> str:
        shift = self.shifts.get(nurse_id)
        return shift.nurse.display_name if shift is not None else f"nurse {nurse_id}"


@dataclass(frozen=True)
class Candidate:
    """A visit someone wants to place: who, when, how long, on which chair and with whom."""

    patient_id: int
    starts_at: datetime
    placement_minutes: int
    infusion_minutes: int
    observation_minutes: int
    chair_id: int | None
    nurse_id: int | None = None
    ignore: frozenset[int] = frozenset()  # appointments not to count (the one being moved)

    @property
    def minutes(self) -> int:
        return self.placement_minutes + self.infusion_minutes + self.observation_minutes

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    def placement_ends_at(self, one_at_a_time: bool) -> datetime:
        """End of the nurse's exclusive placement (an empty range when parallel starts are
        allowed)."""
        if not one_at_a_time:
            return self.starts_at
        return self.starts_at + timedelta(minutes=self.placement_minutes)


def local_day_bounds(clinic: Clinic, first: date, last: date) -> tuple[datetime, datetime]:
    """UTC-aware bounds of the clinic's local dates ``first`` .. ``last`` (half-open)."""
    zone = clinic.zone
    return (
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone),
    )


def settings_for(clinic: Clinic) -> SchedulingSettings:
    """The clinic's scheduling settings (defaults, unsaved, until the manager saves them)."""
    found = SchedulingSettings.objects.filter(clinic=clinic).first()
    return found or SchedulingSettings(clinic=clinic)


def books_between(
    clinic: Clinic,
    first: date,
    last: date,
    *,
    settings: SchedulingSettings | None = None,
    lock_shifts: bool = False,
) -> dict[date, DayBook]:
    """A ``DayBook`` for every date from ``first`` to ``last`` (six queries whatever the range).

    ``lock_shifts`` takes row locks on the shifts (a booking that assigns a nurse checks her
    cap of concurrent patients under them, so two bookings cannot both take her last place).
    """
    chosen = settings or settings_for(clinic)
    hours = hours_between(clinic, first, last)
    chairs = {c.pk: c for c in Chair.objects.filter(clinic=clinic)}
    shift_rows = NurseShift.objects.filter(clinic=clinic, day__gte=first, day__lte=last)
    if lock_shifts:
        # Lock order: shifts by id (after the patient and the planned doses).
        list(shift_rows.select_for_update().order_by("pk").values_list("pk", flat=True))
    shifts: dict[date, dict[int, NurseShift]] = defaultdict(dict)
    for shift in shift_rows.select_related("nurse").prefetch_related(
        Prefetch("breaks", queryset=ShiftBreak.objects.order_by("starts"), to_attr="break_list")
    ):
        shifts[shift.day][shift.nurse_id] = shift
    start, end = local_day_bounds(clinic, first, last)
    visits: dict[date, list[Appointment]] = defaultdict(list)
    for visit in Appointment.objects.filter(
        clinic=clinic,
        starts_at__gte=start,
        starts_at__lt=end,
        status__in=LIVE_STATUSES,
        moving=False,
    ).order_by("starts_at", "id"):
        visits[visit.starts_at.astimezone(clinic.zone).date()].append(visit)
    return {
        day: DayBook(
            hours=hours[day],
            settings=chosen,
            chairs=chairs,
            shifts=shifts.get(day, {}),
            appointments=visits.get(day, []),
        )
        for day in hours
    }


def book_for(clinic: Clinic, day: date, **options: object) -> DayBook:
    return books_between(clinic, day, day, **options)[day]  # type: ignore[arg-type]  # passthrough


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def slot_conflicts(book: DayBook, candidate: Candidate, *, now: datetime) -> list[str]:
    """Why ``candidate`` cannot take its place (opening hours, past, chair, patient)."""
    found: list[str] = []
    start, end = candidate.starts_at, candidate.ends_at
    hours = book.hours
    if hours.opens is None or hours.closes is None:
        return [f"The clinic is {hours.label()} on {hours.day:%A %d %B}."]
    if start.astimezone(hours.zone).date() != hours.day:
        return [f"The visit does not start on {hours.day:%A %d %B}."]
    if start < hours.opens or end > hours.closes:
        found.append(
            f"{book.clock(start)}–{book.clock(end)} is outside opening hours ({hours.label()})."
        )
    if start < now:
        found.append("That time has already passed.")
    if candidate.chair_id is not None:
        chair = book.chairs.get(candidate.chair_id)
        if chair is None:
            found.append("That chair does not exist.")
        else:
            if not chair.in_service:
                found.append(f"{chair.name} is out of service.")
            for other in book.appointments:
                if (
                    other.chair_id == chair.pk
                    and other.pk not in candidate.ignore
                    and _overlaps(start, end, other.starts_at, other.ends_at)
                ):
                    found.append(
                        f"{chair.name} is taken {book.clock(other.starts_at)}–"
                        f"{book.clock(other.ends_at)}."
                    )
    for other in book.appointments:
        if (
            other.patient_id == candidate.patient_id
            and other.pk not in candidate.ignore
            and _overlaps(start, end, other.starts_at, other.ends_at)
        ):
            found.append(
                f"The patient already has a visit {book.clock(other.starts_at)}–"
                f"{book.clock(other.ends_at)} that day."
            )
    return found


def nurse_conflicts(book: DayBook, candidate: Candidate, nurse_id: int) -> list[str]:
    """Why ``nurse_id`` cannot look after ``candidate`` (shift, break, placement, cap)."""
    name = book.nurse_name(nurse_id)
    shift = book.shifts.get(nurse_id)
    if shift is None:
        return [f"{name} is not on shift on {book.day:%A %d %B}."]
    hours = book.hours
    start, end = candidate.starts_at, candidate.ends_at
    placed = start + timedelta(minutes=candidate.placement_minutes)
    shift_start, shift_end = hours.at(shift.starts), hours.at(shift.ends)
    # Visits may run past the shift up to closing (overtime), never before it starts.
    care_end = max(shift_end, hours.closes) if hours.closes is not None else shift_end
    found: list[str] = []
    if start < shift_start or placed > shift_end or end > care_end:
        found.append(f"{name} works {shift.starts:%H:%M}–{shift.ends:%H:%M} that day.")
    for pause in getattr(shift, "break_list", []):
        if _overlaps(start, placed, hours.at(pause.starts), hours.at(pause.ends)):
            found.append(f"{name} is on a break {pause.starts:%H:%M}–{pause.ends:%H:%M}.")
    theirs = [
        a for a in book.appointments if a.nurse_id == nurse_id and a.pk not in candidate.ignore
    ]
    if book.settings.one_iv_start_at_a_time:
        for other in theirs:
            if _overlaps(start, placed, other.starts_at, other.placement_ends_at):
                found.append(
                    f"{name} is placing another IV {book.clock(other.starts_at)}–"
                    f"{book.clock(other.placement_ends_at)}."
                )
    cap = book.settings.max_patients_per_nurse
    at_once = _most_at_once(start, end, theirs) + 1
    if at_once > cap:
        found.append(
            f"{name} would look after {at_once} patients at once (the clinic allows {cap})."
        )
    return found


def _most_at_once(start: datetime, end: datetime, visits: list[Appointment]) -> int:
    """Most of ``visits`` running at the same moment inside ``[start, end)``."""
    edges: list[tuple[datetime, int]] = []
    for visit in visits:
        if _overlaps(start, end, visit.starts_at, visit.ends_at):
            edges += [(max(start, visit.starts_at), 1), (min(end, visit.ends_at), -1)]
    running = most = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):  # ends before starts at a tie
        running += step
        most = max(most, running)
    return most


def choose_nurse(book: DayBook, candidate: Candidate) -> tuple[int | None, list[str]]:
    """A nurse on shift who can take ``candidate`` (the least busy first), or the reasons none
    can. With no shift recorded for the day, no nurse and no reason: the rota is not made yet
    and the day's plan (or the optimiser) assigns one later."""
    if not book.shifts:
        return None, []
    load: dict[int, int] = defaultdict(int)
    for visit in book.appointments:
        if visit.nurse_id is not None:
            load[visit.nurse_id] += 1
    reasons: list[str] = []
    for nurse_id in sorted(book.shifts, key=lambda n: (load[n], book.nurse_name(n), n)):
        found = nurse_conflicts(book, candidate, nurse_id)
        if not found:
            return nurse_id, []
        reasons += found
    return None, ["No nurse on shift can take this visit: " + " ".join(reasons)]


def add_to_book(book: DayBook, appointment: Appointment) -> None:
    """Count a just-placed appointment in ``book`` (series booking places several in turn)."""
    book.appointments.append(appointment)
