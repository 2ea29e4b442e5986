"""Day scheduling optimiser for infusion chairs, nurses and pharmacy (plain Python + CP-SAT)."""

from ivmt.scheduling.solver.checker import Violation, check_plan
from ivmt.scheduling.solver.errors import InvalidInstanceError
from ivmt.scheduling.solver.fcfs import schedule_fcfs
from ivmt.scheduling.solver.instance import Chair, DayInstance, Nurse, Pharmacy, Request, Window
from ivmt.scheduling.solver.objective import Objective, evaluate_plan
from ivmt.scheduling.solver.plan import Assignment, Plan
from ivmt.scheduling.solver.result import SolveOptions, SolveResult
from ivmt.scheduling.solver.series import (
    DoseDecision,
    DoseTarget,
    SeriesProposal,
    SeriesRules,
    SlotChoice,
    book_series,
)
from ivmt.scheduling.solver.solve import solve_day

__all__ = [
    "Assignment",
    "Chair",
    "DayInstance",
    "DoseDecision",
    "DoseTarget",
    "InvalidInstanceError",
    "Nurse",
    "Objective",
    "Pharmacy",
    "Plan",
    "Request",
    "SeriesProposal",
    "SeriesRules",
    "SlotChoice",
    "SolveOptions",
    "SolveResult",
    "Violation",
    "Window",
    "book_series",
    "check_plan",
    "evaluate_plan",
    "schedule_fcfs",
    "solve_day",
]
