"""Running one CP-SAT search on a day model and reading the plan back."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from ivmt.scheduling.solver.chair_colouring import colour_chairs
from ivmt.scheduling.solver.cpsat_model import DayModel
from ivmt.scheduling.solver.plan import Assignment, Plan
from ivmt.scheduling.solver.result import SolveOptions


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one search returned."""

    status: str
    plan: Plan | None
    objective_value: float
    best_bound: float
    work: float
    wall_s: float


def make_solver(options: SolveOptions, budget_s: float, seed_offset: int = 0) -> cp_model.CpSolver:
    """A solver honouring the options' determinism for a ``budget_s`` share of the budget."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = options.num_workers
    params.random_seed = options.seed + seed_offset
    params.log_search_progress = options.log_search
    budget_s = max(budget_s, 0.01)
    if options.deterministic:
        params.max_deterministic_time = budget_s * options.work_units_per_second
        # The wall clock is only a safety net: a call cut short by it would not be reproducible,
        # so it gets the whole run's allowance rather than a multiple of its own share.
        params.max_time_in_seconds = options.time_limit_s * options.hard_stop_factor
        # Several workers are only reproducible when they take turns.
        if options.num_workers > 1:
            params.interleave_search = True
    else:
        params.max_time_in_seconds = budget_s
    return solver


def run(day: DayModel, solver: cp_model.CpSolver) -> RunOutcome:
    """Solve ``day.model`` and return the plan when one was found."""
    code = solver.solve(day.model)
    status = solver.status_name(code)
    plan = extract_plan(day, solver) if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return RunOutcome(
        status=status,
        plan=plan,
        objective_value=solver.objective_value if plan is not None else float("inf"),
        best_bound=solver.best_objective_bound,
        work=solver.response_proto.deterministic_time,
        wall_s=solver.wall_time,
    )


def extract_plan(day: DayModel, solver: cp_model.CpSolver) -> Plan:
    """The plan in the solver's current solution, with concrete chairs."""
    placed: list[tuple[str, int, int, int, int]] = []
    unplaced: list[str] = []
    for rid, v in day.vars.items():
        if not solver.boolean_value(v.present):
            unplaced.append(rid)
            continue
        start = solver.value(v.start)
        nurse = next(k for k, lit in v.nurse.items() if solver.boolean_value(lit))
        group = next(g for g, lit in v.group.items() if solver.boolean_value(lit))
        placed.append((rid, start, nurse, group, solver.value(v.prep)))
    listed = {v for v in day.vars}
    unplaced += [r.id for r in day.instance.requests if r.id not in listed]
    return assemble_plan(day, placed, unplaced)


def assemble_plan(
    day: DayModel, placed: list[tuple[str, int, int, int, int]], unplaced: list[str]
) -> Plan:
    """Plan from ``(request_id, start, nurse_index, group_index, prep_start)`` tuples."""
    visits = [(rid, g, s, s + day.vars[rid].request.duration) for rid, s, _, g, _ in placed]
    chair_of = colour_chairs(day.groups, visits)
    nurses = day.instance.nurses
    assignments = [
        Assignment(
            request_id=rid,
            start=s,
            chair_id=chair_of[rid],
            nurse_id=nurses[k].id,
            prep_start=q,
        )
        for rid, s, k, _, q in placed
    ]
    return Plan.of(assignments, unplaced)
