"""Series booking keeps the protocol interval, avoids closed days and prefers the target slot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivmt.scheduling.solver import InvalidInstanceError, Window
from ivmt.scheduling.solver.series import DoseTarget, SeriesRules, book_series

MONDAY = date(2026, 3, 2)
CHAIRS = ("C1", "C2", "C3")
RULES = SeriesRules(tolerance_days=2, day_minutes=540, closed_days=frozenset({date(2026, 3, 16)}))


def weekly_then_monthly(start: date = MONDAY, minute: int = 120) -> list[DoseTarget]:
    """Six weekly loading doses, then maintenance every four weeks."""
    doses = []
    day = start
    for i in range(12):
        interval = 7 if i < 6 else 28
        if i:
            day += timedelta(days=interval)
        doses.append(DoseTarget(i, day, minute, 60, interval))
    return doses


def test_books_every_dose_on_its_target_day_and_time_when_the_clinic_is_free() -> None:
    doses = weekly_then_monthly()[:2]  # the third target, 16 March, is a closed day

    proposal = book_series(doses, chairs=CHAIRS, occupancy={}, rules=RULES)

    assert [(c.day, c.start_minute) for c in proposal.chosen] == [
        (d.target_date, d.start_minute) for d in doses
    ]
    assert all(d.conflicts == () for d in proposal.decisions)


def test_moves_a_dose_off_a_closed_day_within_the_tolerance_and_says_why() -> None:
    proposal = book_series(weekly_then_monthly(), chairs=CHAIRS, occupancy={}, rules=RULES)

    third = proposal.decisions[2]
    assert third.chosen is not None
    assert third.chosen.day != date(2026, 3, 16)
    assert abs(third.chosen.days_from_target) <= 2
    assert third.conflicts == ("dose 2 on 2026-03-16: the clinic is closed",)


def test_keeps_the_day_and_moves_the_time_when_every_chair_is_taken_at_the_preferred_time() -> None:
    busy = {c: [Window(100, 200)] for c in CHAIRS}
    doses = weekly_then_monthly()[:1]

    proposal = book_series(doses, chairs=CHAIRS, occupancy={MONDAY: busy}, rules=RULES)

    chosen = proposal.decisions[0].chosen
    assert chosen is not None
    assert (chosen.day, chosen.start_minute) == (MONDAY, 210)  # 120 + 90, the nearest free
    assert proposal.decisions[0].alternatives  # other days offered too


def test_reports_a_conflict_when_no_day_in_the_tolerance_has_a_free_chair() -> None:
    full = {c: [Window(0, 540)] for c in CHAIRS}
    occupancy = {MONDAY + timedelta(days=k): full for k in range(-3, 4)}

    proposal = book_series(
        weekly_then_monthly()[:1],
        chairs=CHAIRS,
        occupancy=occupancy,
        rules=RULES,
        may_shift_series=False,
    )

    assert proposal.decisions[0].chosen is None
    assert "no free chair" in proposal.decisions[0].conflicts[-1]


def test_moves_a_new_series_to_another_weekday_when_its_weekday_is_full_for_weeks() -> None:
    full = {c: [Window(0, 540)] for c in CHAIRS}
    mondays = {MONDAY + timedelta(weeks=k): full for k in range(6)}
    doses = weekly_then_monthly()[:4]

    proposal = book_series(doses, chairs=CHAIRS, occupancy=mondays, rules=RULES)

    assert proposal.shift_days == 1
    assert [c.day.weekday() for c in proposal.chosen] == [1, 1, 1, 1]
    assert all(c.on_target_day for c in proposal.chosen)


def test_refuses_a_series_without_chairs() -> None:
    with pytest.raises(InvalidInstanceError, match="no chairs"):
        book_series(weekly_then_monthly(), chairs=(), occupancy={}, rules=RULES)


def test_decides_a_twelve_dose_series_on_a_busy_calendar_in_well_under_200_ms() -> None:
    busy = {c: [Window(m, m + 50) for m in range(0, 540, 60)] for c in CHAIRS}
    occupancy = {MONDAY + timedelta(days=k): busy for k in range(400)}

    proposal = book_series(weekly_then_monthly(), chairs=CHAIRS, occupancy=occupancy, rules=RULES)

    assert proposal.elapsed_ms < 200


@st.composite
def calendars(draw: st.DrawFn) -> tuple[dict[date, dict[str, list[Window]]], frozenset[date]]:
    occupancy: dict[date, dict[str, list[Window]]] = {}
    for _ in range(draw(st.integers(0, 40))):
        day = MONDAY + timedelta(days=draw(st.integers(-3, 330)))
        chair = draw(st.sampled_from(CHAIRS))
        start = draw(st.integers(0, 500))
        occupancy.setdefault(day, {}).setdefault(chair, []).append(
            Window(start, start + draw(st.integers(10, 300)))
        )
    closed = frozenset(
        MONDAY + timedelta(days=d) for d in draw(st.lists(st.integers(-3, 330), max_size=30))
    )
    return occupancy, closed


@settings(max_examples=60, deadline=None)
@given(calendar=calendars(), tolerance=st.integers(0, 3), minute=st.integers(0, 480))
def test_chosen_slots_keep_intervals_avoid_closed_days_and_free_chairs(
    calendar: tuple[dict[date, dict[str, list[Window]]], frozenset[date]],
    tolerance: int,
    minute: int,
) -> None:
    occupancy, closed = calendar
    rules = SeriesRules(tolerance_days=tolerance, day_minutes=540, closed_days=closed)
    doses = weekly_then_monthly(minute=minute)

    proposal = book_series(doses, chairs=CHAIRS, occupancy=occupancy, rules=rules)

    previous = None
    for decision in proposal.decisions:
        choice = decision.chosen
        if choice is None:
            previous = None
            continue
        assert not rules.is_closed(choice.day)
        end = choice.start_minute + decision.dose.duration_minutes
        assert choice.start_minute >= 0
        assert end <= 540
        taken = occupancy.get(choice.day, {}).get(choice.chair_id, [])
        assert not any(w.start < end and choice.start_minute < w.end for w in taken)
        if previous is not None:
            gap = (choice.day - previous).days
            assert abs(gap - decision.dose.interval_days) <= tolerance
        previous = choice.day
