"""A clinic day as the optimiser's input, and its plan back as appointment moves.

Time is counted in grid units (``GRID_MINUTES``, 5 minutes) from the day's opening: every
booked start and every visit length is on the grid, so nothing is rounded, and the optimiser
searches a fifth of the minutes. Figures are converted back to minutes for the page.

Each booked appointment is a request: it keeps its visit length, prefers the time the patient
asked for (``preferred_start``) and is never brought forward past the earlier of that wish and
its current time (nobody is asked to come earlier than they planned); it must end by closing
and, when its bag is already made, start its infusion before the bag's beyond-use time.
Visits that can no longer move (already due, or whose bag would lapse anywhere else) are
pinned to their time with a high priority. Chairs in service are available all opening
hours; nurses are their shifts with breaks, the clinic's cap of concurrent patients, and may
stay until closing (counted as overtime).

The optimiser always plans one IV start at a time per nurse; when the clinic allows parallel
starts the plan is still valid, only more careful than it needs to be (the page says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ivmt.scheduling.availability import DayBook
from ivmt.scheduling.models import GRID_MINUTES, Appointment
from ivmt.scheduling.solver import (
    Assignment,
    Chair,
    DayInstance,
    Nurse,
    Plan,
    Request,
    Window,
    check_plan,
    evaluate_plan,
)

PIN_PRIORITY = 1000


@dataclass
class DayModel:
    instance: DayInstance
    opens: datetime
    visits: dict[str, Appointment]
    pinned: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def moment(self, unit: int) -> datetime:
        return self.opens + timedelta(minutes=unit * GRID_MINUTES)


def _units(start: datetime, moment: datetime, *, up: bool = False) -> int:
    minutes = (moment - start).total_seconds() / 60 / GRID_MINUTES
    return math.ceil(minutes) if up else math.floor(minutes)


def build_day(book: DayBook, beyond_use: dict[int, datetime], now: datetime) -> DayModel:
    """The optimiser's instance for ``book``'s day. ``beyond_use``: per dose id, the beyond-use
    time of the bag already made for it. Raises ValueError when the clinic is closed."""
    opens, closes = book.hours.opens, book.hours.closes
    if opens is None or closes is None:
        raise ValueError("the clinic is closed that day")
    zone = book.hours.zone
    close_u = _units(opens, closes)
    now_u = max(0, _units(opens, now, up=True))
    visits: dict[str, Appointment] = {}
    pinned: set[str] = set()
    notes: list[str] = []
    requests: list[Request] = []
    ordered = sorted(
        (a for a in book.appointments if a.chair_id is not None), key=lambda a: (a.booked_at, a.pk)
    )
    for order, visit in enumerate(ordered):
        key = str(visit.pk)
        start_u = _units(opens, visit.starts_at)
        placement = visit.placement_minutes // GRID_MINUTES
        infusion = visit.infusion_minutes // GRID_MINUTES
        duration = placement + infusion + visit.observation_minutes // GRID_MINUTES
        if start_u < 0 or start_u + duration > close_u:
            notes.append(
                f"The visit at {visit.starts_at.astimezone(zone):%H:%M} lies outside the opening "
                "hours: move it by hand."
            )
            continue
        visits[key] = visit
        latest = close_u - duration
        bud = beyond_use.get(visit.dose_id or 0)
        if bud is not None:
            latest = min(latest, _units(opens, bud) - placement)
        wish = min(max(_units(opens, visit.preferred_start), 0), max(latest, 0))
        earliest = max(now_u, min(wish, start_u))
        fixed = visit.status != Appointment.Status.BOOKED or start_u < now_u
        if not fixed and latest < earliest:
            fixed = True
            notes.append(
                f"The visit at {visit.starts_at.astimezone(zone):%H:%M} stays where it is: "
                "moved, its bag would pass its beyond-use time."
            )
        if fixed:
            pinned.add(key)
            earliest = latest = wish = start_u
        requests.append(
            Request(
                id=key,
                booking_order=order - 1000 if fixed else order,
                placement_minutes=placement,
                infusion_minutes=infusion,
                observation_minutes=duration - placement - infusion,
                earliest_start=earliest,
                latest_start=latest,
                preferred_start=min(max(wish, earliest), latest),
                priority=PIN_PRIORITY if fixed else 1,
            )
        )
    pinned_chairs = {visits[k].chair_id for k in pinned}
    chairs = tuple(
        Chair(str(c.pk), (Window(0, close_u),))
        for c in sorted(book.chairs.values(), key=lambda c: (c.name, c.pk))
        if c.in_service or c.pk in pinned_chairs
    )
    if not book.settings.one_iv_start_at_a_time:
        notes.append(
            "The optimiser plans one IV start at a time per nurse even though the clinic allows "
            "parallel starts: its plan is valid, if more careful than needed."
        )
    return DayModel(
        instance=DayInstance(tuple(requests), chairs, tuple(_nurses(book, opens, close_u))),
        opens=opens,
        visits=visits,
        pinned=pinned,
        notes=notes,
    )


def _nurses(book: DayBook, opens: datetime, close_u: int) -> list[Nurse]:
    nurses = []
    for nurse_id, shift in sorted(book.shifts.items()):
        start = max(0, _units(opens, book.hours.at(shift.starts), up=True))
        end = min(_units(opens, book.hours.at(shift.ends)), close_u)
        if end <= start:
            continue
        breaks: list[Window] = []
        for pause in getattr(shift, "break_list", []):
            b_start = max(start, _units(opens, book.hours.at(pause.starts)))
            b_end = min(end, _units(opens, book.hours.at(pause.ends), up=True))
            if b_end > b_start and (not breaks or b_start >= breaks[-1].end):
                breaks.append(Window(b_start, b_end))
        nurses.append(
            Nurse(
                id=str(nurse_id),
                shift=Window(start, end),
                breaks=tuple(breaks),
                max_concurrent=book.settings.max_patients_per_nurse,
                max_overtime_minutes=max(0, close_u - end),
            )
        )
    return nurses


def current_plan(model: DayModel) -> Plan | None:
    """Today's bookings as a plan (None when a visit has no nurse yet, so it cannot be one)."""
    assignments = []
    for key, visit in model.visits.items():
        if visit.nurse_id is None:
            return None
        assignments.append(
            Assignment(
                request_id=key,
                start=_units(model.opens, visit.starts_at),
                chair_id=str(visit.chair_id),
                nurse_id=str(visit.nurse_id),
                prep_start=_units(model.opens, visit.starts_at),
            )
        )
    return Plan.of(assignments, [])


