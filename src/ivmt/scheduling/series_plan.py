"""Rows to the solver's series helper and back: one proposed slot per planned dose.

The helper (``ivmt.scheduling.solver.series.book_series``) knows chairs and dates only; this
module gives it the clinic's calendar and the chairs' busy windows, then checks each chosen
slot against the nurses' shifts (when the rota for that day is made). A slot no nurse can
take is blocked on every chair and the helper asked again (at most ``NURSE_ROUNDS`` times),
so the proposal never offers a time the booking service would refuse.

Minutes are counted from the *frame*: the earliest opening of the week's days to the latest
closing; a day that opens later or closes earlier has the difference blocked on every chair.
Days before today (and before the order's start) count as closed; so does the part of today
already gone. The patient's own other visits block every chair, so the series never overlaps
them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ivmt.accounts.models import Clinic
from ivmt.orders.models import PlannedDose
from ivmt.scheduling.availability import Candidate, DayBook, books_between, choose_nurse
from ivmt.scheduling.models import GRID_MINUTES, Chair, SchedulingSettings, on_grid
from ivmt.scheduling.solver import InvalidInstanceError, Window
from ivmt.scheduling.solver.series import (
    DoseTarget,
    SeriesProposal,
    SeriesRules,
    SlotChoice,
    book_series,
)

NURSE_ROUNDS = 6
DEFAULT_PREFERRED = time(10, 0)
# The helper offers times in steps of a quarter-hour around the preferred one.
TIME_STEP = 15


@dataclass(frozen=True)
class SlotOption:
    """A concrete slot for one dose, with the nurse that would take it (None: rota not made)."""

    dose_id: int
    starts_at: datetime  # aware, clinic time zone
    chair_id: int
    chair_name: str
    nurse_id: int | None
    nurse_name: str
    days_from_target: int
    minutes_from_preferred: int

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def value(self) -> str:
        """How the page posts the choice back: ``2026-12-07T10:00|3`` (local time | chair)."""
        return f"{self.starts_at:%Y-%m-%dT%H:%M}|{self.chair_id}"


@dataclass
class SeriesLine:
    dose: PlannedDose
    target: date
    minutes: int
    chosen: SlotOption | None
    alternatives: list[SlotOption] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Frame:
    """Minutes from the earliest opening (``origin``) to the latest closing of the range."""

    origin: time
    day_minutes: int

    def minute(self, moment: datetime, zone: object) -> int:
        local = moment.astimezone(zone).replace(tzinfo=None)  # type: ignore[arg-type]  # ZoneInfo
        start = datetime.combine(local.date(), self.origin)
        return int((local - start).total_seconds() // 60)

    def at(self, day: date, minute: int, zone: object) -> datetime:
        base = datetime.combine(day, self.origin, tzinfo=zone)  # type: ignore[arg-type]  # ZoneInfo
        return base + timedelta(minutes=minute)


def _frame(books: dict[date, DayBook]) -> Frame | None:
    opens = [b.hours.opens.timetz() for b in books.values() if b.hours.opens is not None]
    closes = [b.hours.closes.timetz() for b in books.values() if b.hours.closes is not None]
    if not opens or not closes:
        return None
    origin = min(t.replace(tzinfo=None) for t in opens)
    end = max(t.replace(tzinfo=None) for t in closes)
    day = date(2000, 1, 3)
    minutes = int(
        (datetime.combine(day, end) - datetime.combine(day, origin)).total_seconds() // 60
    )
    return Frame(origin, minutes)


def _occupancy(
    books: dict[date, DayBook],
    frame: Frame,
    chairs: list[str],
    *,
    patient_id: int,
    ignore: frozenset[int],
    now: datetime,
) -> dict[date, dict[str, list[Window]]]:
    busy: dict[date, dict[str, list[Window]]] = defaultdict(lambda: defaultdict(list))

    def block_all(day: date, start: int, end: int) -> None:
        start, end = max(0, start), min(frame.day_minutes, end)
        if end > start:
            for chair in chairs:
                busy[day][chair].append(Window(start, end))

    for day, book in books.items():
        zone = book.hours.zone
        if book.hours.opens is None or book.hours.closes is None:
            continue
        block_all(day, 0, frame.minute(book.hours.opens, zone))
        block_all(day, frame.minute(book.hours.closes, zone), frame.day_minutes)
        if day == now.astimezone(zone).date():
            block_all(day, 0, on_grid(frame.minute(now, zone)))
        for visit in book.appointments:
            if visit.pk in ignore:
                continue
            start = frame.minute(visit.starts_at, zone)
            end = frame.minute(visit.ends_at, zone)
            if visit.patient_id == patient_id:
                block_all(day, start, end)
            elif visit.chair_id is not None and str(visit.chair_id) in chairs:
                # A visit outside the planning frame (charted before opening, say) blocks nothing.
                start, end = max(0, start), min(frame.day_minutes, end)
                if end > start:
                    busy[day][str(visit.chair_id)].append(Window(start, end))
    return busy


def propose_series(
    *,
    clinic: Clinic,
    settings: SchedulingSettings,
    doses: list[PlannedDose],
    minutes: int,
    placement: tuple[int, int, int],
    preferred: time,
    first_day: date | None,
    earliest: date,
    now: datetime,
    patient_id: int,
    ignore: frozenset[int],
    may_shift: bool,
) -> tuple[list[SeriesLine], int, float]:
    """Lines (one per dose), the days the whole series was shifted, and the decision time.

    ``placement`` is (placement, infusion, observation) minutes; ``minutes`` their sum.
    """
    if not doses:
        return [], 0, 0.0
    zone = clinic.zone
    tolerance = settings.interval_tolerance_days
    shift = (first_day - doses[0].date).days if first_day is not None else 0
    targets = [d.date + timedelta(days=shift) for d in doses]
    first = min(targets[0], earliest) - timedelta(days=2 * tolerance + 1)
    last = targets[-1] + timedelta(days=4 * tolerance + 7)
    books = books_between(clinic, first, last, settings=settings)
    frame = _frame(books)
    chairs_in_service = [c for c in _chairs(books) if c.in_service]
    if frame is None or not chairs_in_service:
        why = (
            "The clinic has no opening hours in these weeks."
            if frame is None
            else ("No chair is in service.")
        )
        return (
            [
                SeriesLine(d, t, minutes, None, [], [why])
                for d, t in zip(doses, targets, strict=True)
            ],
            0,
            0.0,
        )
    chair_ids = [str(c.pk) for c in chairs_in_service]
    names = {str(c.pk): c.name for c in chairs_in_service}
    closed = {d for d, b in books.items() if not b.hours.is_open or d < earliest}
    rules = SeriesRules(
        tolerance_days=tolerance,
        day_minutes=frame.day_minutes,
        closed_days=frozenset(closed),
        closed_weekdays=frozenset(),
        time_step=TIME_STEP,
    )
    start_minute = frame.minute(datetime.combine(earliest, preferred, tzinfo=zone), zone)
    start_minute = min(max(0, start_minute), max(0, frame.day_minutes - minutes))
    start_minute -= start_minute % GRID_MINUTES
    wanted = [
        DoseTarget(
            index=dose.number,
            target_date=target,
            start_minute=start_minute,
            duration_minutes=minutes,
            interval_days=(dose.nominal_date - doses[k - 1].nominal_date).days if k else 7,
        )
        for k, (dose, target) in enumerate(zip(doses, targets, strict=True))
    ]
    occupancy = _occupancy(books, frame, chair_ids, patient_id=patient_id, ignore=ignore, now=now)
    by_number = {d.number: d for d in doses}
    try:
        for _ in range(NURSE_ROUNDS):
            proposal = book_series(
                wanted,
                chairs=chair_ids,
                occupancy=occupancy,
                rules=rules,
                may_shift_series=may_shift,
            )
            blocked = False
            for decision in proposal.decisions:
                choice = decision.chosen
                if (
                    choice is not None
                    and not _nurse_for(books, frame, choice, by_number, placement, ignore, zone)[0]
                ):
                    day_busy = occupancy[choice.day]
                    for chair in chair_ids:
                        day_busy[chair].append(
                            Window(choice.start_minute, choice.start_minute + minutes)
                        )
                    blocked = True
            if not blocked:
                break
    except InvalidInstanceError as error:
        return (
            [
                SeriesLine(d, t, minutes, None, [], [str(error)])
                for d, t in zip(doses, targets, strict=True)
            ],
            0,
            0.0,
        )
    lines = _lines(proposal, books, frame, by_number, names, minutes, placement, ignore, zone)
    return lines, shift + proposal.shift_days, proposal.elapsed_ms


def _chairs(books: dict[date, DayBook]) -> list[Chair]:
    for book in books.values():
        return sorted(book.chairs.values(), key=lambda c: (c.name, c.pk))
    return []


def _candidate(
    frame: Frame,
    choice: SlotChoice,
    dose: PlannedDose,
    placement: tuple[int, int, int],
    ignore: frozenset[int],
    zone: object,
) -> Candidate:
    return Candidate(
        dose.patient_id,
        frame.at(choice.day, choice.start_minute, zone),
        *placement,
        chair_id=int(choice.chair_id),
        ignore=ignore,
    )


def _nurse_for(
    books: dict[date, DayBook],
    frame: Frame,
    choice: SlotChoice,
    by_number: dict[int, PlannedDose],
    placement: tuple[int, int, int],
    ignore: frozenset[int],
    zone: object,
) -> tuple[bool, int | None]:
    """Whether a nurse can take a chosen slot, and which (None: no rota made that day yet)."""
    book = books.get(choice.day)
    if book is None or not book.shifts:
        return True, None
    candidate = _candidate(frame, choice, by_number[choice.dose_index], placement, ignore, zone)
    nurse, reasons = choose_nurse(book, candidate)
    return not reasons, nurse


def _option(
    books: dict[date, DayBook],
    frame: Frame,
    choice: SlotChoice,
    by_number: dict[int, PlannedDose],
    names: dict[str, str],
    placement: tuple[int, int, int],
    ignore: frozenset[int],
    zone: object,
) -> SlotOption | None:
    possible, nurse_id = _nurse_for(books, frame, choice, by_number, placement, ignore, zone)
    if not possible:
        return None
    book = books[choice.day]
    return SlotOption(
        dose_id=by_number[choice.dose_index].pk,
        starts_at=frame.at(choice.day, choice.start_minute, zone),
        chair_id=int(choice.chair_id),
        chair_name=names[choice.chair_id],
        nurse_id=nurse_id,
        nurse_name=book.nurse_name(nurse_id) if nurse_id is not None else "",
        days_from_target=choice.days_from_target,
        minutes_from_preferred=choice.minutes_from_preferred,
    )


def _lines(
    proposal: SeriesProposal,
    books: dict[date, DayBook],
    frame: Frame,
    by_number: dict[int, PlannedDose],
    names: dict[str, str],
    minutes: int,
    placement: tuple[int, int, int],
    ignore: frozenset[int],
    zone: object,
) -> list[SeriesLine]:
    lines: list[SeriesLine] = []
    for decision in proposal.decisions:
        dose = by_number[decision.dose.index]
        conflicts = [c[:1].upper() + c[1:] for c in decision.conflicts]
        chosen = None
        if decision.chosen is not None:
            chosen = _option(
                books, frame, decision.chosen, by_number, names, placement, ignore, zone
            )
            if chosen is None:
                conflicts.append("No nurse on shift can take the free chair at that time.")
        alternatives = [
            option
            for option in (
                _option(books, frame, alt, by_number, names, placement, ignore, zone)
                for alt in decision.alternatives
            )
            if option is not None
        ]
        lines.append(
            SeriesLine(dose, decision.dose.target_date, minutes, chosen, alternatives, conflicts)
        )
    return lines
