"""The solver is reproducible and reports honest bounds."""

from __future__ import annotations

from bench.instances import generate_day

from ivmt.scheduling.solver import solve_day
from ivmt.scheduling.solver.result import SolveOptions


def test_same_seed_and_workers_give_the_same_plan() -> None:
    day = generate_day(0.75, 0.9, 4).instance
    # A generous wall-clock safety net: the test machine may be busy, and a run cut short by
    # the wall clock is the one case the options do not promise to reproduce.
    options = SolveOptions(time_limit_s=1.0, num_workers=1, seed=7, hard_stop_factor=30)

    first = solve_day(day, options)
    second = solve_day(day, options)

    assert first.plan == second.plan
    assert first.objective == second.objective


def test_two_workers_are_reproducible_too() -> None:
    day = generate_day(0.6, 0.9, 4).instance
    options = SolveOptions(time_limit_s=0.8, num_workers=2, seed=3, hard_stop_factor=30)

    assert solve_day(day, options).plan == solve_day(day, options).plan


def test_gap_and_bound_describe_the_returned_plan() -> None:
    day = generate_day(0.9, 0.7, 5).instance

    result = solve_day(day, SolveOptions(time_limit_s=1.5, num_workers=1, deterministic=False))

    assert 0 <= result.lower_bound <= result.objective.total_wait
    assert result.lower_bound == min(max(result.bounds.values()), result.objective.total_wait)
    expected_gap = (result.objective.total_wait - result.lower_bound) / max(
        1, result.objective.total_wait
    )
    assert result.gap == expected_gap


def test_nobody_waits_longer_than_under_first_come_first_served() -> None:
    day = generate_day(0.9, 0.9, 6).instance

    result = solve_day(day, SolveOptions(time_limit_s=1.5, num_workers=1, deterministic=False))

    baseline = result.baseline.by_request()
    requests = day.requests_by_id
    for a in result.plan.assignments:
        if a.request_id in baseline:
            r = requests[a.request_id]
            assert r.wait(a.start) <= r.wait(baseline[a.request_id].start)
