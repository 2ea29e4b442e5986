"""Osmolarity of the mixture, of the mixture in saline, and the dilution needed."""

from decimal import Decimal as D

import pytest

from ivmt.clinical.errors import DilutionError, VolumeError
from ivmt.clinical.osmolarity import (
    diluent_for_target,
    diluent_for_target_exact,
    osmolarity_mosm_per_l,
    with_diluent,
)


def test_water_needed_to_bring_case_b_to_900(seed_bag_case_b):
    exact_ml = diluent_for_target_exact(seed_bag_case_b, 900)
    # (50.595 mOsm x 1000 - 900 x 37) / 900 = 19.22 mL
    assert exact_ml == (D("50595") - D(900) * 37) / D(900)
    shown = diluent_for_target(seed_bag_case_b, 900)
    assert shown == D("19.3")
    assert with_diluent(seed_bag_case_b, shown, "sterile_water").osmolarity_mosm_per_l <= 900


def test_saline_needed_to_bring_case_b_to_600(seed_bag_case_b):
    ml = diluent_for_target(seed_bag_case_b, 600, "sodium_chloride_0_9")
    assert with_diluent(seed_bag_case_b, ml).osmolarity_mosm_per_l <= 600
    assert with_diluent(seed_bag_case_b, ml - D("0.1")).osmolarity_mosm_per_l > 600


def test_no_diluent_needed_when_already_below_the_target(seed_bag_case_a):
    assert diluent_for_target(seed_bag_case_a, 900) == 0


def test_saline_cannot_dilute_below_its_own_osmolarity(seed_bag_case_b):
    with pytest.raises(DilutionError, match="308 mOsm/L"):
        diluent_for_target(seed_bag_case_b, 300, "sodium_chloride_0_9")


def test_a_diluent_of_unknown_osmolarity_is_refused(seed_bag_case_b):
    with pytest.raises(DilutionError, match="unknown"):
        diluent_for_target(seed_bag_case_b, 600, "cyanocobalamin_1000")


@pytest.mark.parametrize("volume", [0, -100, 5000, "lots"])
def test_refuses_a_bad_saline_volume(seed_bag_case_b, volume):
    with pytest.raises(VolumeError):
        with_diluent(seed_bag_case_b, volume)


def test_a_volume_of_zero_has_no_osmolarity():
    with pytest.raises(VolumeError):
        osmolarity_mosm_per_l(D(10), D(0))
