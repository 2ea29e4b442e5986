"""Outcomes fall due along the series: baseline, visit checks, week 6, end of loading, monthly."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from ivmt.clinical.assessment_plan import (
    PlannedDose,
    PlannedReview,
    assessment_plan,
    timepoint_for_review,
)
from ivmt.clinical.protocols import ClinicCalendar, expand

MONDAY = date(2026, 11, 23)
WEEKENDS = ClinicCalendar.from_names(["sat", "sun"])


def _plan(protocol_id: str, codes: tuple[str, ...], **choices):
    schedule = expand(protocol_id, MONDAY, WEEKENDS, **choices)
    return assessment_plan(
        indication_codes=codes,
        doses=[PlannedDose(d.number, d.phase_id, d.date) for d in schedule.doses],
        reviews=[PlannedReview(r.id, r.date) for r in schedule.reviews],
    )


def test_seed_clinic_fibromyalgia_plan():
    plan = _plan("seed_clinic", ("fibromyalgia",))
    by_point: dict[str, list] = {}
    for item in plan:
        by_point.setdefault(item.timepoint, []).append(item)
    (baseline,) = by_point["baseline"]
    assert baseline.due_on == MONDAY
    assert baseline.instruments == ("fiqr", "pain_nrs", "tender_points", "phq9")
    visits = by_point["visit"]
    assert [v.dose_number for v in visits] == list(range(2, 19))  # 12 loading + 6 maintenance
    assert visits[0].instruments == ("pain_nrs", "side_effects_check")
    (week_6,) = by_point["week_6"]
    assert week_6.due_on == MONDAY + timedelta(weeks=6)
    assert week_6.instruments == ("fiqr", "pain_nrs", "tender_points", "phq9", "pgic")
    (end,) = by_point["end_of_loading"]
    assert end.due_on == MONDAY + timedelta(weeks=12)
    # Maintenance every 14 days: a full assessment at its 1st, 3rd and 5th dose (every 28 days).
    monthly = by_point["maintenance"]
    assert [m.dose_number for m in monthly] == [13, 15, 17]
    assert [(b.due_on - a.due_on).days for a, b in itertools.pairwise(monthly)] == [
        28,
        28,
    ]


def test_migraine_article_has_no_week_6_review_but_an_end_of_loading_one():
    plan = _plan(
        "migraine_article", ("migraine",), doses={"loading": 6}, intervals={"maintenance": 28}
    )
    points = [a.timepoint for a in plan]
    assert "week_6" not in points
    end = next(a for a in plan if a.timepoint == "end_of_loading")
    assert end.due_on == MONDAY + timedelta(weeks=6)
    assert end.instruments[0] == "monthly_migraine_days"
    # Monthly maintenance: every maintenance dose is a monthly assessment.
    assert sum(a.timepoint == "maintenance" for a in plan) == 6


def test_yale_protocol_has_end_of_treatment_and_a_four_week_follow_up():
    plan = _plan("yale_2009", ("fibromyalgia",))
    assert timepoint_for_review("end_of_treatment_assessment") == "end_of_loading"
    follow_up = next(a for a in plan if a.timepoint == "follow_up")
    last_dose = MONDAY + timedelta(weeks=7)
    assert follow_up.due_on == last_dose + timedelta(days=28)


def test_plan_is_in_date_order_with_the_baseline_first():
    plan = _plan("seed_clinic", ("migraine",))
    assert plan[0].timepoint == "baseline"
    assert [a.due_on for a in plan] == sorted(a.due_on for a in plan)


def test_without_an_indication_only_the_visit_checks_are_planned():
    plan = _plan("seed_clinic", ())
    assert {a.timepoint for a in plan} == {"visit"}


def test_keys_identify_visits_by_dose():
    plan = _plan("seed_clinic", ("asthma",))
    keys = [a.key for a in plan]
    assert "visit:2" in keys and "week_6" in keys and len(keys) == len(set(keys))


def test_seed_clinic_week_6_review_may_end_loading_and_choose_monthly_maintenance():
    plan = _plan(
        "seed_clinic", ("fibromyalgia",), doses={"loading": 6}, intervals={"maintenance": 28}
    )
    doses = [a for a in plan if a.timepoint == "visit"]
    schedule = expand(
        "seed_clinic", MONDAY, WEEKENDS, doses={"loading": 6}, intervals={"maintenance": 28}
    )
    loading = [d for d in schedule.doses if d.phase_id == "loading"]
    maintenance = [d for d in schedule.doses if d.phase_id == "maintenance"]
    assert len(loading) == 6
    assert maintenance[0].date == loading[-1].date + timedelta(days=28)
    # The week-6 review and the end of the (shortened) loading fall on the same day.
    reviews = {r.id: r.date for r in schedule.reviews}
    assert reviews["week_6_review"] == reviews["end_of_loading_review"]
    assert doses[-1].dose_number == 12
