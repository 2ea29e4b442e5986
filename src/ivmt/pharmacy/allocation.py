"""Which lots a bag's component is drawn from, and how much each gives (plain Python).

Rules (each refusal names the lot and the reason, for the pharmacist):

* a lot is refused when quarantined, expired at the start of preparation, or expiring before
  the bag's beyond-use moment (``usable_until < bud``: the bag would outlive its ingredient);
* first-expiring first: without an explicit choice, usable lots are taken in the order given
  (the caller sorts them by expiry date, then receipt); with an explicit choice (typed or
  scanned lots), those lots in the order given, and a listed lot that gives nothing is refused
  so that no lot is recorded on a bag it is not in;
* single-use containers (single-dose vials, bags) are opened whole: ``taken_ml`` is a whole
  number of containers and the unused rest is waste; multi-use vials give exactly the volume
  used. Everything is exact Decimal arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

ZERO = Decimal(0)


class AllocationError(ValueError):
    """A lot cannot be used, or the lots do not hold enough; ``str()`` is for the user."""


@dataclass(frozen=True)
class LotState:
    lot_id: int
    lot_number: str
    unit_volume_ml: Decimal
    single_use: bool
    on_hand_ml: Decimal
    usable_until: datetime
    quarantined: bool = False
    expiry_text: str = ""


@dataclass(frozen=True)
class Draw:
    lot_id: int
    lot_number: str
    used_ml: Decimal
    taken_ml: Decimal
    units_opened: int


def refusal(lot: LotState, *, prep_started_at: datetime, beyond_use_at: datetime) -> str | None:
    """Why ``lot`` cannot go into a bag prepared at ``prep_started_at``, or None."""
    expiry = lot.expiry_text or lot.usable_until.isoformat()
    if lot.quarantined:
        return f"Lot {lot.lot_number} is quarantined and must not be used."
    if lot.usable_until <= prep_started_at:
        return f"Lot {lot.lot_number} expired ({expiry}); it must not be used."
    if lot.usable_until < beyond_use_at:
        return (
            f"Lot {lot.lot_number} expires ({expiry}) before the bag's beyond-use time; "
            "choose a lot with a later expiry."
        )
    if lot.on_hand_ml <= 0:
        return f"Lot {lot.lot_number} has none left in stock."
    return None


def _take(lot: LotState, remaining: Decimal) -> Draw:
    if lot.single_use:
        available_units = (lot.on_hand_ml / lot.unit_volume_ml).to_integral_value(ROUND_FLOOR)
        wanted_units = (remaining / lot.unit_volume_ml).to_integral_value(ROUND_CEILING)
        units = min(available_units, wanted_units)
        taken = units * lot.unit_volume_ml
        used = min(remaining, taken)
        return Draw(lot.lot_id, lot.lot_number, used, taken, int(units))
    used = min(remaining, lot.on_hand_ml)
    return Draw(lot.lot_id, lot.lot_number, used, used, 0)


def allocate(
    *,
    what: str,
    needed_ml: Decimal,
    lots: Sequence[LotState],
    prep_started_at: datetime,
    beyond_use_at: datetime,
    explicit: bool,
) -> list[Draw]:
    """Draws covering ``needed_ml`` of ``what`` (see the module docstring).

    Raises AllocationError when an explicitly chosen lot is unusable or gives nothing, or when
    the usable lots do not hold enough.
    """
    if needed_ml <= 0:
        return []
    draws: list[Draw] = []
    remaining = needed_ml
    for lot in lots:
        why = refusal(lot, prep_started_at=prep_started_at, beyond_use_at=beyond_use_at)
        if why is not None:
            if explicit:
                raise AllocationError(why)
            continue
        if remaining <= 0:
            if explicit:
                raise AllocationError(
                    f"Lot {lot.lot_number} is not needed for {what}; remove it from the list."
                )
            break
        draw = _take(lot, remaining)
        if draw.used_ml <= 0:
            if explicit:
                raise AllocationError(f"Lot {lot.lot_number} cannot give any {what}.")
            continue
        draws.append(draw)
        remaining -= draw.used_ml
    if remaining > 0:
        found = needed_ml - remaining
        scope = "the lots listed" if explicit else "usable lots in stock"
        raise AllocationError(
            f"Not enough {what}: the bag needs {needed_ml:f} mL and {scope} give {found:f} mL "
            "(lots that are expired, quarantined or expire before the bag's beyond-use time "
            "are not used)."
        )
    return draws
