"""The rate a bag actually runs at the chair: label-limit check, progress and billing class.

* :func:`check_rate` — at a pump rate of R mL/h the whole volume V runs in ``V / R x 60``
  minutes, so the magnesium and calcium delivery at that rate is ``rates.delivery`` over that
  duration. A rate whose delivery exceeds any ingredient's label limit is reported with the
  fastest rate within every limit (``V x 60 / shortest duration``, rounded *down* to 0.1 mL/h
  so the shown figure never exceeds the limit). The app refuses such a rate unless a physician
  is named with a reason.
* :func:`progress` — volume infused and time left from the rate changes charted so far
  (pauses count as 0 mL/h); the mean over each segment, like the rest of the core.
* :func:`administration_kind` — CPT's boundary [S41]: 15 minutes or less is a push, longer an
  infusion (``charting.toml`` push_max_min), from the charted start and stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from ivmt.clinical.charting import setting_decimal
from ivmt.clinical.compounding import Bag
from ivmt.clinical.errors import ClinicalError, DurationError
from ivmt.clinical.quantities import exact, plain, round_half_up
from ivmt.clinical.rates import (
    MIN_PER_H,
    Delivery,
    IngredientRate,
    check_duration,
    delivery,
    shortest_duration,
)

SECONDS_PER_MIN = Decimal(60)
AdministrationKind = Literal["push", "infusion"]


class RateError(ClinicalError):
    """A pump rate that is not a plausible number of mL/h."""


@dataclass(frozen=True)
class RateCheck:
    """A pump rate against the label limits; ``over_limit`` lists the ingredients exceeded."""

    rate_ml_per_h: Decimal
    duration_min: Decimal
    delivery: Delivery
    over_limit: tuple[IngredientRate, ...]
    max_rate_ml_per_h: Decimal | None

    @property
    def within_limits(self) -> bool:
        return not self.over_limit

    def message(self) -> str:
        """The refusal text for a rate over a label limit ("" when within the limits)."""
        if self.within_limits:
            return ""
        parts = [
            f"{r.name} {plain(round_half_up(r.mg_per_min, 1))} mg/min (label limit "
            f"{plain(r.limit_mg_per_min)} mg/min)"
            for r in self.over_limit
        ]
        fastest = (
            f" The fastest rate within the limits is {plain(self.max_rate_ml_per_h)} mL/h."
            if self.max_rate_ml_per_h is not None
            else ""
        )
        return (
            f"{plain(self.rate_ml_per_h.normalize())} mL/h is faster than the label allows: "
            + "; ".join(parts)
            + "."
            + fastest
        )


def check_pump_rate(rate_ml_per_h: object) -> Decimal:
    """A pump rate above 0 and at most the largest plausible (charting.toml); RateError."""
    rate = exact(rate_ml_per_h, "Pump rate (mL/h)", RateError)
    if rate <= 0:
        raise RateError(f"The pump rate must be more than 0 mL/h, not {plain(rate)}.")
    highest = setting_decimal("max_pump_rate_ml_per_h")
    if rate > highest:
        raise RateError(
            f"{plain(rate)} mL/h is more than a pump delivers ({plain(highest)} mL/h); "
            "check the unit (mL per hour)."
        )
    return rate


def max_rate_ml_per_h(bag: Bag, volume_ml: Decimal) -> Decimal | None:
    """The fastest rate keeping every ingredient within its label limit, rounded down to
    0.1 mL/h; None when nothing in the bag is rate-limited."""
    shortest = shortest_duration(bag)
    if shortest.exact_min is None:
        return None
    exact_rate = volume_ml * MIN_PER_H / shortest.exact_min
    return exact_rate.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def check_rate(bag: Bag, volume_ml: Decimal, rate_ml_per_h: object) -> RateCheck:
    """``bag`` (of which ``volume_ml`` is infused, carrier included) run at a pump rate.

    Raises RateError for an implausible rate, or when the rate would take longer than the
    longest plausible infusion (a unit slip).
    """
    rate = check_pump_rate(rate_ml_per_h)
    if volume_ml <= 0:
        raise RateError("The bag has no volume to run.")
    minutes = volume_ml * MIN_PER_H / rate
    try:
        check_duration(minutes)
    except DurationError:
        raise RateError(
            f"At {plain(rate)} mL/h the bag would run for more than a day; check the rate."
        ) from None
    rates = delivery(bag, minutes)
    return RateCheck(
        rate_ml_per_h=rate,
        duration_min=minutes,
        delivery=rates,
        over_limit=tuple(r for r in rates.ingredient_rates if not r.within_limit),
        max_rate_ml_per_h=max_rate_ml_per_h(bag, volume_ml),
    )


@dataclass(frozen=True)
class Segment:
    """From ``start`` the bag ran at ``rate_ml_per_h`` (0: paused or stopped)."""

    start: datetime
    rate_ml_per_h: Decimal


@dataclass(frozen=True)
class Progress:
    infused_ml: Decimal
    remaining_ml: Decimal
    running_min: Decimal
    minutes_left: Decimal | None  # None while paused or stopped

    @property
    def fraction(self) -> Decimal:
        total = self.infused_ml + self.remaining_ml
        return self.infused_ml / total if total > 0 else Decimal(0)


def _minutes(later: datetime, earlier: datetime) -> Decimal:
    seconds = Decimal((later - earlier).total_seconds()).quantize(Decimal("0.001"))
    return max(seconds / SECONDS_PER_MIN, Decimal(0))


def progress(segments: Sequence[Segment], volume_ml: Decimal, now: datetime) -> Progress:
    """Volume run so far and time left at the current rate, ``segments`` oldest first.

    Aware datetimes only (ClinicalError otherwise). The infused volume never exceeds the bag.
    """
    infused = Decimal(0)
    running = Decimal(0)
    for index, segment in enumerate(segments):
        if segment.start.tzinfo is None or now.tzinfo is None:
            raise ClinicalError("Times of an infusion need a time zone.")
        end = segments[index + 1].start if index + 1 < len(segments) else now
        minutes = _minutes(end, segment.start)
        infused += segment.rate_ml_per_h * minutes / MIN_PER_H
        if segment.rate_ml_per_h > 0:
            running += minutes
    infused = min(infused, volume_ml)
    remaining = volume_ml - infused
    current = segments[-1].rate_ml_per_h if segments else Decimal(0)
    left = remaining * MIN_PER_H / current if current > 0 else None
    return Progress(infused, remaining, running, left)


def administration_kind(started_at: datetime, ended_at: datetime) -> AdministrationKind:
    """ "push" for 15 minutes or less from start to stop, else "infusion" (CPT [S41])."""
    if ended_at < started_at:
        raise ClinicalError("An infusion cannot stop before it started.")
    limit = setting_decimal("push_max_min")
    return "push" if _minutes(ended_at, started_at) <= limit else "infusion"
