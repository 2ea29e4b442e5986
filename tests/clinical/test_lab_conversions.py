"""Lab units convert exactly through molar mass and valence, both ways, for every unit."""

from decimal import Decimal as D

import pytest

from ivmt.clinical import labs
from ivmt.clinical.errors import ClinicalError, LabUnitError, UnknownAnalyte

# (analyte, value, unit, expected canonical value) — hand-calculated from REFERENCE.md §4.1 with
# Mg 24.305 and Ca 40.078 g/mol and creatinine x 88.4.
KNOWN = [
    ("magnesium", D("1.7"), "mg/dL", D("1.7")),
    ("magnesium", D("1"), "mmol/L", D("2.4305")),
    ("magnesium", D("2"), "mEq/L", D("2.4305")),
    ("magnesium", D("0.75"), "mmol/L", D("1.822875")),
    ("calcium_total", D("2.5"), "mmol/L", D("10.0195")),
    ("calcium_total", D("5"), "mEq/L", D("10.0195")),
    ("calcium_ionised", D("1.25"), "mmol/L", D("1.25")),
    ("calcium_ionised", D("4.0078"), "mg/dL", D("1")),
    ("potassium", D("4.1"), "mEq/L", D("4.1")),
    ("creatinine", D("88.4"), "µmol/L", D("1")),
    ("creatinine", D("176.8"), "umol/L", D("2")),
    ("egfr", D("75"), "mL/min/1.73m2", D("75")),
]


@pytest.mark.parametrize(("code", "value", "unit", "canonical"), KNOWN)
def test_converts_to_the_canonical_unit_exactly(code, value, unit, canonical):
    assert labs.to_canonical(code, value, unit) == canonical


@pytest.mark.parametrize(("code", "value", "unit", "canonical"), KNOWN)
def test_converts_back_from_the_canonical_unit(code, value, unit, canonical):
    assert labs.from_canonical(code, canonical, unit) == value


def _every_unit():
    for analyte in labs.analytes():
        for unit in analyte.units:
            yield analyte.code, unit


@pytest.mark.parametrize(("code", "unit"), list(_every_unit()))
def test_round_trip_through_every_unit_agrees_to_twenty_digits(code, unit):
    analyte = labs.analyte(code)
    for canonical in (analyte.physiological_min, analyte.physiological_max, D("1.2345")):
        there = labs.from_canonical(code, canonical, unit)
        back = labs.to_canonical(code, there, unit)
        assert abs(back - canonical) < D("1e-20")


def test_magnesium_mmol_factor_matches_the_reference_rule_of_thumb():
    # REFERENCE.md §4.1: mmol/L = mg/dL x 0.4114
    assert labs.from_canonical("magnesium", D("1"), "mmol/L").quantize(D("0.0001")) == D("0.4114")


def test_magnesium_reference_range_in_mmol_per_litre_is_0_70_to_0_91():
    # REFERENCE.md §9 item 7: 1.7-2.2 mg/dL = 0.70-0.91 mmol/L (not 0.85-1.10).
    low = labs.round_for_display(
        "magnesium", labs.from_canonical("magnesium", D("1.7"), "mmol/L"), "mmol/L"
    )
    high = labs.round_for_display(
        "magnesium", labs.from_canonical("magnesium", D("2.2"), "mmol/L"), "mmol/L"
    )
    assert (low, high) == (D("0.70"), D("0.91"))


def test_mmol_and_meq_differ_by_the_valence_of_the_ion():
    assert labs.from_canonical("magnesium", D("2.4305"), "mEq/L") == D("2")
    assert labs.from_canonical("potassium", D("4"), "mEq/L") == D("4")


@pytest.mark.parametrize("spelling", ["umol/L", "UMOL/L", "µmol/L", "μmol/L", " umol/l "])
def test_accepts_common_spellings_of_micromoles(spelling):
    assert labs.to_canonical("creatinine", D("88.4"), spelling) == D("1")
    assert labs.canonical_unit_name("creatinine", spelling) == "µmol/L"


def test_refuses_a_unit_not_accepted_for_the_analyte_naming_the_accepted_ones():
    with pytest.raises(LabUnitError) as caught:
        labs.to_canonical("potassium", D("4"), "mg/dL")
    assert "mmol/L, mEq/L" in str(caught.value)
    assert isinstance(caught.value, ClinicalError)


def test_egfr_has_no_other_unit():
    with pytest.raises(LabUnitError):
        labs.from_canonical("egfr", D("60"), "mmol/L")


def test_refuses_an_unknown_analyte_naming_the_known_ones():
    with pytest.raises(UnknownAnalyte) as caught:
        labs.analyte("vitamin_d")
    assert "magnesium" in str(caught.value)
    with pytest.raises(UnknownAnalyte):
        labs.to_canonical("vitamin_d", D("30"), "ng/mL")


def test_display_rounding_is_half_up():
    assert labs.round_for_display("magnesium", D("1.825"), "mg/dL") == D("1.83")
    assert labs.round_for_display("creatinine", D("88.5"), "µmol/L") == D("89")
