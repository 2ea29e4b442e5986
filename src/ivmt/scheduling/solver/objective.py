"""The four objective values, in the lexicographic order the solver optimises them.

1. ``placed_priority`` (maximise): sum of the priorities of placed requests.
2. ``total_wait`` (minimise): minutes past the preferred start, summed over placed requests,
   under the fairness guard that nobody waits longer than under first-come-first-served.
3. ``overtime`` (minimise): per nurse, minutes the last patient leaves after the shift end,
   summed over nurses.
4. ``nurse_load_spread`` (minimise): largest minus smallest total placement minutes per nurse.
   Placement minutes are the nurse's hands-on time; counting patients instead would call a nurse
   with four long infusions as loaded as one with four short ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivmt.scheduling.solver.instance import DayInstance
from ivmt.scheduling.solver.plan import Plan


@dataclass(frozen=True, slots=True)
class Objective:
    """Objective values of one plan (plus descriptive figures that are not optimised)."""

    placed_priority: int
    placed: int
    total_wait: int
    max_wait: int
    overtime: int
    nurse_load_spread: int

    def key(self) -> tuple[int, int, int, int]:
        """Lexicographic key: smaller is better."""
        return (-self.placed_priority, self.total_wait, self.overtime, self.nurse_load_spread)


def evaluate_plan(instance: DayInstance, plan: Plan) -> Objective:
    """Objective values of ``plan``; assumes the plan refers only to known ids."""
    requests = instance.requests_by_id
    waits = [requests[a.request_id].wait(a.start) for a in plan.assignments]
    last_departure: dict[str, int] = {}
    load = {n.id: 0 for n in instance.nurses}
    for a in plan.assignments:
        r = requests[a.request_id]
        end = a.start + r.duration
        last_departure[a.nurse_id] = max(last_departure.get(a.nurse_id, end), end)
        load[a.nurse_id] += r.placement_minutes
    overtime = sum(
        max(0, last_departure[n.id] - n.shift.end)
        for n in instance.nurses
        if n.id in last_departure
    )
    return Objective(
        placed_priority=sum(requests[a.request_id].priority for a in plan.assignments),
        placed=len(plan.assignments),
        total_wait=sum(waits),
        max_wait=max(waits, default=0),
        overtime=overtime,
        nurse_load_spread=max(load.values()) - min(load.values()),
    )
