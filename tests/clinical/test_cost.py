"""Ingredient cost per bag, counting single-dose vials opened and wasted."""

from decimal import Decimal as D

import pytest

from ivmt.clinical.cost import PriceList, bag_cost, money
from ivmt.clinical.errors import PriceError

PRICES = {
    "magnesium_chloride_20": "25.00",  # 50 mL multi-dose
    "calcium_gluconate_10": "6.00",  # 10 mL single-dose
    "hydroxocobalamin_1000": "30.00",  # 30 mL multi-dose
    "pyridoxine_100": "15.00",
    "dexpanthenol_250": "18.00",
    "b_complex_100": "21.00",
    "ascorbic_acid_500": "100.00",  # 50 mL pharmacy bulk package
    "sterile_water": "1.50",  # 20 mL single-dose
}


def test_single_dose_vials_are_paid_whole_and_their_rest_is_waste(seed_bag_case_a):
    cost = bag_cost(seed_bag_case_a, PriceList.from_mapping("USD", PRICES))
    calcium = next(x for x in cost.lines if x.ingredient_id == "calcium_gluconate_10")
    assert (calcium.vials_opened, calcium.wasted_ml, calcium.cost) == (1, D(7), D(6))
    assert calcium.wasted_cost == D("4.2")
    water = next(x for x in cost.lines if x.ingredient_id == "sterile_water")
    assert (water.vials_opened, water.wasted_ml) == (1, D(0))


def test_multi_dose_vials_are_shared_by_default(seed_bag_case_a):
    cost = bag_cost(seed_bag_case_a, PriceList.from_mapping("USD", PRICES))
    magnesium = next(x for x in cost.lines if x.ingredient_id == "magnesium_chloride_20")
    assert (magnesium.vials_opened, magnesium.cost) == (0, D("2.5"))
    # 2.50 + 6 + 1 + 0.50 + 0.60 + 0.70 + 2 + 1.50
    assert money(cost.total) == D("14.80")
    assert money(cost.wasted) == D("4.20")


def test_a_clinic_can_charge_whole_multi_dose_vials(seed_bag_case_a):
    cost = bag_cost(
        seed_bag_case_a, PriceList.from_mapping("USD", PRICES), share_multi_dose_vials=False
    )
    vitamin_c = next(x for x in cost.lines if x.ingredient_id == "ascorbic_acid_500")
    assert (vitamin_c.vials_opened, vitamin_c.wasted_ml, vitamin_c.cost) == (1, D(49), D(100))


def test_a_missing_price_is_a_clear_error(seed_bag_case_a):
    prices = dict(PRICES)
    del prices["b_complex_100"]
    with pytest.raises(PriceError, match="no price for b_complex_100"):
        bag_cost(seed_bag_case_a, PriceList.from_mapping("USD", prices))


def test_a_negative_price_is_refused():
    with pytest.raises(PriceError, match="negative"):
        PriceList.from_mapping("USD", {"sterile_water": "-1"})
