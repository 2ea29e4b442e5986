"""Options in, result out: what ``solve_day`` takes besides the instance and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivmt.scheduling.solver.objective import Objective
from ivmt.scheduling.solver.plan import Plan


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How hard and how reproducibly to search.

    ``time_limit_s`` is the whole budget: baseline, bounds and every CP-SAT call. With
    ``deterministic`` (the default) each CP-SAT call stops on OR-Tools' deterministic work
    counter instead of the wall clock, so the same seed and ``num_workers`` give the same plan on
    any machine and under any load; ``work_units_per_second`` converts the budget (0.3-0.6
    units per second were measured on this project's shared 2-core machine), and the wall clock
    still stops the search at ``hard_stop_factor`` times the budget as a safety net (a plan cut
    short by it may differ between runs). With ``deterministic=False`` the wall clock is the
    only limit: faster to use the budget fully, not reproducible.

    ``bound_bucket_minutes``: resolution of the LP bound's capacity rows. 3-minute buckets solve
    in about a second on a 100-request day and lose a few percent of the bound; 1 is the exact
    time-indexed LP, three to five times slower (the benchmark computes it outside the budget).
    """

    time_limit_s: float = 10.0
    num_workers: int = 1
    seed: int = 0
    deterministic: bool = True
    work_units_per_second: float = 0.5
    hard_stop_factor: float = 3.0
    use_lns: bool = True
    compute_bound: bool = True
    bound_bucket_minutes: int = 3
    log_search: bool = False


@dataclass(frozen=True, slots=True)
class SolveResult:
    """The chosen plan, its objective, and how far from optimal it can be.

    ``lower_bound`` bounds ``objective.total_wait`` from below for every plan that places the
    same requests and respects the fairness guard; ``gap`` is
    ``(total_wait - lower_bound) / max(1, total_wait)``. ``bounds`` lists every bound computed
    (the best is ``lower_bound``). ``baseline`` is the first-come-first-served plan the guard
    was taken from.
    """

    plan: Plan
    objective: Objective
    lower_bound: int
    gap: float
    bounds: dict[str, int]
    baseline: Plan
    baseline_objective: Objective
    status: str
    wall_time_s: float
    stats: dict[str, float] = field(default_factory=dict)
