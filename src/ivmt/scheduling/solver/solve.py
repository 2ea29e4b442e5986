"""``solve_day``: the lexicographic optimisation of one clinic day.

Stages, each warm-started from the previous plan so every stage has a feasible solution from its
first moment (the first-come-first-served plan seeds the chain and also sets the fairness
guard):

1. most priority placed: skipped when the baseline already places everyone, otherwise a short
   CP-SAT search. Later stages keep the placed priority at the level reached but may swap which
   requests are placed (freezing the set was tried first: the brute-force tests caught it
   missing optima where two equal-priority requests compete for one slot).
2. least total wait: the bulk of the budget, spent in large-neighbourhood search (``lns.py``)
   because plain CP-SAT on two cores stalls far from the optimum on 100-request days.
3. least overtime with total wait held at its stage-2 value.
4. most even nurse load with wait and overtime held.

The lower bound on total wait comes from the relaxations in ``bounds.py`` and from CP-SAT's own
bound; the best one is reported.
"""

from __future__ import annotations

import time

from ivmt.scheduling.solver.bounds import wait_lower_bounds
from ivmt.scheduling.solver.cpsat_model import DayModel, add_plan_hint, build_day_model
from ivmt.scheduling.solver.cpsat_run import make_solver, run
from ivmt.scheduling.solver.fcfs import schedule_fcfs
from ivmt.scheduling.solver.instance import DayInstance
from ivmt.scheduling.solver.lns import improve_wait
from ivmt.scheduling.solver.objective import evaluate_plan
from ivmt.scheduling.solver.plan import Plan
from ivmt.scheduling.solver.result import SolveOptions, SolveResult

_STAGE1_SHARE = 0.15
_POLISH_SHARE = 0.06
# Share of the budget the LP bound may take (it usually needs far less).
_BOUND_SHARE = 0.25


def fairness_caps(instance: DayInstance, baseline: Plan) -> dict[str, int]:
    """Latest start per request allowed by the fairness guard (requests the baseline placed)."""
    requests = instance.requests_by_id
    return {
        a.request_id: requests[a.request_id].preferred_start + requests[a.request_id].wait(a.start)
        for a in baseline.assignments
    }


def solve_day(instance: DayInstance, options: SolveOptions | None = None) -> SolveResult:
    """Optimise ``instance`` lexicographically (placed, wait, overtime, nurse load).

    Never returns a plan worse than first-come-first-served on the lexicographic objective, and
    never one where a patient waits longer than under it.
    """
    options = options or SolveOptions()
    began = time.perf_counter()
    budget = options.time_limit_s
    stats: dict[str, float] = {}

    baseline = schedule_fcfs(instance)
    baseline_objective = evaluate_plan(instance, baseline)
    caps = fairness_caps(instance, baseline)
    best = baseline

    def remaining() -> float:
        return budget - (time.perf_counter() - began)

    # Stage 1: most priority placed.
    everyone = {r.id for r in instance.requests}
    min_priority: int | None = None
    if baseline.unplaced:
        day = build_day_model(instance, max_start=caps, required=set())
        if day is not None:
            add_plan_hint(day, baseline)
            day.model.maximize(day.placed_priority)
            outcome = run(day, make_solver(options, budget * _STAGE1_SHARE, 1))
            if outcome.plan is not None and _better_placed(instance, outcome.plan, best):
                best = outcome.plan
            stats["stage1_s"] = outcome.wall_s
        min_priority = evaluate_plan(instance, best).placed_priority
        if min_priority == sum(r.priority for r in instance.requests):
            min_priority = None
    required = everyone if min_priority is None else set()
    day = build_day_model(instance, max_start=caps, required=required, min_priority=min_priority)
    if day is None:  # cannot happen: the incumbent is a solution
        raise AssertionError("the day has no model")

    # Stage 2: least total wait.
    bounds: dict[str, int] = {}
    # Deterministic runs split the nominal budget by fixed shares, so that no stage's work limit
    # depends on how long the previous stages took on the wall clock.
    stage2_budget = (
        budget * (1 - 2 * _POLISH_SHARE - (_STAGE1_SHARE if baseline.unplaced else 0.0))
        if options.deterministic
        else max(0.0, remaining() - budget * 2 * _POLISH_SHARE)
    )
    if options.compute_bound:
        bound_began = time.perf_counter()
        bounds = wait_lower_bounds(
            instance,
            caps,
            time_limit_s=(
                budget * options.hard_stop_factor
                if options.deterministic
                else stage2_budget * _BOUND_SHARE
            ),
            min_priority=min_priority,
            bucket=options.bound_bucket_minutes,
        )
        stats["bound_s"] = time.perf_counter() - bound_began
    best_lb = max(bounds.values(), default=0)
    best, proven, stage_stats = improve_wait(
        day,
        best,
        options,
        caps=caps,
        budget_s=(
            stage2_budget * (1 - _BOUND_SHARE)
            if options.deterministic
            else max(0.0, remaining() - budget * 2 * _POLISH_SHARE)
        ),
        known_bound=best_lb,
        min_priority=min_priority,
    )
    stats.update(stage_stats)
    if proven is not None:
        bounds["cp_sat"] = proven
    best_lb = max(bounds.values(), default=0)
    wait = evaluate_plan(instance, best).total_wait

    # Stages 3 and 4: overtime, then nurse load, each with the earlier values held.
    for name, target in (("overtime", "overtime"), ("nurse_load", "spread")):
        add_plan_hint(day, best)
        day.model.add(day.total_wait <= wait)
        if target == "overtime":
            day.model.minimize(sum(day.overtime))
        else:
            held = evaluate_plan(instance, best).overtime
            day.model.add(sum(day.overtime) <= held)
            day.model.minimize(day.spread)
        outcome = run(day, make_solver(options, max(0.05, budget * _POLISH_SHARE), 3))
        if (
            outcome.plan is not None
            and evaluate_plan(instance, outcome.plan).key() <= evaluate_plan(instance, best).key()
        ):
            best = outcome.plan
        stats[f"{name}_s"] = outcome.wall_s

    plan = best
    objective = evaluate_plan(instance, plan)
    lower = min(best_lb, objective.total_wait)
    status = "OPTIMAL_WAIT" if lower == objective.total_wait else "FEASIBLE"
    return SolveResult(
        plan=plan,
        objective=objective,
        lower_bound=lower,
        gap=(objective.total_wait - lower) / max(1, objective.total_wait),
        bounds=bounds,
        baseline=baseline,
        baseline_objective=baseline_objective,
        status=status,
        wall_time_s=time.perf_counter() - began,
        stats=stats,
    )


def _better_placed(instance: DayInstance, candidate: Plan, incumbent: Plan) -> bool:
    a, b = evaluate_plan(instance, candidate), evaluate_plan(instance, incumbent)
    return a.placed_priority > b.placed_priority


__all__ = ["DayModel", "fairness_caps", "solve_day"]
