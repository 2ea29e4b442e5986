"""The CP-SAT model of a clinic day.

Decisions per request: its start minute, its nurse (one Boolean per able nurse), its chair group
(one Boolean per group whose windows fit it) and its preparation start. Trade-offs recorded:

- Chairs are modelled per *group* of identical chairs with a cumulative constraint, not one
  Boolean per chair. Interchangeable chairs make a per-chair model hugely symmetric (a 20-chair
  day would have 20! equivalent plans) and this is exact: intervals whose overlap never exceeds
  the group size can always be coloured with that many chairs (``chair_colouring.py``).
- The fairness guard is a domain restriction: a request that first-come-first-served places with
  wait ``w`` may start no later than ``preferred + w``. The guard is therefore always satisfiable
  (the baseline itself satisfies it) and it shrinks the search space instead of adding
  constraints.
- A redundant cumulative over all placements, with capacity equal to the number of nurses able
  to place at each minute, lets propagation see the nurses as a pool before nurses are chosen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ivmt.scheduling.solver.instance import DayInstance, Request
from ivmt.scheduling.solver.minute_sets import Spans, intersect, normalise
from ivmt.scheduling.solver.plan import Plan
from ivmt.scheduling.solver.start_domains import (
    ChairGroup,
    chair_groups,
    chair_starts,
    nurse_starts,
    request_starts,
)


@dataclass(slots=True)
class RequestVars:
    """Variables of one request."""

    request: Request
    present: cp_model.IntVar
    start: cp_model.IntVar
    prep: cp_model.IntVar
    wait: cp_model.IntVar
    nurse: dict[int, cp_model.IntVar] = field(default_factory=dict)
    group: dict[int, cp_model.IntVar] = field(default_factory=dict)


@dataclass(slots=True)
class DayModel:
    """A built model with handles on its variables and objective expressions."""

    instance: DayInstance
    model: cp_model.CpModel
    groups: list[ChairGroup]
    vars: dict[str, RequestVars]
    placed_priority: cp_model.LinearExprT
    total_wait: cp_model.LinearExprT
    overtime: list[cp_model.IntVar]
    load: list[cp_model.IntVar]
    load_max: cp_model.IntVar
    load_min: cp_model.IntVar
    spread: cp_model.IntVar


def _domain(spans: Spans) -> cp_model.Domain:
    return cp_model.Domain.FromIntervals([[lo, hi] for lo, hi in spans])


@dataclass(frozen=True, slots=True)
class Fixed:
    """A request held in place (large-neighbourhood search keeps most requests fixed)."""

    start: int
    nurse: int
    group: int
    prep: int


def build_day_model(
    instance: DayInstance,
    *,
    max_start: dict[str, int],
    required: set[str],
    fixed: dict[str, Fixed] | None = None,
    excluded: frozenset[str] = frozenset(),
    min_priority: int | None = None,
    min_start: dict[str, int] | None = None,
) -> DayModel | None:
    """The model, or None when a required request has no possible start at all.

    ``max_start`` caps a request's start (the fairness guard); ``required`` requests must be
    placed, the others are optional; ``fixed`` requests become constants (fixed intervals), which
    keeps neighbourhood models small enough to build and presolve in milliseconds; ``excluded``
    requests are left out (unplaced); ``min_priority`` holds the first objective at a level
    already reached; ``min_start`` raises a request's earliest start (neighbourhood search uses
    it with ``max_start`` to keep freed requests near their current place).
    """
    fixed = fixed or {}
    model = cp_model.CpModel()
    groups = chair_groups(instance)
    horizon_hi = max(
        [r.latest_start + r.duration for r in instance.requests]
        + [n.care_end for n in instance.nurses]
    )
    per_nurse_place: list[list[cp_model.IntervalVar]] = [[] for _ in instance.nurses]
    per_nurse_care: list[list[cp_model.IntervalVar]] = [[] for _ in instance.nurses]
    per_nurse_end: list[list[tuple[cp_model.IntVar, cp_model.IntVar, int]]] = [
        [] for _ in instance.nurses
    ]
    per_group: list[list[cp_model.IntervalVar]] = [[] for _ in groups]
    all_place: list[cp_model.IntervalVar] = []
    preps: list[cp_model.IntervalVar] = []
    rvars: dict[str, RequestVars] = {}

    for r in instance.requests:
        if r.id in excluded:
            continue
        hold = fixed.get(r.id)
        if hold is not None:
            one = model.new_constant(1)
            start_c = model.new_constant(hold.start)
            v = RequestVars(
                request=r,
                present=one,
                start=start_c,
                prep=model.new_constant(hold.prep),
                wait=model.new_constant(r.wait(hold.start)),
                nurse={hold.nurse: one},
                group={hold.group: one},
            )
            s0 = hold.start
            per_nurse_place[hold.nurse].append(
                model.new_fixed_size_interval_var(s0, r.placement_minutes, "")
            )
            per_nurse_care[hold.nurse].append(model.new_fixed_size_interval_var(s0, r.duration, ""))
            per_nurse_end[hold.nurse].append((start_c, one, r.duration))
            per_group[hold.group].append(model.new_fixed_size_interval_var(s0, r.duration, ""))
            all_place.append(model.new_fixed_size_interval_var(s0, r.placement_minutes, ""))
            if r.preparation_minutes > 0:
                preps.append(
                    model.new_fixed_size_interval_var(hold.prep, r.preparation_minutes, "")
                )
            rvars[r.id] = v
            continue
        own = request_starts(r, instance.pharmacy, max_start.get(r.id))
        if min_start and r.id in min_start:
            own = intersect(own, [(min_start[r.id], own[-1][1] if own else min_start[r.id])])
        by_nurse = {k: intersect(own, nurse_starts(r, n)) for k, n in enumerate(instance.nurses)}
        by_nurse = {k: s for k, s in by_nurse.items() if s}
        by_group = {g.index: intersect(own, chair_starts(r, g)) for g in groups}
        by_group = {g: s for g, s in by_group.items() if s}
        union = intersect(
            normalise([s for spans in by_nurse.values() for s in spans]),
            normalise([s for spans in by_group.values() for s in spans]),
        )
        if not union:
            if r.id in required:
                return None
            continue
        present = model.new_constant(1) if r.id in required else model.new_bool_var(f"in_{r.id}")
        start = model.new_int_var_from_domain(_domain(union), f"s_{r.id}")
        v = RequestVars(
            request=r,
            present=present,
            start=start,
            prep=start,  # replaced below
            wait=model.new_int_var(0, max(0, union[-1][1] - r.preferred_start), f"w_{r.id}"),
        )
        model.add(v.wait >= start - r.preferred_start).only_enforce_if(present)
        if r.id not in required:
            model.add(v.wait == 0).only_enforce_if(~present)

        for k, spans in by_nurse.items():
            lit = model.new_bool_var(f"x_{r.id}_{k}")
            v.nurse[k] = lit
            model.add_linear_expression_in_domain(start, _domain(spans)).only_enforce_if(lit)
            place = model.new_optional_fixed_size_interval_var(
                start, r.placement_minutes, lit, f"p_{r.id}_{k}"
            )
            care = model.new_optional_fixed_size_interval_var(
                start, r.duration, lit, f"c_{r.id}_{k}"
            )
            per_nurse_place[k].append(place)
            per_nurse_care[k].append(care)
            per_nurse_end[k].append((start, lit, r.duration))
        model.add(sum(v.nurse.values()) == present)

        for g, spans in by_group.items():
            lit = model.new_bool_var(f"y_{r.id}_{g}")
            v.group[g] = lit
            model.add_linear_expression_in_domain(start, _domain(spans)).only_enforce_if(lit)
            per_group[g].append(
                model.new_optional_fixed_size_interval_var(start, r.duration, lit, f"g_{r.id}_{g}")
            )
        model.add(sum(v.group.values()) == present)

        all_place.append(
            model.new_optional_fixed_size_interval_var(
                start, r.placement_minutes, present, f"pa_{r.id}"
            )
        )
        v.prep = _prep_var(model, instance, r, start, present, preps)
        rvars[r.id] = v

    for k, nurse in enumerate(instance.nurses):
        model.add_no_overlap(per_nurse_place[k])
        model.add_cumulative(per_nurse_care[k], [1] * len(per_nurse_care[k]), nurse.max_concurrent)
    for group in groups:
        members = per_group[group.index]
        if members:
            model.add_cumulative(members, [1] * len(members), group.capacity)
    if preps:
        model.add_cumulative(preps, [1] * len(preps), instance.pharmacy.stations)
    _add_nurse_pool(model, instance, all_place, horizon_hi)

    overtime: list[cp_model.IntVar] = []
    load: list[cp_model.IntVar] = []
    for k, nurse in enumerate(instance.nurses):
        ot = model.new_int_var(0, max(0, nurse.max_overtime_minutes), f"ot_{k}")
        for start, lit, duration in per_nurse_end[k]:
            model.add(ot >= start + duration - nurse.shift.end).only_enforce_if(lit)
        overtime.append(ot)
        total = sum(v.request.placement_minutes for v in rvars.values() if k in v.nurse)
        ld = model.new_int_var(0, total, f"load_{k}")
        model.add(
            ld
            == sum(v.request.placement_minutes * v.nurse[k] for v in rvars.values() if k in v.nurse)
        )
        load.append(ld)
    top = max((v.request.placement_minutes for v in rvars.values()), default=0) * len(rvars)
    hi = model.new_int_var(0, top, "load_max")
    lo = model.new_int_var(0, top, "load_min")
    model.add_max_equality(hi, load)
    model.add_min_equality(lo, load)
    spread = model.new_int_var(0, top, "load_spread")
    model.add(spread == hi - lo)

    placed_priority = sum(v.request.priority * v.present for v in rvars.values())
    if min_priority is not None:
        model.add(placed_priority >= min_priority)
    return DayModel(
        instance=instance,
        model=model,
        groups=groups,
        vars=rvars,
        placed_priority=placed_priority,
        total_wait=sum(v.wait for v in rvars.values()),
        overtime=overtime,
        load=load,
        load_max=hi,
        load_min=lo,
        spread=spread,
    )


def _prep_var(
    model: cp_model.CpModel,
    instance: DayInstance,
    r: Request,
    start: cp_model.IntVar,
    present: cp_model.IntVar,
    preps: list[cp_model.IntervalVar],
) -> cp_model.IntVar:
    """Preparation start inside a pharmacy window and the BUD window before the infusion."""
    prep_minutes = r.preparation_minutes
    if prep_minutes == 0:
        q = model.new_int_var(-(10**6), 10**6, f"q_{r.id}")
        model.add(q == start + r.placement_minutes)
        return q
    spans = normalise([(w.start, w.end - prep_minutes) for w in instance.pharmacy.windows])
    q = model.new_int_var_from_domain(_domain(spans), f"q_{r.id}")
    model.add(q + prep_minutes <= start + r.placement_minutes)
    model.add(q >= start + r.placement_minutes - r.bud_minutes)
    preps.append(model.new_optional_fixed_size_interval_var(q, prep_minutes, present, f"pi_{r.id}"))
    return q


def _add_nurse_pool(
    model: cp_model.CpModel,
    instance: DayInstance,
    placements: list[cp_model.IntervalVar],
    horizon_hi: int,
) -> None:
    """Redundant: all placements together never exceed the nurses able to place at that minute."""
    if not placements:
        return
    count = len(instance.nurses)
    cuts = sorted(
        {0, horizon_hi}
        | {n.shift.start for n in instance.nurses}
        | {n.care_end for n in instance.nurses}
        | {b.start for n in instance.nurses for b in n.breaks}
        | {b.end for n in instance.nurses for b in n.breaks}
    )
    blocks: list[cp_model.IntervalVar] = []
    demands: list[int] = []
    for lo, hi in itertools.pairwise(cuts):
        if hi <= lo:
            continue
        able = sum(
            1
            for n in instance.nurses
            if n.shift.start <= lo
            and hi <= n.care_end
            and not any(b.start < hi and lo < b.end for b in n.breaks)
        )
        if able < count:
            blocks.append(model.new_fixed_size_interval_var(lo, hi - lo, f"off_{lo}"))
            demands.append(count - able)
    model.add_cumulative(placements + blocks, [1] * len(placements) + demands, count)


def add_plan_hint(day: DayModel, plan: Plan) -> None:
    """Hint every decision variable from ``plan`` (a complete, feasible hint when it is valid)."""
    model = day.model
    model.clear_hints()  # type: ignore[no-untyped-call]  # unannotated in ortools 9.15

    def hint(var: cp_model.IntVar, value: int) -> None:
        domain = model.proto.variables[var.index].domain
        if not (len(domain) == 2 and domain[0] == domain[1]):
            model.add_hint(var, value)

    nurse_index = {n.id: k for k, n in enumerate(day.instance.nurses)}
    group_of = {c.id: g.index for g in day.groups for c in g.chairs}
    placed = plan.by_request()
    last_end: dict[int, int] = {}
    loads = [0 for _ in day.instance.nurses]
    for rid, v in day.vars.items():
        a = placed.get(rid)
        if a is None:
            hint(v.present, 0)
            for lit in [*v.nurse.values(), *v.group.values()]:
                hint(lit, 0)
            continue
        r = v.request
        hint(v.present, 1)
        hint(v.start, a.start)
        hint(v.wait, r.wait(a.start))
        hint(v.prep, a.prep_start)
        k, g = nurse_index[a.nurse_id], group_of[a.chair_id]
        for kk, lit in v.nurse.items():
            hint(lit, 1 if kk == k else 0)
        for gg, lit in v.group.items():
            hint(lit, 1 if gg == g else 0)
        last_end[k] = max(last_end.get(k, a.start + r.duration), a.start + r.duration)
        loads[k] += r.placement_minutes
    for k, nurse in enumerate(day.instance.nurses):
        hint(day.overtime[k], max(0, last_end.get(k, 0) - nurse.shift.end))
        hint(day.load[k], loads[k])
    hint(day.load_max, max(loads))
    hint(day.load_min, min(loads))
    hint(day.spread, max(loads) - min(loads))


def fixed_from_plan(
    day_groups: list[ChairGroup], instance: DayInstance, plan: Plan
) -> dict[str, Fixed]:
    """Every assignment of ``plan`` as a ``Fixed`` placement."""
    nurse_index = {n.id: k for k, n in enumerate(instance.nurses)}
    group_of = {c.id: g.index for g in day_groups for c in g.chairs}
    return {
        a.request_id: Fixed(a.start, nurse_index[a.nurse_id], group_of[a.chair_id], a.prep_start)
        for a in plan.assignments
    }