def current_waits(model: DayModel) -> list[int]:
    """Minutes each visit now starts after the time its patient asked for."""
    found = []
    for key, visit in model.visits.items():
        wish = model.instance.request(key).preferred_start
        found.append(max(0, _units(model.opens, visit.starts_at) - wish) * GRID_MINUTES)
    return found


def keep_current_places(model: DayModel, plan: Plan, reference: Plan) -> Plan:
    """The same plan with as many visits as possible left on their current chair and nurse.

    The solver picks chairs and nurses freely among equals, so its plan may move a patient from
    Chair 2 to Chair 3, or swap two nurses, for nothing: each such change is one more thing for
    the staff to read. Visit by visit (earliest first), then two by two (a swap of nurses
    undone), the current chair and nurse are put back whenever the independent checker still
    accepts the plan and its objective is unchanged; times are never touched.
    """
    instance = model.instance
    goal = evaluate_plan(instance, plan).key()
    current = dict(plan.by_request())

    def wish(request_id: str) -> Assignment:
        visit = model.visits[request_id]
        placed = current[request_id]
        return replace(
            placed,
            chair_id=str(visit.chair_id),
            nurse_id=str(visit.nurse_id) if visit.nurse_id else placed.nurse_id,
        )

    def accepted(trial: dict[str, Assignment]) -> bool:
        candidate = Plan.of(list(trial.values()), list(plan.unplaced))
        return (
            not check_plan(instance, candidate, fairness_reference=reference)
            and evaluate_plan(instance, candidate).key() == goal
        )

    def changed() -> list[str]:
        return sorted(
            (r for r in current if wish(r) != current[r]), key=lambda r: (current[r].start, r)
        )

    for _ in range(2):
        for request_id in changed():
            placed, wanted = current[request_id], wish(request_id)
            for option in (
                wanted,
                replace(placed, chair_id=wanted.chair_id),
                replace(placed, nurse_id=wanted.nurse_id),
            ):
                if option != placed and accepted({**current, request_id: option}):
                    current[request_id] = option
                    break
    left = changed()
    for k, first in enumerate(left):
        for second in left[k + 1 :]:
            if wish(first) == current[first] or wish(second) == current[second]:
                continue
            trial = {**current, first: wish(first), second: wish(second)}
            if accepted(trial):
                current = trial
                break
    return Plan.of(list(current.values()), list(plan.unplaced))
