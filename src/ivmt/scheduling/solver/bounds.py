"""Valid lower bounds on total wait, cheaper and stronger than CP-SAT's own on two cores.

``time_indexed_lp``: the linear relaxation of a time-indexed formulation with chairs and nurses
pooled. Each request gets a fractional start distribution over its possible minutes (the same
domains as the model, including the fairness guard, so the bound is valid for the guarded
problem). Two capacity rows per minute:

- visits in progress <= chairs in service, and <= the sum of the caps of nurses on duty;
- placements in progress <= nurses able to place at that minute (on shift, off break).

Pooling (any chair, any nurse) and fractional starts only relax the problem, and pharmacy
capacity is dropped, so the optimum of this LP is a valid bound. This covers both relaxations the
issue suggests (nurses as the only resource: IV starts on N identical machines with release
dates; chairs as the only resource) in one model, which is at least as strong as either alone.
It is written with cumulative variables X_j(t) = "request j has started by minute t", which turns
the cost into a sum with coefficients -1 and keeps each capacity row to two entries per request
instead of one per start minute (about 10x fewer non-zeros).

``earliest_possible``: every request at its first possible minute, which is trivially valid.

The LP is solved with GLOP; only an optimal LP value is used as a bound. The bound holds for plans
that place exactly the requests of ``instance`` (the solver freezes the placed set first).
"""

from __future__ import annotations

import bisect
import math

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
    instance: DayInstance, caps: dict[str, int], *, time_limit_s: float = 5.0
) -> dict[str, int]:
    """Named valid lower bounds on total wait; a bound that could not be proven is omitted."""
    spans = start_spans(instance, caps)
    bounds: dict[str, int] = {}
    if any(not s for s in spans.values()):
        return bounds
    requests = instance.requests_by_id
    bounds["earliest_possible"] = sum(
        requests[rid].wait(s[0][0]) for rid, s in spans.items()
    )
    lp = time_indexed_lp(instance, spans, time_limit_s=time_limit_s)
    if lp is not None:
        bounds["time_indexed_lp"] = lp
    return bounds


def _visit_capacity(instance: DayInstance, minute: int) -> int:
    chairs = sum(1 for c in instance.chairs if any(w.start <= minute < w.end for w in c.windows))
    carers = sum(
        n.max_concurrent for n in instance.nurses if n.shift.start <= minute < n.care_end
    )
    return min(chairs, carers)


def _placement_capacity(instance: DayInstance, minute: int) -> int:
    return sum(
        1
        for n in instance.nurses
        if n.shift.start <= minute < n.shift.end
        and not any(b.start <= minute < b.end for b in n.breaks)
    )


def time_indexed_lp(
    instance: DayInstance, spans: dict[str, Spans], *, time_limit_s: float
) -> int | None:
    """Rounded-up optimum of the pooled time-indexed LP, or None if GLOP did not finish."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    infinity = solver.infinity()
    constant = 0
    objective = solver.Objective()
    variables: list[pywraplp.Variable] = []
    # Per minute: coefficients by variable index and a constant, for the visit and placement rows.
    visit_rows: dict[int, tuple[dict[int, float], list[float]]] = {}
    place_rows: dict[int, tuple[dict[int, float], list[float]]] = {}

    for r in instance.requests:
        members = [t for lo, hi in spans[r.id] for t in range(lo, hi + 1)]
        last = members[-1]
        # X(t) for each member but the last; X(last) = 1 is a constant.
        index_at: dict[int, int] = {}
        for t in members[:-1]:
            x = solver.NumVar(0.0, 1.0, "")
            if variables and t != members[0]:
                row = solver.Constraint(0.0, infinity)
                row.SetCoefficient(x, 1.0)
                row.SetCoefficient(variables[-1], -1.0)
            index_at[t] = len(variables)
            variables.append(x)
            # wait(t+1) - wait(t) is 1 from the preferred start on: cost = wait(last) - sum X(t).
            if t >= r.preferred_start:
                objective.SetCoefficient(x, -1.0)
        constant += r.wait(last)

        def started_by(minute: int, members: list[int] = members, index_at: dict[int, int] = index_at) -> tuple[int | None, float]:
            """(variable index, constant) for X(minute): 0 before the first member, 1 from the last."""
            if minute < members[0]:
                return None, 0.0
            if minute >= members[-1]:
                return None, 1.0
            return index_at[members[bisect.bisect_right(members, minute) - 1]], 0.0

        for length, rows in ((r.duration, visit_rows), (r.placement_minutes, place_rows)):
            # In progress at m  <=>  started by m and not started by m - length.
            for m in range(members[0], last + length):
                coefs, const = rows.setdefault(m, ({}, [0.0]))
                for ref, sign in ((started_by(m), 1.0), (started_by(m - length), -1.0)):
                    index, value = ref
                    if index is not None:
                        coefs[index] = coefs.get(index, 0.0) + sign
                    const[0] += sign * value
    for rows, capacity in (
        (visit_rows, lambda m: _visit_capacity(instance, m)),
        (place_rows, lambda m: _placement_capacity(instance, m)),
    ):
        for m, (coefs, const) in rows.items():
            row = solver.Constraint(-infinity, capacity(m) - const[0])
            for index, coef in coefs.items():
                if coef:
                    row.SetCoefficient(variables[index], coef)
    objective.SetMinimization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    return math.ceil(objective.Value() + constant - 1e-6)
