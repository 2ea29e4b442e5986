"""Delivery rates, the shortest duration within label limits, pump and drip rates."""

from decimal import Decimal as D

import pytest

from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.errors import DropFactorError, DurationError
from ivmt.clinical.rates import (
    delivery,
    drops_per_min,
    drops_per_min_shown,
    pump_rate_ml_per_h,
    shortest_duration,
)


@pytest.mark.parametrize("duration", [0, -5, D("0.0"), 1441, "soon", 30.0, D("Infinity")])
def test_refuses_a_bad_duration(seed_bag_case_a, duration):
    with pytest.raises(DurationError):
        delivery(seed_bag_case_a, duration)


def test_pump_rate_for_33_ml_over_30_minutes_is_66_ml_per_hour():
    assert pump_rate_ml_per_h(D(33), 30) == D(66)


def test_drops_per_minute_for_a_20_drop_set():
    rate = drops_per_min(D(133), 45, 20)
    assert drops_per_min_shown(rate) == D(59)


@pytest.mark.parametrize("factor", [0, D("15.5"), 101, "x"])
def test_refuses_an_implausible_drop_factor(factor):
    with pytest.raises(DropFactorError):
        drops_per_min(D(100), 30, factor)


def test_magnesium_sulfate_push_is_limited_at_150_mg_per_minute():
    bag = compose_bag("teitelbaum_push", {"ascorbic_acid_500": 5, "magnesium_sulfate_50": 4})
    shortest = shortest_duration(bag)
    assert shortest.limiting_ingredient_id == "magnesium_sulfate_50"
    assert shortest.exact_min == D(2000) / D(150)
    assert shortest.whole_min == D(14)


def test_shortest_duration_scales_with_the_magnesium_volume():
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": 1, "magnesium_chloride_20": 2})
    assert shortest_duration(bag).whole_min == D(9)  # 400 mg / 48 mg/min = 8.3 -> 9


def test_calcium_rate_at_30_minutes(seed_bag_case_a):
    rates = delivery(seed_bag_case_a, 30)
    assert rates.calcium_meq_per_min == D("1.395") / 30
