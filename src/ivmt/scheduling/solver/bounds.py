"""Valid lower bounds on total wait, cheaper and stronger than CP-SAT's own on two cores.

``time_indexed_lp``: the linear relaxation of a time-indexed formulation with chairs and nurses
pooled. Each request gets a fractional start distribution over its possible minutes (the same
domains as the model, including the fairness guard, so the bound is valid for the guarded
problem). Two capacity rows per minute:

- visits in progress <= chairs in service, and <= the sum of the caps of nurses at work;
- placements in progress <= nurses able to place at that minute (at work, off break).

Pooling (any chair, any nurse) and fractional starts only relax the problem, and pharmacy
capacity is dropped, so the optimum of this LP is a valid bound. This covers both relaxations the
issue suggests (nurses as the only resource: IV starts on N identical machines with release
dates; chairs as the only resource) in one model, which is at least as strong as either alone.
One variable per (request, start minute) with one row per request keeps the basis small; an
equivalent form with cumulative "started by minute t" variables has ten times fewer non-zeros
but a row per variable, and GLOP solved it about twice as slowly.

What it cannot see: the per-nurse cap couples a nurse's placements to her own patients (a nurse
with a full list cannot start a new IV even when a colleague could carry the patient). When the
caps bind (nurse load near 1.0) the integer optimum of the pooled model itself is barely above
the LP (9 624 vs 9 611 on the benchmark's hardest cell, solved with SCIP), while the best plans
known wait about 12 % longer: the remaining gap is this coupling, not fractionality.

``earliest_possible``: every request at its first possible minute, which is trivially valid.

The LP is solved with GLOP; only an optimal LP value is used as a bound. The bound holds for plans
that place exactly the requests of ``instance`` (the solver freezes the placed set first).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ortools.linear_solver import pywraplp

from ivmt.scheduling.solver.instance import DayInstance
from ivmt.scheduling.solver.minute_sets import Spans, intersect, normalise
from ivmt.scheduling.solver.start_domains import (
    chair_groups,
    chair_starts,
    nurse_starts,
    request_starts,
)


def start_spans(instance: DayInstance, caps: dict[str, int]) -> dict[str, Spans]:
    """Possible starts per request (own window, guard, pharmacy, some nurse, some chair group)."""
    groups = chair_groups(instance)
    spans: dict[str, Spans] = {}
    for r in instance.requests:
        own = request_starts(r, instance.pharmacy, caps.get(r.id))
        nurses = normalise([s for n in instance.nurses for s in nurse_starts(r, n)])
        chairs = normalise([s for g in groups for s in chair_starts(r, g)])
        spans[r.id] = intersect(intersect(own, nurses), chairs)
    return spans


def wait_lower_bounds(
    instance: DayInstance,
    caps: dict[str, int],
    *,
    time_limit_s: float = 5.0,
    min_priority: int | None = None,
    bucket: int = 1,
) -> dict[str, int]:
    """Named valid lower bounds on total wait; a bound that could not be proven is omitted.

    ``caps`` are the fairness guard's latest starts. With ``min_priority`` None every request
    must be placed; otherwise the bound covers every plan placing at least that much priority
    (each request is then placed at most once, fractionally). Tries the LP with ``bucket``-minute
    capacity rows first and, if GLOP runs out of time at one-minute resolution, the 3-minute
    version with what is left.
    """
    spans = start_spans(instance, caps)
    bounds: dict[str, int] = {}
    if min_priority is None:
        if any(not s for s in spans.values()):
            return bounds
        requests = instance.requests_by_id
        bounds["earliest_possible"] = sum(requests[rid].wait(s[0][0]) for rid, s in spans.items())
    began = time.perf_counter()
    lp = time_indexed_lp(
        instance, spans, time_limit_s=time_limit_s, min_priority=min_priority, bucket=bucket
    )
    if lp is not None:
        bounds["time_indexed_lp" if bucket == 1 else f"time_indexed_lp_{bucket}min"] = lp
        return bounds
    if bucket != 1:
        return bounds
    left = time_limit_s - (time.perf_counter() - began)
    if left > 0.05:
        coarse = time_indexed_lp(
            instance,
            spans,
            time_limit_s=left,
            bucket=3,
            min_priority=min_priority,
        )
        if coarse is not None:
            bounds["time_indexed_lp_3min"] = coarse
    return bounds


def _visit_capacity(instance: DayInstance, minute: int) -> int:
    chairs = sum(1 for c in instance.chairs if any(w.start <= minute < w.end for w in c.windows))
    carers = sum(n.max_concurrent for n in instance.nurses if n.shift.start <= minute < n.care_end)
    return min(chairs, carers)


def _placement_capacity(instance: DayInstance, minute: int) -> int:
    return sum(
        1
        for n in instance.nurses
        if n.shift.start <= minute < n.care_end
        and not any(b.start <= minute < b.end for b in n.breaks)
    )


def time_indexed_lp(
    instance: DayInstance,
    spans: dict[str, Spans],
    *,
    time_limit_s: float,
    bucket: int = 1,
    backend: str = "GLOP",
    min_priority: int | None = None,
) -> int | None:
    """Rounded-up optimum of the pooled time-indexed LP, or None if it did not finish.

    With ``bucket`` > 1 the capacity rows are summed over buckets of that many minutes (each
    start counts the minutes it overlaps the bucket): fewer, denser rows, solved about three
    times faster, still valid because a sum of valid rows is valid, but weaker. ``backend`` may
    name a MIP solver (``"SCIP"``) to bound the pooled integer problem instead; its proven bound
    is returned even when it stops on the time limit. That is for studies, not for the 10-second
    budget.
    """
    solver = pywraplp.Solver.CreateSolver(backend)
    if solver is None:
        return None
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    integer = backend != "GLOP"
    infinity = solver.infinity()
    objective = solver.Objective()
    visit: dict[int, list[tuple[pywraplp.Variable, float]]] = {}
    place: dict[int, list[tuple[pywraplp.Variable, float]]] = {}
    placed_priority = solver.Constraint(float(min_priority or 0), infinity)
    for r in instance.requests:
        one = solver.Constraint(0.0 if min_priority is not None else 1.0, 1.0)
        for lo, hi in spans[r.id]:
            for t in range(lo, hi + 1):
                x = solver.BoolVar("") if integer else solver.NumVar(0.0, 1.0, "")
                one.SetCoefficient(x, 1.0)
                placed_priority.SetCoefficient(x, float(r.priority))
                if r.wait(t):
                    objective.SetCoefficient(x, float(r.wait(t)))
                for length, rows in ((r.duration, visit), (r.placement_minutes, place)):
                    for b in range(t // bucket, (t + length - 1) // bucket + 1):
                        overlap = min(t + length, (b + 1) * bucket) - max(t, b * bucket)
                        rows.setdefault(b, []).append((x, float(overlap)))
    capacities: tuple[
        tuple[dict[int, list[tuple[pywraplp.Variable, float]]], Callable[[int], int]], ...
    ] = (
        (visit, lambda m: _visit_capacity(instance, m)),
        (place, lambda m: _placement_capacity(instance, m)),
    )
    for rows, capacity in capacities:
        for b, terms in rows.items():
            cap = sum(capacity(m) for m in range(b * bucket, (b + 1) * bucket))
            row = solver.Constraint(-infinity, cap)
            for x, coefficient in terms:
                row.SetCoefficient(x, coefficient)
    objective.SetMinimization()
    status = solver.Solve()
    if integer:
        if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return math.ceil(float(objective.BestBound()) - 1e-6)
        return None
    if status != pywraplp.Solver.OPTIMAL:
        return None
    return math.ceil(float(objective.Value()) - 1e-6)
