"""The coded catalogues screening reads: medications (with class expansion), allergens (checked
against the vials) and the sources every [S..] tag points to."""

from __future__ import annotations

import pytest

from ivmt.clinical import allergens, medications, sources
from ivmt.clinical.allergens import UnknownAllergen
from ivmt.clinical.medications import UnknownDrug, match_drug
from ivmt.clinical.screening_rules import condition_group, rules


@pytest.mark.parametrize("typed", ["Digoxin", "  digoxin ", "LANOXIN", "Digitek"])
def test_a_medication_typed_by_name_or_brand_is_coded(typed: str) -> None:
    found = match_drug(typed)
    assert found is not None
    assert found.id == "digoxin"


@pytest.mark.parametrize("typed", ["Digoxine", "digoxin 125 mcg", "dig", ""])
def test_a_near_miss_stays_uncoded(typed: str) -> None:
    assert match_drug(typed) is None


def test_classes_include_every_wider_class() -> None:
    assert medications.drug("butalbital_apap_caffeine").all_classes == (
        "barbiturate",
        "cns_depressant",
    )
    assert medications.drug_class("insulin").ancestors == ("glucose_lowering",)


def test_an_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(UnknownDrug, match="'digoxn' is not a medication in the catalogue"):
        medications.drug("digoxn")
    with pytest.raises(UnknownAllergen, match="'thiamin' is not an allergen"):
        allergens.allergen("thiamin")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Thiamine", "thiamine"),
        ("Benzyl alcohol", "benzyl_alcohol"),
        ("Parabens", "parabens"),
        ("Penicillin", "penicillins"),
        ("Vitamin C", "ascorbic_acid"),
    ],
)
def test_common_allergy_names_are_coded(typed: str, code: str) -> None:
    found = allergens.match_allergen(typed)
    assert found is not None
    assert found.id == code


def test_every_drug_is_matched_by_its_plain_name() -> None:
    for drug in medications.drugs():
        plain = drug.name.split(" (")[0]
        assert match_drug(plain) == drug, plain


def test_allergens_name_only_what_the_vials_contain() -> None:
    thiamine = allergens.allergen("thiamine")
    assert thiamine.nutrients == ("thiamine_hcl",)
    assert allergens.allergen("parabens").preservatives == ("methylparaben", "propylparaben")
    assert allergens.match_allergen("vitamin b1") == thiamine
    assert not allergens.allergen("penicillins").in_ivmt_vials


def test_every_source_tag_used_by_a_rule_is_listed_with_an_address() -> None:
    for r in rules():
        for tag in r.provenance.sources:
            assert sources.source(tag).urls or tag == "S44", tag
    assert len(sources.sources()) == 49


def test_condition_groups_match_by_prefix_and_honour_exclusions() -> None:
    other = condition_group("cardiac_other")
    assert other.matches("I48.91")
    assert other.matches("i44.4")  # case does not matter
    assert not other.matches("I44.2")  # excluded: a heart block is its own hard stop
    assert not other.matches("")
