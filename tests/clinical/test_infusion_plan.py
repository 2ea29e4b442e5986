"""A planned infusion returns its warnings as values, with severity, limit and source."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from ivmt.clinical.errors import RouteError, UnknownLimit
from ivmt.clinical.formulas import formula
from ivmt.clinical.infusion_plan import plan_infusion
from ivmt.clinical.ingredients import ingredient


def codes(plan):
    return [w.code for w in plan.warnings]


def test_a_ten_minute_bag_exceeds_the_magnesium_label_rate_and_stops():
    plan = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 1}, duration_min=10)
    stop = plan.warnings[0]
    assert (stop.code, stop.severity) == ("rate_above_label_limit", "stop")
    assert stop.limit == D(48)
    assert stop.value == D(100)
    assert stop.unit == "mg/min"
    assert stop.sources == ("S11",)
    assert stop.rule_id == "magnesium_chloride_20"
    assert "at least 21 minutes" in stop.message


def test_thirty_minutes_is_within_every_label_rate():
    plan = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 1}, duration_min=30)
    assert "rate_above_label_limit" not in codes(plan)
    assert "osmolarity_above_limit" not in codes(plan)


def test_osmolarity_is_checked_against_the_school_the_clinic_chose():
    at_900 = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 1})
    at_600 = plan_infusion(
        "seed_recipe", volumes_ml={"ascorbic_acid_500": 1}, osmolarity_limit_id=600
    )
    assert "osmolarity_above_limit" not in codes(at_900)
    warning = next(w for w in at_600.warnings if w.code == "osmolarity_above_limit")
    assert warning.severity == "warning"
    assert warning.limit == D(600)
    assert warning.rule_id == "peripheral_600"
    assert warning.sources == ("S22",)


def test_adding_case_b_to_100_ml_saline_checks_the_diluted_bag():
    plan = plan_infusion(
        "seed_recipe",
        volumes_ml={"ascorbic_acid_500": 5},
        into_saline_ml=100,
        osmolarity_limit_id="peripheral_600",
    )
    assert plan.final_volume_ml == D(137)
    assert "osmolarity_above_limit" not in codes(plan)  # 594 <= 600
    assert plan.summary()["osmolarity_mosm_per_l"] == "594"
    assert plan.summary()["mixture_osmolarity_mosm_per_l"] == "1367"


def test_the_osmolarity_warning_says_how_much_saline_brings_it_within_the_limit():
    plan = plan_infusion("yale_2009")
    warning = next(w for w in plan.warnings if w.code == "osmolarity_above_limit")
    assert "at least 30 mL of 0.9 % saline" in warning.message


def test_a_syringe_push_cannot_be_added_to_a_saline_bag():
    with pytest.raises(RouteError, match="cannot be added to a saline bag"):
        plan_infusion("yale_2009", into_saline_ml=100)


def test_an_unknown_osmolarity_school_is_refused():
    with pytest.raises(UnknownLimit, match="900 \\(peripheral_900\\), 600"):
        plan_infusion("yale_2009", osmolarity_limit_id=750)


def test_an_ingredient_of_unknown_osmolarity_makes_the_figure_a_lower_bound():
    seed = formula("seed_recipe")
    mylan = ingredient("ascorbic_acid_500_mylan")
    components = tuple(
        replace(c, ingredient=mylan) if c.ingredient.id == "ascorbic_acid_500" else c
        for c in seed.components
    )
    plan = plan_infusion(
        replace(seed, components=components), volumes_ml={"ascorbic_acid_500_mylan": 1}
    )
    assert not plan.bag.osmolarity_complete
    assert "osmolarity_incomplete" in codes(plan)


def test_a_too_concentrated_magnesium_sulfate_stops():
    push = formula("teitelbaum_push")
    components = tuple(
        replace(c, min_ml=D(0)) if c.ingredient.id == "bacteriostatic_water" else c
        for c in push.components
    )
    plan = plan_infusion(
        replace(push, components=components),
        volumes_ml={"ascorbic_acid_500": 1, "magnesium_sulfate_50": 4, "bacteriostatic_water": 0},
    )
    warning = next(w for w in plan.warnings if w.code == "concentration_above_label_limit")
    assert warning.severity == "stop"
    assert warning.limit == D(200)


def test_information_warnings_cover_light_benzyl_alcohol_route_and_puncture_time():
    plan = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 1}, duration_min=45)
    found = set(codes(plan))
    assert {
        "protect_from_light",
        "benzyl_alcohol",
        "label_route_not_iv",
        "use_within_hours_of_puncture",
        "unverified_figures",
    } <= found
    benzyl = next(w for w in plan.warnings if w.code == "benzyl_alcohol")
    assert benzyl.value == D(70)
    assert "dexpanthenol_250" in benzyl.message  # preservatives unknown: a lower bound


def test_a_push_over_ten_minutes_is_typical_but_a_bag_over_ten_is_not():
    push = plan_infusion("yale_2009", duration_min=10)
    bag = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 5}, duration_min=10)
    assert "duration_outside_typical" not in codes(push)
    assert "duration_outside_typical" in codes(bag)


def test_warnings_are_most_serious_first():
    plan = plan_infusion("yale_2009", duration_min=10)
    order = {"stop": 2, "warning": 1, "info": 0}
    severities = [order[w.severity] for w in plan.warnings]
    assert severities == sorted(severities, reverse=True)


def test_summary_holds_the_documented_keys_as_decimal_strings():
    summary = plan_infusion(
        "seed_recipe", volumes_ml={"ascorbic_acid_500": 1}, duration_min=30
    ).summary()
    assert {
        key: summary[key]
        for key in (
            "total_volume_ml",
            "osmolarity_mosm_per_l",
            "magnesium_meq",
            "magnesium_elemental_mg",
            "calcium_meq",
            "calcium_elemental_mg",
            "vitamin_c_mg",
            "magnesium_meq_per_min",
            "min_duration_min",
        )
    } == {
        "total_volume_ml": "33.0",
        "osmolarity_mosm_per_l": "818",
        "magnesium_meq": "9.84",
        "magnesium_elemental_mg": "119.6",
        "calcium_meq": "1.40",
        "calcium_elemental_mg": "27.9",
        "vitamin_c_mg": "500",
        "magnesium_meq_per_min": "0.33",
        "min_duration_min": "21",
    }
    assert isinstance(summary["warnings"], list)
    assert summary["knowledge_version"]


def test_final_concentrations_account_for_the_saline_bag():
    plan = plan_infusion("seed_recipe", volumes_ml={"ascorbic_acid_500": 5}, into_saline_ml=100)
    assert plan.final_concentration_mg_per_ml("ascorbic_acid") == D(2500) / D(137)
    assert plan.bag.concentration_mg_per_ml("ascorbic_acid") == D(2500) / D(37)
    assert plan.summary()["concentrations_mg_per_ml"]["ascorbic_acid"] == "18.248"
