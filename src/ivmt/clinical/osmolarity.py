"""Osmolarity of a mixture, of the mixture added to a carrier bag, and the dilution needed.

All figures use the ideal-solution model of REFERENCE.md §8.1: osmoles and volumes add up.
``osmolarity = osmoles (mOsm) / volume (L)``. Adding ``V_d`` mL of a diluent of osmolarity
``D`` to a mixture of ``O`` mOsm in ``V`` mL gives ``(O + D x V_d / 1000) / ((V + V_d) / 1000)``.
Solving for a target ``T``: ``V_d = (O x 1000 - T x V) / (T - D)``, possible only when ``T > D``.

:func:`diluent_for_target` rounds the volume *up* (to 0.1 mL by default), so the diluted
mixture never exceeds the target; the exact figure is available as well.

Carrier bags are taken at their nominal volume (overfill is ignored), as in REFERENCE.md §8.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ivmt.clinical.compounding import ML_PER_L, Bag
from ivmt.clinical.errors import DilutionError, VolumeError
from ivmt.clinical.formulas import ABSURD_VOLUME_ML
from ivmt.clinical.ingredients import Ingredient, ingredient
from ivmt.clinical.quantities import exact, plain, round_up

SALINE = "sodium_chloride_0_9"
WATER = "sterile_water"


@dataclass(frozen=True)
class Diluted:
    """A mixture after adding ``diluent_ml`` of ``diluent``."""

    diluent: Ingredient
    diluent_ml: Decimal
    total_volume_ml: Decimal
    osmoles_mosm: Decimal
    osmolarity_mosm_per_l: Decimal


def osmolarity_mosm_per_l(osmoles_mosm: Decimal, volume_ml: Decimal) -> Decimal:
    """mOsm/L of ``osmoles_mosm`` in ``volume_ml``; raises VolumeError for a volume <= 0."""
    if volume_ml <= 0:
        raise VolumeError(f"A volume of {plain(volume_ml)} mL has no osmolarity.")
    return osmoles_mosm / (volume_ml / ML_PER_L)


def _diluent(diluent_id: str) -> tuple[Ingredient, Decimal]:
    """The diluent and its osmolarity (mOsm/L); DilutionError if the latter is unknown."""
    diluent = ingredient(diluent_id)
    if diluent.osmolarity_mosm_per_l is None:
        raise DilutionError(f"The osmolarity of {diluent.name} is unknown; choose another diluent.")
    return diluent, diluent.osmolarity_mosm_per_l


def check_carrier_volume(volume_ml: object, what: str = "Carrier volume") -> Decimal:
    """A carrier or diluent volume: a positive number of mL, not absurd; else VolumeError."""
    volume = exact(volume_ml, what, VolumeError)
    if volume <= 0:
        raise VolumeError(f"{what} must be more than 0 mL, not {plain(volume)} mL.")
    if volume > ABSURD_VOLUME_ML:
        raise VolumeError(f"{what} of {plain(volume)} mL is not plausible; check the unit (mL).")
    return volume


def with_diluent(bag: Bag, diluent_ml: object, diluent_id: str = SALINE) -> Diluted:
    """The bag's mixture added to ``diluent_ml`` of a diluent (default 0.9 % saline)."""
    diluent, diluent_osmolarity = _diluent(diluent_id)
    volume = check_carrier_volume(diluent_ml, f"Volume of {diluent.name}")
    osmoles = bag.osmoles_mosm + diluent_osmolarity * volume / ML_PER_L
    total = bag.total_volume_ml + volume
    return Diluted(
        diluent=diluent,
        diluent_ml=volume,
        total_volume_ml=total,
        osmoles_mosm=osmoles,
        osmolarity_mosm_per_l=osmolarity_mosm_per_l(osmoles, total),
    )


def diluent_for_target_exact(
    bag: Bag, target_mosm_per_l: object, diluent_id: str = WATER
) -> Decimal:
    """Exact mL of diluent that brings the mixture to ``target_mosm_per_l`` (0 if already there).

    Raises DilutionError when the diluent is not more dilute than the target, or when more than
    ABSURD_VOLUME_ML would be needed (no carrier that large is used).
    """
    target = exact(target_mosm_per_l, "Target osmolarity", DilutionError)
    diluent, diluent_osmolarity = _diluent(diluent_id)
    if target <= 0:
        raise DilutionError(f"Target osmolarity must be above 0 mOsm/L, not {plain(target)}.")
    if bag.osmolarity_mosm_per_l <= target:
        return Decimal(0)
    if diluent_osmolarity >= target:
        raise DilutionError(
            f"{diluent.name} ({plain(diluent_osmolarity)} mOsm/L) cannot dilute the "
            f"mixture to {plain(target)} mOsm/L; choose a target above it or another diluent."
        )
    numerator = bag.osmoles_mosm * ML_PER_L - target * bag.total_volume_ml
    needed = numerator / (target - diluent_osmolarity)
    if needed > ABSURD_VOLUME_ML:
        raise DilutionError(
            f"Reaching {plain(target)} mOsm/L would take {plain(round_up(needed, 0))} mL of "
            f"{diluent.name}, more than {plain(ABSURD_VOLUME_ML)} mL; choose a higher target."
        )
    return needed


def diluent_for_target(
    bag: Bag, target_mosm_per_l: object, diluent_id: str = WATER, places: int = 1
) -> Decimal:
    """mL of diluent to reach the target, rounded up to ``places`` decimals (never overshoots)."""
    return round_up(diluent_for_target_exact(bag, target_mosm_per_l, diluent_id), places)
