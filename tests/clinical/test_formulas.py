"""Formulas are data: the seed recipe as written, the sourced variants, and volume checks."""

from decimal import Decimal as D

import pytest

from ivmt.clinical import formulas
from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.errors import (
    ClinicalError,
    RouteError,
    UnknownFormula,
    UnknownIngredient,
    VolumeChoiceRequired,
    VolumeError,
)

SEED_AS_WRITTEN = {
    "magnesium_chloride_20": D(5),
    "calcium_gluconate_10": D(3),
    "hydroxocobalamin_1000": D(1),
    "pyridoxine_100": D(1),
    "dexpanthenol_250": D(1),
    "b_complex_100": D(1),
    "ascorbic_acid_500": None,
    "sterile_water": D(20),
}


def test_seed_recipe_is_encoded_exactly_as_written():
    seed = formulas.formula("seed_recipe")
    assert {c.ingredient.id: c.volume_ml for c in seed.components} == SEED_AS_WRITTEN
    strengths = {c.ingredient.id: c.ingredient.strength_mg_per_ml for c in seed.components}
    assert strengths["magnesium_chloride_20"] == D(200)
    assert strengths["calcium_gluconate_10"] == D(100)
    assert strengths["ascorbic_acid_500"] == D(500)
    assert "S44" in seed.provenance.sources


def test_seed_vitamin_c_must_be_chosen_with_the_yale_volume_as_documented_default():
    vitamin_c = formulas.formula("seed_recipe").component("ascorbic_acid_500")
    assert vitamin_c.must_choose
    assert vitamin_c.volume_ml is None
    assert vitamin_c.default_ml == D(5)
    assert vitamin_c.default_status == "design"
    assert "Yale" in vitamin_c.default_rationale


def test_refuses_a_seed_bag_without_a_chosen_vitamin_c_volume():
    with pytest.raises(VolumeChoiceRequired) as caught:
        compose_bag("seed_recipe")
    assert "ascorbic_acid_500" in str(caught.value)
    assert "5 mL" in str(caught.value)


def test_suggested_volumes_prefill_the_default_without_applying_it():
    suggested = formulas.formula("seed_recipe").suggested_volumes()
    assert suggested["ascorbic_acid_500"] == D(5)
    assert compose_bag("seed_recipe", suggested).total_volume_ml == D(37)


def test_sourced_variants_are_present():
    ids = [f.id for f in formulas.formulas()]
    assert ids == ["seed_recipe", "yale_2009", "teitelbaum_push"]
    assert compose_bag("yale_2009").vitamin_c_mg == D(2500)


def test_teitelbaum_push_uses_magnesium_sulfate_and_leaves_calcium_out_by_default():
    bag = compose_bag("teitelbaum_push", {"ascorbic_acid_500": 5})
    assert bag.line("magnesium_sulfate_50") is not None
    assert bag.line("magnesium_chloride_20") is None
    assert "calcium_gluconate_10" in bag.omitted
    # 2 mL of 50 % = 1 g MgSO4·7H2O = 8.12 mEq [S12]
    assert bag.magnesium_meq == D("8.12")


def test_routes_of_the_seed_are_bag_piggyback_and_push():
    seed = formulas.formula("seed_recipe")
    assert [r.id for r in seed.routes] == ["small_bag", "piggyback_flush", "slow_push"]
    assert seed.default_route.id == "small_bag"
    assert (
        seed.route("small_bag").typical_duration_min_low,
        seed.route("small_bag").typical_duration_min_high,
    ) == (D(30), D(60))


def test_refuses_a_route_the_formula_does_not_use():
    with pytest.raises(RouteError, match="Allowed routes: slow_push"):
        formulas.formula("yale_2009").route("small_bag")
    with pytest.raises(RouteError):
        formulas.route("intrathecal")


def test_optional_component_may_be_left_out():
    bag = compose_bag("seed_recipe", {"ascorbic_acid_500": 1, "b_complex_100": 0})
    assert bag.thiamine_mg == 0
    assert bag.total_volume_ml == D(32)
    assert "b_complex_100" in bag.omitted


@pytest.mark.parametrize(
    ("volumes", "error", "words"),
    [
        ({"ascorbic_acid_500": 1, "zinc_sulfate": 1}, UnknownIngredient, "Unknown ingredient"),
        ({"ascorbic_acid_500": 1, "cyanocobalamin_1000": 1}, UnknownIngredient, "has no component"),
        ({"ascorbic_acid_500": -1}, VolumeError, "negative"),
        ({"ascorbic_acid_500": 5000}, VolumeError, "not plausible"),
        ({"ascorbic_acid_500": 11}, VolumeError, "outside the allowed 1-10 mL"),
        ({"ascorbic_acid_500": 1, "magnesium_chloride_20": 6}, VolumeError, "2-5 mL"),
        ({"ascorbic_acid_500": 1, "magnesium_chloride_20": 0}, VolumeError, "outside"),
        ({"ascorbic_acid_500": "five"}, VolumeError, "must be a number"),
        ({"ascorbic_acid_500": 5.0}, VolumeError, "exact decimal"),
        ({"ascorbic_acid_500": D("NaN")}, VolumeError, "finite"),
    ],
)
def test_refuses_bad_volumes_with_a_clear_message(volumes, error, words):
    with pytest.raises(error) as caught:
        compose_bag("seed_recipe", volumes)
    assert words in str(caught.value)
    assert isinstance(caught.value, ClinicalError)


def test_fixed_trial_volumes_cannot_be_changed():
    with pytest.raises(VolumeError, match="outside the allowed 5 mL"):
        compose_bag("yale_2009", {"ascorbic_acid_500": 4})


def test_refuses_a_mixture_larger_than_the_sources_syringe():
    with pytest.raises(VolumeError, match="25 mL syringe"):
        compose_bag(
            "teitelbaum_push",
            {"ascorbic_acid_500": 10, "calcium_gluconate_10": 10, "magnesium_sulfate_50": 4},
        )


def test_refuses_an_unknown_formula():
    with pytest.raises(UnknownFormula, match="Known formulas: seed_recipe"):
        formulas.formula("banana_bag")


def test_every_component_range_carries_provenance():
    for formula in formulas.formulas():
        for component in formula.components:
            assert component.range_status in {"sourced", "unverified", "design"}
            assert component.range_rationale
            if component.range_status == "sourced":
                assert component.range_sources
