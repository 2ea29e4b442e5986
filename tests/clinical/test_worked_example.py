"""REFERENCE.md §8, the worked example of the seed recipe, reproduced to the shown precision."""

from decimal import Decimal as D

from ivmt.clinical.compounding import compose_bag, compose_line
from ivmt.clinical.ingredients import ingredient
from ivmt.clinical.osmolarity import with_diluent
from ivmt.clinical.quantities import round_half_up
from ivmt.clinical.rates import delivery, shortest_duration


def r(value, places):
    return round_half_up(value, places)


def test_case_a_total_volume_is_33_ml(seed_bag_case_a):
    assert seed_bag_case_a.total_volume_ml == D(33)


def test_case_a_osmolarity_is_818_mosm_per_l(seed_bag_case_a):
    assert r(seed_bag_case_a.osmoles_mosm, 1) == D("27.0")
    assert r(seed_bag_case_a.osmolarity_mosm_per_l, 0) == D(818)


def test_case_a_magnesium_is_9_84_meq_and_119_6_mg(seed_bag_case_a):
    magnesium = seed_bag_case_a.ion("magnesium")
    assert r(magnesium.mmol, 2) == D("4.92")
    assert r(magnesium.meq, 2) == D("9.84")
    assert r(seed_bag_case_a.magnesium_elemental_mg, 1) == D("119.6")


def test_case_a_calcium_is_1_40_meq_and_27_9_mg(seed_bag_case_a):
    assert r(seed_bag_case_a.calcium_meq, 2) == D("1.40")
    assert r(seed_bag_case_a.ion("calcium").mmol, 2) == D("0.70")
    assert r(seed_bag_case_a.calcium_elemental_mg, 1) == D("27.9")


def test_case_a_magnesium_rate_is_0_33_at_30_and_0_16_at_60_minutes(seed_bag_case_a):
    at_30 = delivery(seed_bag_case_a, 30)
    at_60 = delivery(seed_bag_case_a, 60)
    assert r(at_30.magnesium_meq_per_min, 2) == D("0.33")
    assert r(at_60.magnesium_meq_per_min, 2) == D("0.16")
    assert r(at_30.magnesium_mg_per_min, 1) == D("4.0")
    assert r(at_60.magnesium_mg_per_min, 1) == D("2.0")
    salt = {x.ingredient_id: x.mg_per_min for x in at_30.ingredient_rates}
    assert r(salt["magnesium_chloride_20"], 1) == D("33.3")
    assert salt["calcium_gluconate_10"] == D(10)


def test_case_b_total_volume_is_37_ml_and_osmolarity_1367(seed_bag_case_b):
    assert seed_bag_case_b.total_volume_ml == D(37)
    assert r(seed_bag_case_b.osmoles_mosm, 1) == D("50.6")
    assert r(seed_bag_case_b.osmolarity_mosm_per_l, 0) == D(1367)


def test_case_b_magnesium_and_calcium_are_unchanged(seed_bag_case_b):
    assert r(seed_bag_case_b.magnesium_meq, 2) == D("9.84")
    assert r(seed_bag_case_b.magnesium_elemental_mg, 1) == D("119.6")
    assert r(seed_bag_case_b.calcium_meq, 2) == D("1.40")
    assert r(seed_bag_case_b.calcium_elemental_mg, 1) == D("27.9")
    assert r(delivery(seed_bag_case_b, 30).magnesium_meq_per_min, 2) == D("0.33")
    assert r(delivery(seed_bag_case_b, 60).magnesium_meq_per_min, 2) == D("0.16")


def test_case_b_in_100_ml_saline_is_594_and_in_250_ml_is_445(seed_bag_case_b):
    assert r(with_diluent(seed_bag_case_b, 100).osmolarity_mosm_per_l, 0) == D(594)
    assert r(with_diluent(seed_bag_case_b, 250).osmolarity_mosm_per_l, 0) == D(445)


def test_case_a_in_100_ml_saline_is_435(seed_bag_case_a):
    assert r(with_diluent(seed_bag_case_a, 100).osmolarity_mosm_per_l, 0) == D(435)


def test_yale_formula_equals_case_b():
    yale = compose_bag("yale_2009")
    assert yale.total_volume_ml == D(37)
    assert r(yale.osmolarity_mosm_per_l, 0) == D(1367)


def test_ten_minute_push_is_0_98_meq_per_min_and_208_percent_of_the_label_example(seed_bag_case_b):
    # REFERENCE.md §8.4
    at_10 = delivery(seed_bag_case_b, 10)
    assert r(at_10.magnesium_meq_per_min, 2) == D("0.98")
    mgcl2 = next(x for x in at_10.ingredient_rates if x.ingredient_id == "magnesium_chloride_20")
    assert r(mgcl2.fraction_of_limit * 100, 0) == D(208)
    assert not mgcl2.within_limit


def test_label_example_for_magnesium_chloride_is_0_47_meq_per_min():
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": 1})
    magnesium = bag.line("magnesium_chloride_20").ingredient.ion_content("magnesium")
    # 48 mg MgCl2·6H2O per minute, in mEq of Mg
    assert r(D(48) / D(200) * magnesium.meq_per_ml, 2) == D("0.47")


def test_shortest_duration_within_label_limits_is_21_minutes(seed_bag_case_a):
    shortest = shortest_duration(seed_bag_case_a)
    assert shortest.limiting_ingredient_id == "magnesium_chloride_20"
    assert r(shortest.exact_min, 2) == D("20.83")
    assert shortest.whole_min == D(21)


def test_other_per_infusion_totals(seed_bag_case_a):
    # REFERENCE.md §8.5
    assert seed_bag_case_a.pyridoxine_mg == D(102)
    assert seed_bag_case_a.nutrient_mg("dexpanthenol") == D(252)
    assert seed_bag_case_a.thiamine_mg == D(100)
    assert seed_bag_case_a.nutrient_mg("niacinamide") == D(100)
    assert seed_bag_case_a.nutrient_mg("riboflavin_5_phosphate_sodium") == D(2)
    hydroxocobalamin = next(
        n for n in seed_bag_case_a.nutrients if n.nutrient == "hydroxocobalamin"
    )
    assert (hydroxocobalamin.display_amount, hydroxocobalamin.display_unit) == (D(1000), "mcg")
    assert seed_bag_case_a.vitamin_c_mg == D(500)
    assert seed_bag_case_a.benzyl_alcohol_mg == D(70)


def test_benzyl_alcohol_is_85_mg_with_the_benzyl_alcohol_pyridoxine(seed_bag_case_a):
    line = seed_bag_case_a.line("pyridoxine_100")
    assert line is not None
    alveda = compose_line(ingredient("pyridoxine_100_benzyl_alcohol"), D(1))
    assert (
        seed_bag_case_a.benzyl_alcohol_mg - line.benzyl_alcohol_mg + alveda.benzyl_alcohol_mg
        == D(85)
    )


def test_sodium_load_of_5_ml_mylan_vitamin_c_is_13_75_meq():
    # REFERENCE.md §8.3: about 13.8 mEq for 5 mL
    line = compose_line(ingredient("ascorbic_acid_500_mylan"), D(5))
    assert line.ions[0].meq == D("13.75")


def test_magnesium_in_the_bag_equals_1_2_g_magnesium_sulfate(seed_bag_case_a):
    # §8.5: 9.84 mEq Mg is about the Mg in 1.2 g MgSO4·7H2O (8.12 mEq per g)
    assert r(seed_bag_case_a.magnesium_meq / D("8.12"), 1) == D("1.2")
