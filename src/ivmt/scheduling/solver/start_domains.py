"""Which start minutes each request could use with each nurse and each chair group.

Shared by the CP-SAT model, the baseline and the lower bounds (never by the checker, which must
stay independent). Chairs with identical windows form one group: inside a group the chairs are
interchangeable, so the model only decides the group and a cumulative constraint caps the number
of visits at once; an interval graph whose cliques fit the group size can always be coloured
with that many chairs, so the concrete chair is assigned exactly afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivmt.scheduling.solver.instance import Chair, DayInstance, Nurse, Pharmacy, Request
from ivmt.scheduling.solver.minute_sets import Spans, intersect, normalise, subtract


@dataclass(frozen=True, slots=True)
class ChairGroup:
    """Chairs sharing exactly the same service windows."""

    index: int
    chairs: tuple[Chair, ...]

    @property
    def capacity(self) -> int:
        return len(self.chairs)


def chair_groups(instance: DayInstance) -> list[ChairGroup]:
    """Chairs grouped by identical windows, in order of first appearance."""
    by_windows: dict[tuple[object, ...], list[Chair]] = {}
    for chair in instance.chairs:
        by_windows.setdefault(tuple(chair.windows), []).append(chair)
    return [ChairGroup(i, tuple(chairs)) for i, chairs in enumerate(by_windows.values())]


def chair_starts(request: Request, group: ChairGroup) -> Spans:
    """Starts whose visit fits inside one of the group's windows."""
    windows = group.chairs[0].windows
    return normalise([(w.start, w.end - request.duration) for w in windows])


def nurse_starts(request: Request, nurse: Nurse) -> Spans:
    """Starts where the nurse can place the IV (at work, off break) and stay until departure."""
    p = request.placement_minutes
    last = nurse.care_end - request.duration
    allowed = normalise([(nurse.shift.start, last)])
    # A placement [t, t+p) overlaps break [b0, b1) exactly when b0-p < t < b1.
    blocked = normalise([(b.start - p + 1, b.end - 1) for b in nurse.breaks])
    return subtract(allowed, blocked)


def pharmacy_starts(request: Request, pharmacy: Pharmacy) -> Spans:
    """Starts for which some preparation slot fits a pharmacy window and the BUD window."""
    prep, p, bud = request.preparation_minutes, request.placement_minutes, request.bud_minutes
    if prep == 0:
        return [(-(10**9), 10**9)]
    spans: Spans = []
    for w in pharmacy.windows:
        if w.end - w.start >= prep:
            spans.append((w.start + prep - p, w.end - prep - p + bud))
    return normalise(spans)


def request_starts(request: Request, pharmacy: Pharmacy, max_start: int | None = None) -> Spans:
    """The request's own window (capped at ``max_start``) intersected with pharmacy feasibility."""
    hi = request.latest_start if max_start is None else min(request.latest_start, max_start)
    own = normalise([(request.earliest_start, hi)])
    return intersect(own, pharmacy_starts(request, pharmacy))


def prep_range(request: Request, start: int) -> tuple[int, int]:
    """Inclusive range of preparation starts allowed by the BUD window for a visit at ``start``."""
    infusion = request.infusion_start(start)
    return infusion - request.bud_minutes, infusion - request.preparation_minutes
