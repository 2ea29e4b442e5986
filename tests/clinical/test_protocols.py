"""Protocols expand from a start date into dated doses and reviews, skipping closed days."""

from datetime import date, timedelta
from itertools import pairwise

import pytest

from ivmt.clinical.errors import ScheduleError, UnknownProtocol
from ivmt.clinical.protocols import ClinicCalendar, expand, protocol, protocols

WEEKENDS = ClinicCalendar.from_names(["sat", "sun"])
MONDAY = date(2026, 11, 23)


def test_three_protocols_are_defined():
    assert [p.id for p in protocols()] == ["seed_clinic", "migraine_article", "yale_2009"]


def test_seed_clinic_is_weekly_for_12_weeks_with_a_week_6_review_then_twice_monthly():
    schedule = expand("seed_clinic", MONDAY, WEEKENDS)
    loading = [d for d in schedule.doses if d.phase_id == "loading"]
    maintenance = [d for d in schedule.doses if d.phase_id == "maintenance"]
    assert [d.date for d in loading] == [MONDAY + timedelta(weeks=i) for i in range(12)]
    assert maintenance[0].date == loading[-1].date + timedelta(days=14)
    assert {(b.date - a.date).days for a, b in pairwise(maintenance)} == {14}
    reviews = {r.id: r.date for r in schedule.reviews}
    assert reviews["week_6_review"] == MONDAY + timedelta(weeks=6)
    assert reviews["end_of_loading_review"] == MONDAY + timedelta(weeks=12)


def test_seed_clinic_reading_of_the_ambiguous_seed_is_marked_design():
    assert protocol("seed_clinic").provenance.status == "design"


def test_migraine_protocol_loads_4_to_8_weeks_then_every_2_or_4_weeks():
    default = expand("migraine_article", MONDAY)
    assert sum(d.phase_id == "loading" for d in default.doses) == 4
    longer = expand("migraine_article", MONDAY, doses={"loading": 8}, intervals={"maintenance": 28})
    loading = [d for d in longer.doses if d.phase_id == "loading"]
    maintenance = [d for d in longer.doses if d.phase_id == "maintenance"]
    assert len(loading) == 8
    assert maintenance[0].date - loading[-1].date == timedelta(days=28)
    review = longer.reviews[0]
    assert review.date == loading[-1].date + timedelta(days=7)


@pytest.mark.parametrize(
    ("doses", "intervals", "words"),
    [
        ({"loading": 3}, {}, "outside 4-8"),
        ({"loading": 9}, {}, "outside 4-8"),
        ({}, {"maintenance": 21}, "not allowed; use 14, 28"),
        ({"induction": 4}, {}, "no phase 'induction'"),
    ],
)
def test_refuses_choices_the_protocol_does_not_allow(doses, intervals, words):
    with pytest.raises(ScheduleError, match=words):
        expand("migraine_article", MONDAY, doses=doses, intervals=intervals)


def test_yale_is_weekly_for_8_with_assessments_1_and_4_weeks_after_the_last_dose():
    schedule = expand("yale_2009", MONDAY)
    assert len(schedule.doses) == 8
    last = schedule.doses[-1].date
    assert [r.date for r in schedule.reviews] == [
        last + timedelta(days=7),
        last + timedelta(days=28),
    ]


def test_a_start_on_a_closed_day_anchors_the_series_on_the_next_open_day():
    saturday = date(2026, 11, 28)
    schedule = expand("yale_2009", saturday, WEEKENDS)
    assert schedule.anchor == date(2026, 11, 30)
    assert all(d.date.weekday() == 0 for d in schedule.doses)


def test_a_holiday_moves_one_dose_later_without_shifting_the_rest():
    christmas_friday = date(2026, 12, 25)
    calendar = ClinicCalendar.from_names(["sat", "sun"], [christmas_friday])
    schedule = expand("yale_2009", date(2026, 12, 18), calendar)
    moved = [d for d in schedule.doses if d.shift_days]
    assert [(d.number, d.nominal_date, d.date) for d in moved] == [
        (2, christmas_friday, date(2026, 12, 24))  # Thursday: +1 (Sat) and +2 (Sun) are closed
    ]
    assert schedule.doses[2].date == date(2027, 1, 1)


def test_prefers_a_later_day_when_both_neighbours_are_open():
    wednesday = date(2026, 11, 25)
    schedule = expand(
        "yale_2009", date(2026, 11, 18), ClinicCalendar(closed_dates=frozenset({wednesday}))
    )
    assert schedule.doses[1].date == wednesday + timedelta(days=1)


def test_fails_clearly_when_no_open_day_is_within_the_tolerance():
    closed = frozenset(date(2026, 11, 30) + timedelta(days=i) for i in range(-3, 4))
    with pytest.raises(ScheduleError, match="dose 2 is due on 2026-11-30"):
        expand("yale_2009", MONDAY, ClinicCalendar(closed_dates=closed))


def test_a_clinic_closed_every_weekday_is_refused():
    with pytest.raises(ScheduleError, match="every day"):
        ClinicCalendar(closed_weekdays=frozenset(range(7)))


def test_unknown_weekday_names_are_refused():
    with pytest.raises(ScheduleError, match="Unknown weekday 'caturday'"):
        ClinicCalendar.from_names(["caturday"])


def test_weekday_names_accept_full_names_and_case():
    assert ClinicCalendar.from_names(["Saturday", "SUN"]).closed_weekdays == frozenset({5, 6})


def test_unknown_protocol_is_refused():
    with pytest.raises(UnknownProtocol, match="Known protocols: seed_clinic"):
        expand("daily_forever", MONDAY)


def test_schedule_records_the_knowledge_version():
    assert expand("yale_2009", MONDAY).knowledge_version
