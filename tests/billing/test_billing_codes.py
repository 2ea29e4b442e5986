"""The administration code follows the charted duration (REFERENCE.md §7): a push is 15 minutes
or less; an infusion adds 96366 for each hour that runs more than 30 minutes past the last."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ivmt.clinical import billing_codes
from ivmt.clinical.billing_codes import BillingCodeError, administration_codes


def codes(**duration: float) -> list[tuple[str, int]]:
    return [(s.code.code, s.units) for s in administration_codes(timedelta(**duration))]


def test_fifteen_minutes_exactly_is_a_push() -> None:
    assert codes(minutes=15) == [("96374", 1)]
    assert codes(minutes=1) == [("96374", 1)]


def test_one_second_past_fifteen_minutes_is_an_infusion() -> None:
    assert codes(minutes=15, seconds=1) == [("96365", 1)]
    assert codes(minutes=16) == [("96365", 1)]


def test_up_to_ninety_minutes_is_one_unit_of_96365() -> None:
    assert codes(minutes=45) == [("96365", 1)]
    assert codes(minutes=90) == [("96365", 1)]


def test_more_than_thirty_minutes_past_the_first_hour_adds_96366() -> None:
    assert codes(minutes=91) == [("96365", 1), ("96366", 1)]
    assert codes(minutes=150) == [("96365", 1), ("96366", 1)]
    assert codes(minutes=151) == [("96365", 1), ("96366", 2)]


@pytest.mark.parametrize("minutes", [0, -5])
def test_a_stop_not_after_the_start_is_refused(minutes: int) -> None:
    with pytest.raises(BillingCodeError, match="end after it started"):
        administration_codes(timedelta(minutes=minutes))


def test_more_than_eight_hours_is_a_charting_error() -> None:
    with pytest.raises(BillingCodeError, match="more than 8 hours"):
        administration_codes(timedelta(hours=8, minutes=1))


def test_drug_codes_carry_their_status_and_units() -> None:
    magnesium = billing_codes.drug_code("magnesium_sulfate_50")
    assert magnesium is not None and magnesium.code == "J3475" and magnesium.verified
    assert magnesium.units(active_mg=magnesium.unit_mg * 2 + 1, volume_ml=magnesium.unit_mg) == 3
    calcium = billing_codes.drug_code("calcium_gluconate_10")
    assert calcium is not None and calcium.code == "J0610" and not calcium.verified
    assert calcium.units(active_mg=None, volume_ml=Decimal(3)) == 1
    assert billing_codes.drug_code("sodium_chloride_0_9") is None
    assert billing_codes.administration_code("96365").verified
    with pytest.raises(BillingCodeError):
        billing_codes.administration_code("99999")


def test_the_code_file_has_a_version_of_its_own() -> None:
    assert billing_codes.billing_codes_version() == "2026.11.1"
