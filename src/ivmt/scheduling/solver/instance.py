"""The day to be scheduled, as frozen dataclasses in integer minutes.

Every time is an integer number of minutes from the clinic's opening on that day (minute 0).
Pharmacy windows may start before 0 because bags for the first patients are prepared before the
doors open; nothing else may. Intervals are half-open: ``Window(60, 90)`` covers minutes
60..89, so a patient leaving at 90 and another arriving at 90 do not overlap.

A request's visit is three consecutive phases on one chair:

    start ── placement ──► infusion start ── infusion ──► observation ──► departure

The nurse is busy (and may start no other IV) during the placement; the patient counts against
the nurse's cap on concurrent patients, and occupies the chair, for the whole visit. The bag is
prepared on one pharmacy station and must be finished by the infusion start and started no
earlier than ``bud_minutes`` before it (the spec's beyond-use window).

Validation happens once, in ``DayInstance.__post_init__``, so the model, the baseline and the
checker can trust their input (STYLE.md: validate at the boundary).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ivmt.scheduling.solver.errors import InvalidInstanceError


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """Half-open interval ``[start, end)`` in minutes from opening."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInstanceError(f"window [{self.start}, {self.end}) is empty or reversed")

    def contains(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` lies inside this window."""
        return self.start <= start and end <= self.end

    def overlaps(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` shares at least one minute with this window."""
        return start < self.end and self.start < end


@dataclass(frozen=True, slots=True)
class Request:
    """One infusion visit asking for a place on the day.

    ``booking_order`` is the order in which the front desk took the booking; first-come-first-
    served places requests in this order. ``priority`` weighs the first objective (most requests
    placed): a priority-3 request counts as three placed requests.
    """

    id: str
    booking_order: int
    placement_minutes: int
    infusion_minutes: int
    observation_minutes: int
    earliest_start: int
    latest_start: int
    preferred_start: int
    priority: int = 1
    preparation_minutes: int = 0
    bud_minutes: int = 24 * 60

    @property
    def duration(self) -> int:
        """Minutes on the chair: placement + infusion + observation."""
        return self.placement_minutes + self.infusion_minutes + self.observation_minutes

    def infusion_start(self, start: int) -> int:
        """Minute the infusion begins when the visit starts at ``start``."""
        return start + self.placement_minutes

    def wait(self, start: int) -> int:
        """Minutes past the preferred start (never negative)."""
        return max(0, start - self.preferred_start)

    def validate(self) -> None:
        """Raise ``InvalidInstanceError`` naming the request and the offending field."""
        where = f"request {self.id!r}"
        for name in (
            "placement_minutes",
            "infusion_minutes",
            "observation_minutes",
            "preparation_minutes",
        ):
            if getattr(self, name) < 0:
                raise InvalidInstanceError(f"{where}: {name} is negative ({getattr(self, name)})")
        if self.placement_minutes == 0:
            raise InvalidInstanceError(f"{where}: placement_minutes must be positive")
        if self.infusion_minutes == 0:
            raise InvalidInstanceError(f"{where}: infusion_minutes must be positive")
        if self.earliest_start < 0:
            raise InvalidInstanceError(f"{where}: earliest_start is before opening")
        if self.latest_start < self.earliest_start:
            raise InvalidInstanceError(
                f"{where}: latest_start {self.latest_start} is before earliest_start "
                f"{self.earliest_start}"
            )
        if not self.earliest_start <= self.preferred_start <= self.latest_start:
            raise InvalidInstanceError(
                f"{where}: preferred_start {self.preferred_start} is outside its window "
                f"[{self.earliest_start}, {self.latest_start}]"
            )
        if self.priority < 1:
            raise InvalidInstanceError(f"{where}: priority must be at least 1")
        if self.bud_minutes < self.preparation_minutes:
            raise InvalidInstanceError(
                f"{where}: bud_minutes {self.bud_minutes} is shorter than preparation_minutes "
                f"{self.preparation_minutes}, so no bag can be ready in time"
            )


@dataclass(frozen=True, slots=True)
class Chair:
    """A treatment chair and the windows in which it is in service."""

    id: str
    windows: tuple[Window, ...]


@dataclass(frozen=True, slots=True)
class Nurse:
    """A nurse's shift for the day.

    The nurse works from ``shift.start`` and may stay up to ``max_overtime_minutes`` after
    ``shift.end``: placements and visits must lie inside that span, and placements outside every
    break. Every minute the nurse's last patient leaves after ``shift.end`` is overtime. Patients
    may still be infusing or under observation during a break (a colleague covers, as clinics
    do), but they count against the nurse's cap.
    """

    id: str
    shift: Window
    breaks: tuple[Window, ...] = ()
    max_concurrent: int = 4
    max_overtime_minutes: int = 0

    @property
    def care_end(self) -> int:
        """End of the nurse's working span: the shift plus the overtime allowed."""
        return self.shift.end + self.max_overtime_minutes


@dataclass(frozen=True, slots=True)
class Pharmacy:
    """Bag preparation capacity: ``stations`` bags at once, inside ``windows``."""

    stations: int
    windows: tuple[Window, ...]


@dataclass(frozen=True, slots=True)
class DayInstance:
    """Everything the optimiser needs about one clinic day; validated on construction."""

    requests: tuple[Request, ...]
    chairs: tuple[Chair, ...]
    nurses: tuple[Nurse, ...]
    pharmacy: Pharmacy = field(default_factory=lambda: Pharmacy(1, (Window(-24 * 60, 48 * 60),)))

    def __post_init__(self) -> None:
        _validate(self)

    def request(self, request_id: str) -> Request:
        """The request with this id (``KeyError`` if absent)."""
        return self.requests_by_id[request_id]

    @property
    def requests_by_id(self) -> dict[str, Request]:
        return {r.id: r for r in self.requests}

    def booking_sequence(self) -> list[Request]:
        """Requests in booking order (ties broken by id so the order is total)."""
        return sorted(self.requests, key=lambda r: (r.booking_order, r.id))


def _validate(instance: DayInstance) -> None:
    if not instance.chairs:
        raise InvalidInstanceError("the day has no chairs")
    if not instance.nurses:
        raise InvalidInstanceError("the day has no nurses")
    _unique("request", [r.id for r in instance.requests])
    _unique("chair", [c.id for c in instance.chairs])
    _unique("nurse", [n.id for n in instance.nurses])
    for request in instance.requests:
        request.validate()
    for chair in instance.chairs:
        if not chair.windows:
            raise InvalidInstanceError(f"chair {chair.id!r} has no available window")
        if chair.windows[0].start < 0:
            raise InvalidInstanceError(f"chair {chair.id!r} is available before opening")
        _disjoint_sorted(f"chair {chair.id!r} windows", chair.windows)
    for nurse in instance.nurses:
        where = f"nurse {nurse.id!r}"
        if nurse.shift.start < 0:
            raise InvalidInstanceError(f"{where}: shift starts before opening")
        if nurse.max_concurrent < 1:
            raise InvalidInstanceError(f"{where}: max_concurrent must be at least 1")
        if nurse.max_overtime_minutes < 0:
            raise InvalidInstanceError(f"{where}: max_overtime_minutes is negative")
        _disjoint_sorted(f"{where} breaks", nurse.breaks)
        for pause in nurse.breaks:
            if not nurse.shift.contains(pause.start, pause.end):
                raise InvalidInstanceError(f"{where}: break {pause} lies outside the shift")
    pharmacy = instance.pharmacy
    if pharmacy.stations < 1:
        raise InvalidInstanceError("pharmacy needs at least one preparation station")
    if not pharmacy.windows:
        raise InvalidInstanceError("pharmacy has no opening window")
    _disjoint_sorted("pharmacy windows", pharmacy.windows)


def _unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise InvalidInstanceError(f"{kind} id {item!r} appears twice")
        seen.add(item)


def _disjoint_sorted(what: str, windows: tuple[Window, ...]) -> None:
    for before, after in itertools.pairwise(windows):
        if after.start < before.end:
            raise InvalidInstanceError(f"{what} must be sorted and must not overlap")
