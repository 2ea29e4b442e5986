"""Exact quantities: checking inputs are Decimals and rounding for display only.

All clinical arithmetic runs on :class:`~decimal.Decimal` in the default context (28 significant
digits). Quotients that do not terminate (``1000 / 203.30``) are therefore correct to 28 digits,
far below any clinically meaningful difference; nothing is rounded until a value is shown.

Display rounding is ROUND_HALF_UP (``1.395 -> 1.40``), the convention of pharmacy and lab reports,
rather than Python's default banker's rounding, so printed figures match a hand calculation.

Trade-off: floats are refused outright instead of being converted, because ``Decimal(0.1)`` silently
carries binary noise into a dose; ints are accepted as exact.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from ivmt.clinical.errors import ClinicalError


def exact(value: object, what: str, error: type[ClinicalError] = ClinicalError) -> Decimal:
    """``value`` as a finite Decimal; ints and numeric strings are accepted, floats refused.

    Raises ``error`` (a ClinicalError subclass) naming ``what`` for anything else.
    """
    if isinstance(value, bool | float):
        raise error(f"{what} must be an exact decimal number, not {value!r}.")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise error(f"{what} must be a number, not '{value}'.") from None
    else:
        raise error(f"{what} must be a number, not {value!r}.")
    if not number.is_finite():
        raise error(f"{what} must be a finite number, not {value}.")
    return number


def round_half_up(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, for display only."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_up(value: Decimal, places: int = 0) -> Decimal:
    """``value`` rounded towards +infinity, for minimum durations that must not be undershot."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_CEILING)


def plain(value: Decimal) -> str:
    """Fixed-point text without exponent (``Decimal('1E+1')`` -> ``'10'``)."""
    return f"{value:f}"
