"""Exhaustive search over every plan of a tiny day, judged by the independent checker.

Used only to confirm that the solver is optimal on days small enough to enumerate. Preparation
starts do not affect the objective, so they are searched only at the leaves, for existence.
"""

from __future__ import annotations

import itertools

from ivmt.scheduling.solver import Assignment, DayInstance, Plan
from ivmt.scheduling.solver.checker import check_plan

_LEAF_ONLY = {"missing", "pharmacy_capacity"}


def _key(instance: DayInstance, plan: Plan) -> tuple[int, int, int, int]:
    """(-placed priority, total wait, overtime, nurse load spread), written out independently."""
    by_id = {r.id: r for r in instance.requests}
    placed = 0
    wait = 0
    last: dict[str, int] = {}
    load = {n.id: 0 for n in instance.nurses}
    for a in plan.assignments:
        r = by_id[a.request_id]
        placed += r.priority
        wait += max(0, a.start - r.preferred_start)
        last[a.nurse_id] = max(last.get(a.nurse_id, 0), a.start + r.duration)
        load[a.nurse_id] += r.placement_minutes
    overtime = sum(max(0, last[n.id] - n.shift.end) for n in instance.nurses if n.id in last)
    return (-placed, wait, overtime, max(load.values()) - min(load.values()))


def brute_force_optimum(instance: DayInstance, reference: Plan) -> tuple[int, int, int, int]:
    """Best lexicographic key over all valid plans that respect the fairness guard."""
    requests = list(instance.requests)
    best: tuple[int, int, int, int] | None = None

    def options(i: int) -> list[Assignment | None]:
        r = requests[i]
        found: list[Assignment | None] = [None]
        for start in range(r.earliest_start, r.latest_start + 1):
            for chair in instance.chairs:
                for nurse in instance.nurses:
                    prep = start + r.placement_minutes - r.preparation_minutes
                    found.append(Assignment(r.id, start, chair.id, nurse.id, prep))
        return found

    choices = [options(i) for i in range(len(requests))]

    def partial_ok(chosen: list[Assignment | None], upto: int) -> bool:
        placed = [a for a in chosen if a is not None]
        unplaced = [requests[i].id for i, a in enumerate(chosen) if a is None]
        plan = Plan(tuple(placed), tuple(unplaced))
        violations = check_plan(instance, plan, fairness_reference=reference)
        return all(v.kind in _LEAF_ONLY for v in violations)

    def leaf(chosen: list[Assignment | None]) -> None:
        nonlocal best
        placed = [a for a in chosen if a is not None]
        unplaced = tuple(requests[i].id for i, a in enumerate(chosen) if a is None)
        key = _key(instance, Plan(tuple(placed), unplaced))
        if best is not None and key >= best:
            return
        by_id = {r.id: r for r in requests}
        ranges = []
        for a in placed:
            r = by_id[a.request_id]
            infusion = a.start + r.placement_minutes
            ranges.append(range(infusion - r.bud_minutes, infusion - r.preparation_minutes + 1))
        for preps in itertools.product(*ranges):
            plan = Plan(
                tuple(
                    Assignment(a.request_id, a.start, a.chair_id, a.nurse_id, q)
                    for a, q in zip(placed, preps, strict=True)
                ),
                unplaced,
            )
            if not check_plan(instance, plan, fairness_reference=reference):
                best = key
                return

    def search(i: int, chosen: list[Assignment | None]) -> None:
        if i == len(requests):
            leaf(chosen)
            return
        for option in choices[i]:
            chosen.append(option)
            if partial_ok(chosen + [None] * (len(requests) - i - 1), i):
                search(i + 1, chosen)
            chosen.pop()

    search(0, [])
    assert best is not None  # placing nobody is always valid
    return best
