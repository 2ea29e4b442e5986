"""The ingredient catalogue holds the seed's vials and their alternatives with their figures."""

from decimal import Decimal as D

import pytest

from ivmt.clinical import ingredients
from ivmt.clinical.errors import UnknownIngredient
from ivmt.clinical.quantities import round_half_up

REQUIRED = {
    "magnesium_chloride_20",
    "magnesium_sulfate_50",
    "calcium_gluconate_10",
    "hydroxocobalamin_1000",
    "cyanocobalamin_1000",
    "pyridoxine_100",
    "dexpanthenol_250",
    "b_complex_100",
    "ascorbic_acid_500",
    "sterile_water",
    "sodium_chloride_0_9",
    "lactated_ringers",
}


def test_catalogue_holds_the_issue_ingredients():
    assert {i.id for i in ingredients.ingredients()} >= REQUIRED


def test_magnesium_chloride_matches_its_label():
    mgcl2 = ingredients.ingredient("magnesium_chloride_20")
    magnesium = mgcl2.ion_content("magnesium")
    chloride = mgcl2.ion_content("chloride")
    assert round_half_up(magnesium.meq_per_ml, 2) == D("1.97")
    assert round_half_up(chloride.meq_per_ml, 2) == D("1.97")
    assert round_half_up(magnesium.mmol_per_ml, 3) == D("0.984")
    assert round_half_up(magnesium.elemental_mg_per_ml, 1) == D("23.9")
    assert mgcl2.osmolarity_mosm_per_l == D(2951)
    assert mgcl2.benzyl_alcohol_mg_per_ml == D(10)
    assert (mgcl2.vial_type, mgcl2.vial_volume_ml) == ("multi_dose", D(50))
    assert mgcl2.label_max_rate_mg_per_min == D(48)
    assert mgcl2.elemental_fraction("magnesium") == D("24.305") / D("203.30")


def test_calcium_gluconate_uses_the_label_figures():
    ca = ingredients.ingredient("calcium_gluconate_10")
    calcium = ca.ion_content("calcium")
    assert calcium.meq_per_ml == D("0.465")
    assert calcium.mmol_per_ml == D("0.2325")
    assert calcium.elemental_mg_per_ml == D("9.3")
    assert ca.osmolarity_mosm_per_l == D(680)
    assert ca.label_max_rate_mg_per_min == D(200)
    assert ca.single_dose
    assert ca.preservatives == ()


def test_b_complex_100_has_its_per_ml_contents_and_2_percent_benzyl_alcohol():
    b = ingredients.ingredient("b_complex_100")
    assert {a.nutrient: a.mg_per_ml for a in b.actives} == {
        "thiamine_hcl": D(100),
        "riboflavin_5_phosphate_sodium": D(2),
        "pyridoxine_hcl": D(2),
        "dexpanthenol": D(2),
        "niacinamide": D(100),
    }
    assert b.benzyl_alcohol_mg_per_ml == D(20)


def test_light_sensitive_vials_are_marked():
    light = {i.id for i in ingredients.ingredients() if i.light_sensitive}
    assert {
        "ascorbic_acid_500",
        "hydroxocobalamin_1000",
        "pyridoxine_100",
        "b_complex_100",
    } <= light
    assert "magnesium_chloride_20" not in light


def test_figures_the_reference_marks_unverified_say_so():
    assert (
        ingredients.ingredient("dexpanthenol_250").status_of("osmolarity_mosm_per_l")
        == "unverified"
    )
    assert (
        ingredients.ingredient("b_complex_100").status_of("osmolarity_mosm_per_l") == "unverified"
    )
    assert (
        ingredients.ingredient("hydroxocobalamin_1000").status_of("osmolarity_mosm_per_l")
        == "unverified"
    )
    assert (
        ingredients.ingredient("magnesium_chloride_20").status_of("osmolarity_mosm_per_l")
        == "sourced"
    )
    assert ingredients.ingredient("cyanocobalamin_1000").status == "unverified"


def test_hydroxocobalamin_is_labelled_im_only():
    assert ingredients.ingredient("hydroxocobalamin_1000").label_routes == ("IM",)


def test_ascor_must_be_dispensed_within_4_hours_of_puncture():
    assert ingredients.ingredient("ascorbic_acid_500").after_first_puncture_hours == D(4)


def test_refuses_an_unknown_ingredient():
    with pytest.raises(UnknownIngredient, match="Known ingredients"):
        ingredients.ingredient("glutathione")


def test_every_ingredient_has_a_vial_and_provenance():
    for item in ingredients.ingredients():
        assert item.vial_volume_ml > 0
        assert item.provenance.rationale
        assert item.status in {"sourced", "unverified", "design"}
