"""Ingredient cost of one bag from the clinic's price list, counting vials opened and wasted.

Prices are the clinic's own data (what it pays per vial), not clinical knowledge, so they are an
input (:class:`PriceList`) rather than a file in ``data/``. The seed's figure, ingredients "in the
range of $5 - $25" per infusion [S44], is a sanity check, not a price.

Counting rule (DESIGN):

* single-dose vials and bags: every vial opened is paid for in full; ``ceil(volume / vial
  size)`` vials, and the remainder is recorded as waste;
* multi-dose vials and pharmacy bulk packages: by default the bag pays its share
  (``volume / vial size x price``), because the rest of the vial serves later bags. A clinic that
  makes one bag per vial-life (for example ASCOR must be dispensed within 4 h of first puncture
  [S15]) sets ``share_multi_dose_vials=False`` and pays whole vials, with the waste shown.

Money is Decimal; :func:`money` rounds half-up to cents for display only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ivmt.clinical.compounding import Bag
from ivmt.clinical.errors import PriceError
from ivmt.clinical.quantities import exact, plain, round_half_up


@dataclass(frozen=True)
class VialPrice:
    """What the clinic pays for one vial (or bag) of an ingredient."""

    ingredient_id: str
    price_per_vial: Decimal
    vial_volume_ml: Decimal | None = None  # None: the catalogue's vial size


@dataclass(frozen=True)
class PriceList:
    """Prices in one currency (ISO 4217 code, e.g. "USD")."""

    currency: str
    prices: tuple[VialPrice, ...]

    @classmethod
    def from_mapping(cls, currency: str, prices: Mapping[str, object]) -> PriceList:
        """Build from ``{ingredient_id: price per vial}``; raises PriceError on a bad price."""
        built = []
        for ingredient_id, price in prices.items():
            value = exact(price, f"Price of {ingredient_id}", PriceError)
            if value < 0:
                raise PriceError(f"Price of {ingredient_id} is negative ({plain(value)}).")
            built.append(VialPrice(ingredient_id, value))
        return cls(currency=currency, prices=tuple(built))

    def price(self, ingredient_id: str) -> VialPrice:
        for candidate in self.prices:
            if candidate.ingredient_id == ingredient_id:
                return candidate
        raise PriceError(f"The price list has no price for {ingredient_id}.")


@dataclass(frozen=True)
class CostLine:
    """Cost of one component; ``vials_opened`` counts whole vials paid (0 when shared)."""

    ingredient_id: str
    volume_ml: Decimal
    vials_opened: int
    wasted_ml: Decimal
    cost: Decimal
    wasted_cost: Decimal


@dataclass(frozen=True)
class BagCost:
    currency: str
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((ln.cost for ln in self.lines), Decimal(0))

    @property
    def wasted(self) -> Decimal:
        return sum((ln.wasted_cost for ln in self.lines), Decimal(0))


def bag_cost(bag: Bag, prices: PriceList, *, share_multi_dose_vials: bool = True) -> BagCost:
    """Ingredient cost of ``bag``; raises PriceError when an ingredient has no price."""
    lines = []
    for line in bag.lines:
        ingredient_ = line.ingredient
        price = prices.price(ingredient_.id)
        if price.price_per_vial < 0:
            raise PriceError(f"Price of {ingredient_.id} is negative.")
        vial_ml = price.vial_volume_ml or ingredient_.vial_volume_ml
        whole_vials = ingredient_.single_dose or not share_multi_dose_vials
        if whole_vials:
            opened = int((line.volume_ml / vial_ml).to_integral_value(rounding=ROUND_CEILING))
            wasted_ml = opened * vial_ml - line.volume_ml
            cost = opened * price.price_per_vial
            wasted_cost = wasted_ml / vial_ml * price.price_per_vial
        else:
            opened, wasted_ml, wasted_cost = 0, Decimal(0), Decimal(0)
            cost = line.volume_ml / vial_ml * price.price_per_vial
        lines.append(CostLine(ingredient_.id, line.volume_ml, opened, wasted_ml, cost, wasted_cost))
    return BagCost(currency=prices.currency, lines=tuple(lines))


def money(amount: Decimal) -> Decimal:
    """An amount rounded half-up to cents, for display."""
    return round_half_up(amount, 2)
