"""On days small enough to enumerate, the solver finds the lexicographic optimum."""

from __future__ import annotations

import pytest
from tests.scheduling.solver.brute_force import brute_force_optimum
from tests.scheduling.solver.days import tiny_day

from ivmt.scheduling.solver import solve_day
from ivmt.scheduling.solver.result import SolveOptions


@pytest.mark.parametrize("seed", range(12))
def test_solver_objective_equals_brute_force_optimum(seed: int) -> None:
    day = tiny_day(seed)
    result = solve_day(day, SolveOptions(time_limit_s=2.0, num_workers=1, seed=0))

    expected = brute_force_optimum(day, result.baseline)

    assert result.objective.key() == expected
