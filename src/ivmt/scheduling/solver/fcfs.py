"""First-come-first-served, the baseline that mimics booking by hand, and list scheduling.

First-come-first-served: each request, in booking order, takes the earliest minute at or after
its preferred start (and its earliest start) where a chair, a nurse and a pharmacy slot are all
free; a request with no such minute up to its latest start stays unplaced. Earlier bookings are
never moved, which is exactly why long infusions booked early can block short ones booked later.

``schedule_in_order`` is the same greedy with any order and optional latest-start caps; the
solver feeds it orders taken from the LP relaxation to get a strong first plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from ivmt.scheduling.solver.instance import DayInstance, Request
from ivmt.scheduling.solver.minute_sets import intersect, normalise
from ivmt.scheduling.solver.plan import Assignment, Plan
from ivmt.scheduling.solver.start_domains import nurse_starts, request_starts
from ivmt.scheduling.solver.timeline import Timeline


def schedule_fcfs(instance: DayInstance) -> Plan:
    """The first-come-first-served plan for ``instance`` (deterministic)."""
    return schedule_in_order(instance, instance.booking_sequence())


def schedule_in_order(
    instance: DayInstance, order: Sequence[Request], caps: dict[str, int] | None = None
) -> Plan:
    """Place ``order`` greedily, each at its earliest free minute from its preferred start.

    ``caps`` limit a request's start (the fairness guard); a request that cannot be placed by
    its cap or latest start is left unplaced.
    """
    timeline = Timeline(instance)
    assignments: list[Assignment] = []
    unplaced: list[str] = []
    for r in order:
        cap = None if caps is None else caps.get(r.id)
        own = request_starts(r, instance.pharmacy, cap)
        any_nurse = normalise([s for n in instance.nurses for s in nurse_starts(r, n)])
        candidates = intersect(own, any_nurse)
        first = max(r.preferred_start, r.earliest_start)
        booked = None
        for lo, hi in candidates:
            for t in range(max(lo, first), hi + 1):
                slot = timeline.find(r, t)
                if slot is not None:
                    booked = timeline.book(r, t, slot)
                    break
            if booked is not None:
                break
        if booked is None:
            unplaced.append(r.id)
        else:
            assignments.append(booked)
    return Plan.of(assignments, unplaced)
