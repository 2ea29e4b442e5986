"""The pure clinical-core modules of charting: vital signs and hold limits, side effects, the
running rate against the label limits, progress, push or infusion, next-dose advice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.next_dose import CurrentOrder, advise
from ivmt.clinical.running_rate import (
    RateError,
    Segment,
    administration_kind,
    check_rate,
    max_rate_ml_per_h,
    progress,
)
from ivmt.clinical.side_effects import needs_adverse_event, side_effect, side_effects
from ivmt.clinical.vital_signs import (
    HoldLimitError,
    VitalSignError,
    check_hold_limits,
    check_reading,
    hold_limit_defaults,
    hold_limits,
    holds,
)

SEED = {
    "magnesium_chloride_20": D(5),
    "calcium_gluconate_10": D(3),
    "hydroxocobalamin_1000": D(1),
    "pyridoxine_100": D(1),
    "dexpanthenol_250": D(1),
    "b_complex_100": D(1),
    "ascorbic_acid_500": D(5),
    "sterile_water": D(20),
}
ORDER = CurrentOrder("seed_recipe", SEED, "small_bag", D(45), D(100), "peripheral_900")
T0 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_every_hold_limit_is_clinic_policy_marked_design() -> None:
    assert {limit.provenance.status for limit in hold_limits()} == {"design"}
    assert hold_limit_defaults()["systolic_below"] == D(90)


def test_low_systolic_pressure_is_outside_the_default_hold_limit() -> None:
    found = holds(
        check_reading({"systolic_mmhg": "89", "diastolic_mmhg": "60"}), hold_limit_defaults()
    )
    assert [h.limit_id for h in found] == ["systolic_below"]
    assert not holds(
        check_reading({"systolic_mmhg": "90", "diastolic_mmhg": "60"}), hold_limit_defaults()
    )


@pytest.mark.parametrize(
    "values",
    [
        {"systolic_mmhg": "39", "diastolic_mmhg": "20"},
        {"systolic_mmhg": "120", "diastolic_mmhg": "120"},
        {"systolic_mmhg": "120"},
        {"heart_rate_bpm": "1e400"},
        {"heart_rate_bpm": 72.0},
        {"temperature_c": "37.25"},
        {"pulse": "70"},
    ],
)
def test_impossible_readings_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(VitalSignError):
        check_reading(values)


def test_hold_limits_stay_within_their_ranges() -> None:
    with pytest.raises(HoldLimitError, match="outside the allowed range 70-110 mmHg"):
        check_hold_limits({"systolic_below": D(60)})
    with pytest.raises(HoldLimitError, match="must be a number"):
        check_hold_limits({"systolic_below": "ninety"})
    with pytest.raises(HoldLimitError):
        check_hold_limits({"made_up": D(1)})


def test_the_seeds_side_effects_are_all_there() -> None:
    ids = {e.id for e in side_effects()}
    assert {
        "heat_sensation",
        "cold_tingling",
        "visual_changes",
        "light_headedness",
        "fainting",
        "low_potassium",
        "anaphylaxis",
        "limb_pain",
        "vitamin_taste",
        "vitamin_breath",
        "site_burning",
        "site_tightness",
        "site_redness",
        "site_swelling",
    } == ids
    assert {e.id for e in side_effects() if e.kind == "extravasation"} == {
        "site_burning",
        "site_tightness",
        "site_redness",
        "site_swelling",
    }
    assert needs_adverse_event("anaphylaxis", "mild")
    assert needs_adverse_event("heat_sensation", "severe")
    assert not needs_adverse_event("heat_sensation", "moderate")
    assert side_effect("site_swelling").prompts_stop


def test_the_fastest_rate_within_the_label_limits() -> None:
    bag = compose_bag("seed_recipe", SEED)
    # Magnesium chloride 1000 mg at ≤ 48 mg/min: at least 20.83 min; 137 mL in that time.
    assert max_rate_ml_per_h(bag, D(137)) == D("394.5")
    assert check_rate(bag, D(137), D("394.5")).within_limits
    over = check_rate(bag, D(137), D("394.6"))
    assert not over.within_limits and over.over_limit[0].ingredient_id == "magnesium_chloride_20"


@pytest.mark.parametrize("rate", [0, -1, D("1000"), "fast", 12.5])
def test_implausible_rates_are_refused(rate: object) -> None:
    with pytest.raises(RateError):
        check_rate(compose_bag("seed_recipe", SEED), D(137), rate)


# From 6 mL/h (137 mL within a day) to a pump's 999 mL/h.
@given(st.decimals(min_value=D(6), max_value=D(999), places=1))
def test_a_rate_is_over_the_limit_exactly_when_it_is_faster_than_the_fastest(rate: D) -> None:
    checked = check_rate(compose_bag("seed_recipe", SEED), D(137), rate)
    assert checked.max_rate_ml_per_h is not None
    assert checked.within_limits == (rate <= checked.max_rate_ml_per_h)


def test_progress_leaves_out_pauses_and_counts_time_left_at_the_current_rate() -> None:
    segments = [
        Segment(T0, D(120)),
        Segment(T0 + timedelta(minutes=10), D(0)),
        Segment(T0 + timedelta(minutes=15), D(60)),
    ]
    done = progress(segments, D(100), T0 + timedelta(minutes=25))
    assert done.infused_ml == D(30) and done.running_min == D(20)
    assert done.minutes_left == D(70)
    paused = progress(segments[:2], D(100), T0 + timedelta(minutes=12))
    assert paused.minutes_left is None
    assert progress(segments[:1], D(10), T0 + timedelta(hours=2)).infused_ml == D(10)
    with pytest.raises(ClinicalError):
        progress([Segment(T0.replace(tzinfo=None), D(1))], D(1), T0)


def test_fifteen_minutes_is_a_push_and_a_second_more_an_infusion() -> None:
    assert administration_kind(T0, T0 + timedelta(minutes=15)) == "push"
    assert administration_kind(T0, T0 + timedelta(minutes=15, seconds=1)) == "infusion"
    with pytest.raises(ClinicalError):
        administration_kind(T0, T0 - timedelta(minutes=1))


def test_advice_lengthens_and_dilutes_with_the_resulting_figures() -> None:
    slower = advise(ORDER, ["heat_sensation"])
    assert slower is not None and slower.changed
    assert slower.duration_min == D(70) and slower.into_saline_ml == D(100)
    both = advise(ORDER, ["limb_pain"])
    assert both is not None and (both.duration_min, both.into_saline_ml) == (D(70), D(250))
    assert round(both.proposed.final_osmolarity_mosm_per_l) == 445
    assert advise(ORDER, ["vitamin_taste", "cold_tingling"]) is None
    informs = advise(ORDER, ["visual_changes"])
    assert informs is not None and not informs.changed
    assert "Reported to the physician: visual changes" in informs.summary()


def test_advice_stops_at_its_limits_and_says_so() -> None:
    long = CurrentOrder("seed_recipe", SEED, "small_bag", D(120), D(500), None)
    advice = advise(long, ["limb_pain"])
    assert advice is not None and not advice.changed
    assert "already at 120 minutes" in advice.summary()
    assert "largest saline bag" in advice.summary()
    push = CurrentOrder("yale_2009", SEED, "slow_push", D(10), None, None)
    advice = advise(push, ["limb_pain"])
    assert advice is not None and advice.duration_min == D(15)  # the push's typical upper time
    assert "cannot be added to a saline bag" in advice.summary()


@given(st.integers(min_value=30, max_value=119))
def test_advice_is_always_longer_and_never_beyond_the_cap(minutes: int) -> None:
    order = CurrentOrder("seed_recipe", SEED, "small_bag", D(minutes), D(100), None)
    advice = advise(order, ["heat_sensation"])
    assert advice is not None
    assert D(minutes) < advice.duration_min <= D(120)
    assert advice.duration_min >= min(D(minutes) + 10, D(120))
    assert advice.duration_min % 5 == 0
