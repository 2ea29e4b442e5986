"""Lab results are checked at entry: impossible values and non-numbers are refused."""

from decimal import Decimal as D

import pytest

from ivmt.clinical import labs
from ivmt.clinical.errors import ImpossibleLabValue, LabValueError


def test_catalogue_holds_the_six_chart_analytes_with_loinc_codes():
    by_code = {a.code: a for a in labs.analytes()}
    assert {code: a.loinc for code, a in by_code.items()} == {
        "magnesium": "19123-9",
        "calcium_total": "17861-6",
        "calcium_ionised": "1995-0",
        "potassium": "2823-3",
        "creatinine": "2160-0",
        "egfr": "98979-8",
    }
    assert by_code["calcium_ionised"].other_loinc == ("1994-3",)


def test_canonical_units_and_accepted_units():
    assert labs.analyte("magnesium").units == ("mg/dL", "mmol/L", "mEq/L")
    assert labs.analyte("calcium_total").units == ("mg/dL", "mmol/L", "mEq/L")
    assert labs.analyte("calcium_ionised").units == ("mmol/L", "mg/dL")
    assert labs.analyte("potassium").units == ("mmol/L", "mEq/L")
    assert labs.analyte("creatinine").units == ("mg/dL", "µmol/L")
    assert labs.analyte("egfr").units == ("mL/min/1.73m2",)


def test_every_analyte_has_provenance_and_design_limits():
    for analyte in labs.analytes():
        assert analyte.status in {"sourced", "unverified", "design"}
        assert analyte.rationale
        assert analyte.limits_status == "design"
        assert analyte.limits_rationale
        assert analyte.physiological_min < analyte.physiological_max


def test_ranges_marked_unverified_in_the_reference_say_so():
    assert labs.analyte("potassium").status == "unverified"
    assert labs.analyte("creatinine").status == "unverified"
    assert labs.analyte("magnesium").status == "sourced"


def test_reference_ranges_are_the_reference_figures():
    mg = labs.analyte("magnesium")
    assert (mg.reference_low, mg.reference_high) == (D("1.7"), D("2.2"))
    ca = labs.analyte("calcium_total")
    assert (ca.reference_low, ca.reference_high) == (D("8.5"), D("10.5"))
    assert labs.analyte("egfr").reference_high is None


def test_returns_the_canonical_value_of_a_plausible_result():
    assert labs.validate_result("magnesium", D("0.8"), "mmol/L") == D("1.9444")


@pytest.mark.parametrize("analyte", labs.analytes(), ids=lambda a: a.code)
def test_accepts_values_exactly_at_the_physiological_limits(analyte):
    unit = analyte.canonical_unit
    assert (
        labs.validate_result(analyte.code, analyte.physiological_min, unit)
        == analyte.physiological_min
    )
    assert (
        labs.validate_result(analyte.code, analyte.physiological_max, unit)
        == analyte.physiological_max
    )


@pytest.mark.parametrize("analyte", labs.analytes(), ids=lambda a: a.code)
def test_refuses_values_just_past_the_physiological_limits(analyte):
    unit = analyte.canonical_unit
    with pytest.raises(ImpossibleLabValue):
        labs.validate_result(analyte.code, analyte.physiological_max + D("0.001"), unit)
    if analyte.physiological_min > 0:
        with pytest.raises(ImpossibleLabValue):
            labs.validate_result(analyte.code, analyte.physiological_min - D("0.001"), unit)


def test_impossible_value_message_names_value_unit_and_limits_in_the_unit_entered():
    with pytest.raises(ImpossibleLabValue) as caught:
        labs.validate_result("magnesium", D("19"), "mmol/L")
    assert str(caught.value) == (
        "Magnesium, serum: 19 mmol/L is outside the possible range 0.041-12.343 mmol/L. "
        "Check the value and the unit."
    )


def test_a_value_typed_in_the_wrong_unit_is_caught():
    # 190 umol/L creatinine typed into a mg/dL field.
    with pytest.raises(ImpossibleLabValue):
        labs.validate_result("creatinine", D("190"), "mg/dL")


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])
def test_refuses_non_numbers(bad):
    with pytest.raises(LabValueError):
        labs.validate_result("potassium", bad, "mmol/L")


def test_refuses_negative_values():
    with pytest.raises(LabValueError, match="negative"):
        labs.validate_result("potassium", D("-4"), "mmol/L")


def test_refuses_floats():
    with pytest.raises(LabValueError, match="exact decimal"):
        labs.validate_result("potassium", 4.1, "mmol/L")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        (D("1.6"), D("1.7"), D("2.2"), "L"),
        (D("1.7"), D("1.7"), D("2.2"), ""),
        (D("2.2"), D("1.7"), D("2.2"), ""),
        (D("2.3"), D("1.7"), D("2.2"), "H"),
        (D("45"), D("60"), None, "L"),
        (D("500"), None, None, ""),
    ],
)
def test_flags_results_against_a_range(value, low, high, expected):
    assert labs.flag(value, low, high) == expected
