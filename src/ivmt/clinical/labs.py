"""Lab analytes for the patient chart: codes, LOINC, units, ranges and impossible values.

The analytes live in ``data/labs.toml`` (REFERENCE.md §4.1). Every accepted unit is converted
through one pivot, the amount concentration in mmol/L:

* a mass unit (mg/dL) through the ion's molar mass: ``mmol/L = mg/dL x 10 / M`` (M in mg/mmol),
  or, for creatinine, the REFERENCE.md factor ``umol/L = mg/dL x 88.4``;
* a charge unit (mEq/L) through the ion's valence: ``mmol/L = mEq/L / |valence|``;
* µmol/L is mmol/L / 1000.

The ratio between two units is kept as an exact :class:`~fractions.Fraction` and applied to the
Decimal value in one step, so ``1 mmol/L`` magnesium is exactly ``2.4305 mg/dL`` and round trips
through non-terminating ratios (x 88.4) agree to the 28 digits of the Decimal context. Rounding is
for display only (:func:`round_for_display`, half-up, places per unit from the data file).

Physiological limits are DESIGN bounds (see ``data/labs.toml``): a value outside them is refused
as impossible, never silently stored. The limits are inclusive.

Units are matched case-insensitively and the micro sign and Greek mu are treated alike
(``str.casefold`` maps both to the same letter), so "umol/l", "µmol/L" and "μmol/L" all work.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache

from ivmt.clinical.errors import (
    ImpossibleLabValue,
    LabUnitError,
    LabValueError,
    UnknownAnalyte,
)
from ivmt.clinical.ions import Ion, ion
from ivmt.clinical.knowledge import EntryReader, entries
from ivmt.clinical.quantities import plain, round_half_up

FILE = "labs.toml"

# How each known unit relates to mmol/L. A unit outside this vocabulary is a data error.
_MASS = "mass"  # mg/dL
_AMOUNT = "amount"  # mmol/L, µmol/L
_CHARGE = "charge"  # mEq/L
_RATE = "rate"  # mL/min/1.73m2 (eGFR): no conversion exists
_UNIT_KIND: dict[str, tuple[str, Fraction]] = {
    "mg/dL": (_MASS, Fraction(1)),
    "mmol/L": (_AMOUNT, Fraction(1)),
    "µmol/L": (_AMOUNT, Fraction(1, 1000)),
    "mEq/L": (_CHARGE, Fraction(1)),
    "mL/min/1.73m2": (_RATE, Fraction(1)),
}


@dataclass(frozen=True)
class Analyte:
    """A lab analyte. Ranges and limits are in ``canonical_unit``.

    ``reference_low/high`` is a typical adult range (the performing lab's range overrides it in
    the app); ``physiological_min/max`` bound possible values (inclusive; outside = refused).
    ``status`` covers the LOINC code and the reference range; ``limits_status`` the
    physiological limits (always "design": REFERENCE.md gives none).
    """

    code: str
    name: str
    loinc: str
    canonical_unit: str
    units: tuple[str, ...]
    reference_low: Decimal | None
    reference_high: Decimal | None
    physiological_min: Decimal
    physiological_max: Decimal
    sources: tuple[str, ...]
    status: str
    rationale: str
    other_loinc: tuple[str, ...] = ()
    limits_status: str = "design"
    limits_rationale: str = ""
    version: int = 1


@dataclass(frozen=True)
class _UnitRule:
    unit: str
    aliases: tuple[str, ...]
    display_places: int
    mmol_per_l_per_unit: Fraction | None  # None for a unit that converts to nothing (eGFR)


@dataclass(frozen=True)
class _Definition:
    analyte: Analyte
    rules: tuple[_UnitRule, ...]


def _unit_ratio(
    entry: EntryReader, unit: str, ion_: Ion | None, umol_factor: Decimal | None
) -> Fraction | None:
    """mmol/L represented by one of ``unit``, as an exact fraction."""
    kind, scale = _UNIT_KIND[unit]
    if kind == _AMOUNT:
        return scale
    if kind == _RATE:
        return None
    if kind == _CHARGE:
        if ion_ is None:
            raise entry.error("units", f"{unit} needs an 'ion' with a valence")
        return Fraction(1, abs(ion_.valence))
    # Mass: mg/dL -> mg/L (x10) -> mmol/L (/ mg per mmol).
    if ion_ is not None and ion_.molar_mass_g_per_mol is not None:
        return Fraction(10) / Fraction(ion_.molar_mass_g_per_mol)
    if umol_factor is not None:
        return Fraction(umol_factor) / 1000
    raise entry.error("units", f"{unit} needs an ion with a molar mass or a umol/L factor")


def _load_one(entry: EntryReader) -> _Definition:
    code = entry.slug("id")
    ion_id = entry.optional_text("ion")
    ion_ = ion(ion_id) if ion_id else None
    umol_factor = entry.optional_decimal("umol_per_l_per_mg_per_dl", positive=True)
    canonical = entry.text("canonical_unit")
    rules: list[_UnitRule] = []
    for unit_entry in entry.tables("units"):
        unit = unit_entry.text("unit")
        if unit not in _UNIT_KIND:
            raise unit_entry.error("unit", f"'{unit}' is not one of {', '.join(_UNIT_KIND)}")
        rules.append(
            _UnitRule(
                unit=unit,
                aliases=unit_entry.optional_texts("aliases"),
                display_places=unit_entry.integer("display_places", minimum=0),
                mmol_per_l_per_unit=_unit_ratio(entry, unit, ion_, umol_factor),
            )
        )
        unit_entry.finish()
    if not rules or rules[0].unit != canonical:
        raise entry.error("units", f"the first unit must be the canonical unit {canonical}")
    low = entry.optional_decimal("reference_low", non_negative=True)
    high = entry.optional_decimal("reference_high", non_negative=True)
    pmin = entry.decimal("physiological_min", non_negative=True)
    pmax = entry.decimal("physiological_max", positive=True)
    if pmin >= pmax:
        raise entry.error("physiological_max", "must exceed physiological_min")
    for name, bound in (("reference_low", low), ("reference_high", high)):
        if bound is not None and not pmin <= bound <= pmax:
            raise entry.error(name, "must lie within the physiological limits")
    provenance = entry.provenance()
    analyte_ = Analyte(
        code=code,
        name=entry.text("name"),
        loinc=entry.text("loinc"),
        canonical_unit=canonical,
        units=tuple(r.unit for r in rules),
        reference_low=low,
        reference_high=high,
        physiological_min=pmin,
        physiological_max=pmax,
        sources=provenance.sources,
        status=provenance.status,
        rationale=provenance.rationale,
        other_loinc=entry.optional_texts("other_loinc"),
        limits_status=entry.choice("limits_status", ("design", "unverified", "sourced")),
        limits_rationale=entry.text("limits_rationale"),
        version=provenance.version,
    )
    entry.finish()
    return _Definition(analyte=analyte_, rules=tuple(rules))


@cache
def _definitions() -> dict[str, _Definition]:
    return {d.analyte.code: d for d in (_load_one(e) for e in entries(FILE, "analyte"))}


def analytes() -> tuple[Analyte, ...]:
    """Every analyte, in the order of the data file."""
    return tuple(d.analyte for d in _definitions().values())


def analyte(code: str) -> Analyte:
    """The analyte with this code; raises UnknownAnalyte naming the known codes."""
    return _definition(code).analyte


def _definition(code: str) -> _Definition:
    try:
        return _definitions()[code]
    except KeyError:
        known = ", ".join(_definitions())
        raise UnknownAnalyte(f"Unknown lab analyte '{code}'. Known analytes: {known}.") from None


def _rule(code: str, unit: str) -> _UnitRule:
    definition = _definition(code)
    wanted = unit.strip().casefold()
    for rule in definition.rules:
        if wanted in (s.casefold() for s in (rule.unit, *rule.aliases)):
            return rule
    accepted = ", ".join(definition.analyte.units)
    raise LabUnitError(
        f"{definition.analyte.name}: unit '{unit}' is not accepted. Use one of: {accepted}."
    )


def _apply(value: Decimal, ratio: Fraction) -> Decimal:
    """``value x ratio`` with a single Decimal division (exact when the result terminates)."""
    if not value.is_finite():
        raise LabValueError(f"'{value}' is not a number.")
    scaled = Fraction(value) * ratio
    return Decimal(scaled.numerator) / Decimal(scaled.denominator)


def _ratio(code: str, from_unit: str, to_unit: str) -> Fraction:
    source, target = _rule(code, from_unit), _rule(code, to_unit)
    if source.unit == target.unit:
        return Fraction(1)
    if source.mmol_per_l_per_unit is None or target.mmol_per_l_per_unit is None:
        # Only eGFR has such a unit, and it accepts no other, so this is unreachable with the
        # shipped data; it stays a clear error should a data file ever add one.
        raise LabUnitError(f"{analyte(code).name}: {from_unit} cannot be converted to {to_unit}.")
    return source.mmol_per_l_per_unit / target.mmol_per_l_per_unit


def to_canonical(code: str, value: Decimal, unit: str) -> Decimal:
    """``value`` in ``unit`` converted to the analyte's canonical unit (exact, unrounded).

    Raises UnknownAnalyte, or LabUnitError naming the accepted units.
    """
    return _apply(value, _ratio(code, unit, analyte(code).canonical_unit))


def from_canonical(code: str, value: Decimal, unit: str) -> Decimal:
    """``value`` in the canonical unit converted to ``unit`` (exact, unrounded)."""
    return _apply(value, _ratio(code, analyte(code).canonical_unit, unit))


def canonical_unit_name(code: str, unit: str) -> str:
    """The canonical spelling of an accepted unit or alias (``"umol/l"`` -> ``"µmol/L"``)."""
    return _rule(code, unit).unit


def validate_result(code: str, value: Decimal, unit: str) -> Decimal:
    """Check a result as entered and return it in the canonical unit.

    Raises LabValueError for a value that is not a finite, non-negative Decimal, and
    ImpossibleLabValue (a LabValueError) when it lies outside the physiological limits; that
    message names the value, the unit and the limits expressed in the unit entered.
    """
    definition = _definition(code)
    rule = _rule(code, unit)
    name = definition.analyte.name
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise LabValueError(f"{name}: the value must be an exact decimal number, not {value!r}.")
    value = Decimal(value)
    if not value.is_finite():
        raise LabValueError(f"{name}: '{value}' is not a number.")
    if value < 0:
        raise LabValueError(f"{name}: {plain(value)} {rule.unit} is negative.")
    canonical = to_canonical(code, value, unit)
    low, high = definition.analyte.physiological_min, definition.analyte.physiological_max
    if not low <= canonical <= high:
        # One more decimal than results are shown with, trailing zeros dropped: 0.041 mmol/L.
        low_shown = round_half_up(from_canonical(code, low, unit), rule.display_places + 1)
        high_shown = round_half_up(from_canonical(code, high, unit), rule.display_places + 1)
        low_shown, high_shown = low_shown.normalize(), high_shown.normalize()
        raise ImpossibleLabValue(
            f"{name}: {plain(value)} {rule.unit} is outside the possible range "
            f"{plain(low_shown)}-{plain(high_shown)} {rule.unit}. Check the value and the unit."
        )
    return canonical


def flag(value: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    """``"L"`` below ``low``, ``"H"`` above ``high``, else ``""``; a bound equal to the value is
    within range, and a missing bound never flags."""
    if low is not None and value < low:
        return "L"
    if high is not None and value > high:
        return "H"
    return ""


def round_for_display(code: str, value: Decimal, unit: str) -> Decimal:
    """``value`` (already in ``unit``) rounded half-up to the places the data gives ``unit``."""
    return round_half_up(value, _rule(code, unit).display_places)
