"""The independent checker names every broken rule in a hand-made plan."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.scheduling.solver.days import clinic_day

from ivmt.scheduling.solver import Assignment, DayInstance, Plan, Window
from ivmt.scheduling.solver.checker import check_plan


def valid_plan() -> Plan:
    """Pat and Ann at opening, Bob after them on chair 1, Cal on chair 2 at his time."""
    return Plan(
        (
            Assignment("pat", 0, "C1", "nadia", -20),
            Assignment("ann", 0, "C2", "nick", -10),
            Assignment("bob", 50, "C1", "nadia", 40),
            Assignment("cal", 60, "C2", "nick", 10),
        )
    )


def with_change(plan: Plan, request_id: str, **changes: object) -> Plan:
    return Plan(
        tuple(replace(a, **changes) if a.request_id == request_id else a for a in plan.assignments),  # type: ignore[arg-type]
        plan.unplaced,
    )


def kinds(day: DayInstance, plan: Plan, reference: Plan | None = None) -> set[str]:
    return {v.kind for v in check_plan(day, plan, fairness_reference=reference)}


def test_accepts_the_hand_made_valid_plan() -> None:
    assert check_plan(clinic_day(), valid_plan(), fairness_reference=valid_plan()) == []


def test_refuses_two_patients_in_one_chair_at_once() -> None:
    plan = with_change(valid_plan(), "cal", chair_id="C1")

    violations = check_plan(clinic_day(), plan)

    assert [v.kind for v in violations] == ["chair_double_use"]
    assert "chair C1 holds bob and cal at once" in violations[0].message


def test_refuses_more_patients_than_the_nurse_cap() -> None:
    day = clinic_day()
    day = replace(day, nurses=(replace(day.nurses[0], max_concurrent=1), day.nurses[1]))
    plan = with_change(valid_plan(), "ann", nurse_id="nadia", start=10, prep_start=0)

    assert "nurse_concurrency" in kinds(day, plan)


def test_refuses_one_nurse_placing_two_ivs_at_once() -> None:
    plan = with_change(valid_plan(), "ann", nurse_id="nadia")

    assert kinds(clinic_day(), plan) == {"placement_overlap"}


def test_refuses_a_placement_during_the_nurses_break() -> None:
    plan = with_change(valid_plan(), "cal", start=115, nurse_id="nadia", prep_start=105)

    assert "placement_in_break" in kinds(clinic_day(), plan)


def test_refuses_a_placement_before_the_shift_starts() -> None:
    day = clinic_day()
    day = replace(day, nurses=(day.nurses[0], replace(day.nurses[1], shift=Window(30, 480))))

    assert kinds(day, valid_plan()) == {"outside_shift"}


def test_refuses_a_visit_ending_after_the_overtime_allowed() -> None:
    day = clinic_day()
    late = replace(day.requests[3], latest_start=480)
    long_chair = replace(day.chairs[0], windows=(Window(0, 600),))
    day = replace(day, requests=(*day.requests[:3], late), chairs=(long_chair, day.chairs[1]))
    plan = with_change(valid_plan(), "cal", start=440, chair_id="C1", prep_start=430)

    assert kinds(day, plan) == {"outside_shift"}


def test_refuses_a_visit_outside_the_chairs_service_window() -> None:
    plan = with_change(valid_plan(), "cal", start=120, prep_start=110)

    assert kinds(clinic_day(), plan) == {"outside_chair_window"}


def test_refuses_a_start_before_the_patients_earliest_time() -> None:
    plan = with_change(valid_plan(), "bob", start=10, chair_id="C1", prep_start=5)
    plan = with_change(plan, "pat", start=25, prep_start=20)

    assert "outside_request_window" in kinds(clinic_day(), plan)


@pytest.mark.parametrize("prep_start", [20, 55])
def test_refuses_a_bag_prepared_outside_its_bud_window(prep_start: int) -> None:
    plan = with_change(valid_plan(), "bob", prep_start=prep_start)

    assert kinds(clinic_day(), plan) == {"bud_window"}


def test_refuses_a_preparation_while_the_pharmacy_is_closed() -> None:
    plan = with_change(valid_plan(), "pat", prep_start=-80)

    assert kinds(clinic_day(), plan) == {"outside_pharmacy_window"}


def test_refuses_more_bags_in_preparation_than_stations() -> None:
    plan = with_change(valid_plan(), "ann", prep_start=-20)

    assert kinds(clinic_day(), plan) == {"pharmacy_capacity"}


def test_refuses_a_patient_waiting_longer_than_under_first_come_first_served() -> None:
    reference = with_change(valid_plan(), "bob", start=20)

    violations = check_plan(clinic_day(), valid_plan(), fairness_reference=reference)

    assert [v.kind for v in violations] == ["fairness"]
    assert "bob waits 30 min, longer than the 0 min" in violations[0].message


def test_refuses_unknown_duplicate_and_missing_requests() -> None:
    plan = Plan(
        (
            *valid_plan().assignments[:3],
            Assignment("bob", 50, "C1", "nadia", 40),
            Assignment("zed", 0, "C1", "nadia", 0),
        )
    )

    assert kinds(clinic_day(), plan) == {"duplicate", "unknown_id", "missing"}
