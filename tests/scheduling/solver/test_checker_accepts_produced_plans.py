"""Every plan the baseline and the solver produce passes the independent checker."""

from __future__ import annotations

import pytest
from bench.instances import generate_day
from tests.scheduling.solver.days import clinic_day, tiny_day

from ivmt.scheduling.solver import schedule_fcfs, solve_day
from ivmt.scheduling.solver.checker import check_plan
from ivmt.scheduling.solver.result import SolveOptions

GENERATED = [(0.6, 0.7, 1), (0.75, 0.9, 2), (0.9, 1.0, 3)]


@pytest.mark.parametrize(("chair_load", "nurse_load", "seed"), GENERATED)
def test_generated_day_plans_pass_the_checker(
    chair_load: float, nurse_load: float, seed: int
) -> None:
    day = generate_day(chair_load, nurse_load, seed).instance

    result = solve_day(day, SolveOptions(time_limit_s=1.5, num_workers=1, deterministic=False))

    assert check_plan(day, result.baseline) == []
    assert check_plan(day, result.plan, fairness_reference=result.baseline) == []
    assert result.objective.key() <= result.baseline_objective.key()
    assert result.lower_bound <= result.objective.total_wait


@pytest.mark.parametrize("seed", range(20))
def test_tiny_day_plans_pass_the_checker(seed: int) -> None:
    day = tiny_day(100 + seed)

    result = solve_day(day, SolveOptions(time_limit_s=1.0, num_workers=1, deterministic=False))

    assert check_plan(day, schedule_fcfs(day)) == []
    assert check_plan(day, result.plan, fairness_reference=result.baseline) == []


def test_first_come_first_served_places_in_booking_order_at_the_earliest_free_minute() -> None:
    plan = schedule_fcfs(clinic_day()).by_request()

    # Pat and Ann take both chairs at opening; Bob (booked third) waits until one frees at 50;
    # Cal then takes the other chair at his preferred 60.
    assert [plan[r].start for r in ("pat", "ann", "bob", "cal")] == [0, 0, 50, 60]
