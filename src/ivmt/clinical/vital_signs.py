"""Vital signs at the chair and the clinic's hold limits (``data/vital_signs.toml``).

* :func:`check_reading` turns what was typed into exact Decimals and refuses a reading that
  cannot be real (outside the plausibility limits, too many decimals, a diastolic at or above
  the systolic): a typing error must never reach the chart.
* :func:`check_hold_limits` validates a clinic's hold limits against the allowed ranges (the
  limits are clinic policy, not clinical facts: the data gives defaults and ranges only).
* :func:`holds` lists the readings outside the clinic's hold limits, each with its message.

Units are in the ids (``systolic_mmhg``, ``temperature_c``). A reading of a vital the clinic
does not chart is simply absent; a hold limit on an absent vital does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal, cast

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import Provenance, entries
from ivmt.clinical.quantities import exact, plain

FILE = "vital_signs.toml"
Direction = Literal["below", "above"]


class VitalSignError(ClinicalError):
    """A reading that is not a number, not plausible, or inconsistent with another."""


class HoldLimitError(ClinicalError):
    """A clinic hold limit that is unknown or outside its allowed range."""


@dataclass(frozen=True)
class Vital:
    """One vital sign; ``lowest``/``highest`` bound a plausible reading (typing errors)."""

    id: str
    name: str
    short: str
    unit: str
    lowest: Decimal
    highest: Decimal
    places: int
    always: bool
    provenance: Provenance


@dataclass(frozen=True)
class HoldLimit:
    """A clinic-policy threshold: a reading ``direction`` it holds the dose."""

    id: str
    vital: str
    direction: Direction
    name: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    message: str
    provenance: Provenance


@dataclass(frozen=True)
class Hold:
    """A reading outside a hold limit."""

    limit_id: str
    vital: str
    value: Decimal
    limit: Decimal
    message: str


@cache
def vitals() -> tuple[Vital, ...]:
    """Every vital sign, in the order of the data file."""
    loaded = []
    for entry in entries(FILE, "vital"):
        vital = Vital(
            id=entry.slug("id"),
            name=entry.text("name"),
            short=entry.text("short"),
            unit=entry.text("unit"),
            lowest=entry.decimal("lowest", non_negative=True),
            highest=entry.decimal("highest", positive=True),
            places=entry.integer("places", minimum=0),
            always=entry.boolean("always"),
            provenance=entry.provenance(),
        )
        if vital.lowest >= vital.highest:
            raise entry.error("highest", "must be above 'lowest'")
        entry.finish()
        loaded.append(vital)
    return tuple(loaded)


def vital(vital_id: str) -> Vital:
    """The vital with this id; VitalSignError naming the known ids."""
    for candidate in vitals():
        if candidate.id == vital_id:
            return candidate
    known = ", ".join(v.id for v in vitals())
    raise VitalSignError(f"Unknown vital sign '{vital_id}'. Known: {known}.")


@cache
def hold_limits() -> tuple[HoldLimit, ...]:
    """Every hold limit, in the order of the data file."""
    known = {v.id for v in vitals()}
    loaded = []
    for entry in entries(FILE, "hold_limit"):
        limit = HoldLimit(
            id=entry.slug("id"),
            vital=entry.slug("vital"),
            direction=cast(Direction, entry.choice("direction", ("below", "above"))),
            name=entry.text("name"),
            default=entry.decimal("default", positive=True),
            minimum=entry.decimal("minimum", positive=True),
            maximum=entry.decimal("maximum", positive=True),
            message=entry.text("message"),
            provenance=entry.provenance(),
        )
        if limit.vital not in known:
            raise entry.error("vital", f"'{limit.vital}' is not a [[vital]] of this file")
        if not limit.minimum <= limit.default <= limit.maximum:
            raise entry.error("default", "must lie within [minimum, maximum]")
        entry.finish()
        loaded.append(limit)
    return tuple(loaded)


def hold_limit_defaults() -> dict[str, Decimal]:
    """The hold limits a new clinic starts with."""
    return {limit.id: limit.default for limit in hold_limits()}


def check_hold_limits(values: Mapping[str, object]) -> dict[str, Decimal]:
    """A clinic's complete hold limits (defaults filled in); HoldLimitError naming the limit,
    its unit and allowed range for an unknown, non-numeric or out-of-range value."""
    by_id = {limit.id: limit for limit in hold_limits()}
    complete = hold_limit_defaults()
    for key, raw in values.items():
        limit = by_id.get(key)
        if limit is None:
            raise HoldLimitError(f"Unknown hold limit '{key}'.")
        unit = vital(limit.vital).unit
        value = exact(raw, limit.name, HoldLimitError)
        if not limit.minimum <= value <= limit.maximum:
            raise HoldLimitError(
                f"{limit.name}: {plain(value.normalize())} {unit} is outside the allowed range "
                f"{plain(limit.minimum.normalize())}-{plain(limit.maximum.normalize())} {unit}."
            )
        complete[key] = value
    for below, above in (
        ("systolic_below", "systolic_above"),
        ("heart_rate_below", "heart_rate_above"),
    ):
        if below in complete and above in complete and complete[below] >= complete[above]:
            raise HoldLimitError(
                f"{by_id[below].name} must be lower than {by_id[above].name.lower()}."
            )
    return complete


def check_reading(values: Mapping[str, object]) -> dict[str, Decimal]:
    """One set of readings as exact Decimals (blank entries left out).

    Raises VitalSignError for an unknown vital, a value that is not a number, has more
    decimals than the vital takes, lies outside the plausibility limits, or a diastolic
    pressure at or above the systolic (the two were swapped or mistyped).
    """
    reading: dict[str, Decimal] = {}
    for key, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        spec = vital(key)
        value = exact(raw, spec.name, VitalSignError)
        # The range first: quantizing an absurd exponent would itself fail.
        if not spec.lowest <= value <= spec.highest:
            raise VitalSignError(
                f"{spec.name} of {plain(value.normalize())} {spec.unit} is not a possible "
                f"reading (expected {plain(spec.lowest)}-{plain(spec.highest)} {spec.unit}); "
                "check the number and the unit."
            )
        if value != value.quantize(Decimal(1).scaleb(-spec.places)):
            allowed = "a whole number" if spec.places == 0 else f"at most {spec.places} decimal"
            raise VitalSignError(f"{spec.name} is given as {allowed} of {spec.unit}.")
        reading[key] = value
    systolic, diastolic = reading.get("systolic_mmhg"), reading.get("diastolic_mmhg")
    if (systolic is None) != (diastolic is None):
        raise VitalSignError("Give both the systolic and the diastolic pressure.")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        raise VitalSignError(
            f"The diastolic pressure ({plain(diastolic)} mmHg) must be below the systolic "
            f"({plain(systolic)} mmHg); check the order of the two."
        )
    return reading


def holds(reading: Mapping[str, Decimal], limits: Mapping[str, Decimal]) -> tuple[Hold, ...]:
    """The readings outside the clinic's hold limits (``limits``: limit id → value), in the
    order of the data file. A limit on a vital not in ``reading`` does not apply."""
    found = []
    for limit in hold_limits():
        value = reading.get(limit.vital)
        threshold = limits.get(limit.id, limit.default)
        if value is None:
            continue
        outside = value < threshold if limit.direction == "below" else value > threshold
        if outside:
            found.append(
                Hold(
                    limit_id=limit.id,
                    vital=limit.vital,
                    value=value,
                    limit=threshold,
                    message=limit.message.format(
                        value=plain(value.normalize()),
                        limit=plain(threshold.normalize()),
                        unit=vital(limit.vital).unit,
                    ),
                )
            )
    return tuple(found)
