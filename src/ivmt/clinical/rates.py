"""Delivery rates: magnesium and calcium per minute, label limits, pump and drip rates.

* :func:`delivery` gives, for a planned duration, mEq/min and elemental mg/min of magnesium and
  calcium, and each rate-limited ingredient's mg/min against its label limit
  (``ingredients.toml``: MgCl2 48 mg/min [S11], MgSO4 150 mg/min [S12], calcium gluconate
  200 mg/min [S13]).
* :func:`shortest_duration` is the least time that keeps every ingredient within its label
  limit: ``max(mg of salt / limit mg/min)``. The exact figure is kept, and a whole-minute figure
  rounded *up* (rounding down would put the rate over the limit).
* :func:`pump_rate_ml_per_h` and :func:`drops_per_min` convert volume and duration for a pump or
  a gravity set of a given drop factor (gtt/mL). Both are exact; a nurse counts whole drops, so
  :func:`drops_per_min_shown` rounds half-up to an integer for display.

The rate is the mean over the duration (a uniform infusion); it does not depend on dilution.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ivmt.clinical.compounding import Bag
from ivmt.clinical.errors import DropFactorError, DurationError
from ivmt.clinical.limits import setting_decimal
from ivmt.clinical.quantities import exact, plain, round_half_up, round_up

MIN_PER_H = Decimal(60)


@dataclass(frozen=True)
class IngredientRate:
    """One rate-limited ingredient at the planned duration (mg of its principal active/min)."""

    ingredient_id: str
    name: str
    mg_per_min: Decimal
    limit_mg_per_min: Decimal
    sources: tuple[str, ...]
    status: str

    @property
    def within_limit(self) -> bool:
        return self.mg_per_min <= self.limit_mg_per_min

    @property
    def fraction_of_limit(self) -> Decimal:
        return self.mg_per_min / self.limit_mg_per_min


@dataclass(frozen=True)
class Delivery:
    """Rates at ``duration_min`` (mean over the infusion)."""

    duration_min: Decimal
    magnesium_meq_per_min: Decimal
    magnesium_mg_per_min: Decimal
    calcium_meq_per_min: Decimal
    calcium_mg_per_min: Decimal
    ingredient_rates: tuple[IngredientRate, ...]


@dataclass(frozen=True)
class ShortestDuration:
    """The shortest duration within every label rate limit; None when nothing is rate-limited."""

    exact_min: Decimal | None
    whole_min: Decimal | None
    limiting_ingredient_id: str | None


def check_duration(duration_min: object) -> Decimal:
    """A duration in minutes: a number above 0 and at most the DESIGN maximum (24 h).

    Raises DurationError otherwise.
    """
    duration = exact(duration_min, "Duration (minutes)", DurationError)
    if duration <= 0:
        raise DurationError(f"Duration must be more than 0 minutes, not {plain(duration)}.")
    longest = setting_decimal("max_duration_min")
    if duration > longest:
        raise DurationError(
            f"Duration of {plain(duration)} minutes is longer than {plain(longest)} minutes; "
            "check the unit (minutes)."
        )
    return duration


def _limited(bag: Bag) -> list[tuple[str, str, Decimal, Decimal, tuple[str, ...], str]]:
    rows = []
    for line in bag.lines:
        limit = line.ingredient.label_max_rate_mg_per_min
        if limit is not None and line.active_mg is not None:
            rows.append(
                (
                    line.ingredient.id,
                    line.ingredient.name,
                    line.active_mg,
                    limit,
                    line.ingredient.sources,
                    line.ingredient.status_of("label_max_rate_mg_per_min"),
                )
            )
    return rows


def delivery(bag: Bag, duration_min: object) -> Delivery:
    """Rates when ``bag`` runs over ``duration_min`` minutes; raises DurationError."""
    duration = check_duration(duration_min)
    magnesium, calcium = bag.ion("magnesium"), bag.ion("calcium")
    return Delivery(
        duration_min=duration,
        magnesium_meq_per_min=magnesium.meq / duration,
        magnesium_mg_per_min=(magnesium.elemental_mg or Decimal(0)) / duration,
        calcium_meq_per_min=calcium.meq / duration,
        calcium_mg_per_min=(calcium.elemental_mg or Decimal(0)) / duration,
        ingredient_rates=tuple(
            IngredientRate(i, name, mg / duration, limit, sources, status)
            for i, name, mg, limit, sources, status in _limited(bag)
        ),
    )


def shortest_duration(bag: Bag) -> ShortestDuration:
    """The least duration keeping every ingredient within its label rate limit."""
    best: tuple[Decimal, str] | None = None
    for ingredient_id, _name, mg, limit, _sources, _status in _limited(bag):
        minutes = mg / limit
        if best is None or minutes > best[0]:
            best = (minutes, ingredient_id)
    if best is None:
        return ShortestDuration(None, None, None)
    return ShortestDuration(best[0], round_up(best[0]), best[1])


def pump_rate_ml_per_h(volume_ml: Decimal, duration_min: object) -> Decimal:
    """Pump rate in mL/h to run ``volume_ml`` over ``duration_min`` (exact)."""
    return volume_ml / check_duration(duration_min) * MIN_PER_H


def check_drop_factor(drop_factor_gtt_per_ml: object) -> Decimal:
    """A drip set's drop factor: a whole number of drops per mL, 1 to the DESIGN maximum."""
    factor = exact(drop_factor_gtt_per_ml, "Drop factor (drops/mL)", DropFactorError)
    largest = setting_decimal("max_drop_factor_gtt_per_ml")
    if factor != factor.to_integral_value() or not 1 <= factor <= largest:
        raise DropFactorError(
            f"Drop factor must be a whole number of drops per mL from 1 to {plain(largest)} "
            f"(sets are 10, 15, 20 or 60), not {plain(factor)}."
        )
    return factor


def drops_per_min(
    volume_ml: Decimal, duration_min: object, drop_factor_gtt_per_ml: object
) -> Decimal:
    """Drops per minute for a gravity set (exact): mL/min x drops/mL."""
    factor = check_drop_factor(drop_factor_gtt_per_ml)
    return volume_ml / check_duration(duration_min) * factor


def drops_per_min_shown(rate: Decimal) -> Decimal:
    """Drops per minute as a nurse counts them: a whole number, rounded half-up."""
    return round_half_up(rate, 0)
