"""A plan for the day: the solver's, the baseline's, or one typed in by hand.

Plans are plain data so the independent checker (``checker.py``) can verify any of them without
knowing who produced it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where and when one request is placed (minutes from opening)."""

    request_id: str
    start: int
    chair_id: str
    nurse_id: str
    prep_start: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Placed requests (sorted by start, then id) and the ids left unplaced."""

    assignments: tuple[Assignment, ...]
    unplaced: tuple[str, ...] = ()

    def by_request(self) -> dict[str, Assignment]:
        """Assignments keyed by request id."""
        return {a.request_id: a for a in self.assignments}

    @staticmethod
    def of(assignments: list[Assignment], unplaced: list[str]) -> Plan:
        """Build a plan in canonical order, so equal plans compare equal."""
        return Plan(
            tuple(sorted(assignments, key=lambda a: (a.start, a.request_id))),
            tuple(sorted(unplaced)),
        )
