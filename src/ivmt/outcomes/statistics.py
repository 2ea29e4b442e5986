"""Statistics for the programme page: Wilson intervals and paired t-tests from summaries.

Pure (no Django import): the database aggregates, this module only turns counts, means and
standard deviations into intervals and p-values.

* Wilson score interval for a proportion (Wilson 1927), exact Decimal arithmetic; better than
  the Wald interval for the small counts of one clinic (it never leaves 0-1 and is not
  degenerate at 0 % or 100 %).
* Paired t-test on within-patient changes, from the count, mean and sample standard deviation
  of the changes (which is all the test needs): ``t = mean / (sd / sqrt(n))``, ``n - 1``
  degrees of freedom, two-sided p from scipy's t distribution. scipy is imported here only, at
  call time, so the rest of the app runs without it; without it the p-value is None and the
  page says why.

``MIN_PAIRS``: with fewer than 5 pairs the test is not shown (DESIGN: a p-value from 2-4
patients invites over-reading; the mean change is still shown).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from decimal import Decimal

# The 97.5th percentile of the standard normal distribution (two-sided 95 %).
Z_95 = Decimal("1.959963984540054")
MIN_PAIRS = 5


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``n`` with its Wilson interval; rates are fractions (0-1)."""

    successes: int
    n: int
    rate: Decimal
    low: Decimal
    high: Decimal

    def percent(self, value: Decimal) -> str:
        return f"{(value * 100).quantize(Decimal('1'))} %"


def wilson_interval(successes: int, n: int, z: Decimal = Z_95) -> Proportion | None:
    """The Wilson score interval of ``successes / n``; None when ``n`` is 0.

    Raises ValueError when the counts are negative or ``successes > n``.
    """
    if isinstance(successes, bool) or isinstance(n, bool):
        raise ValueError("Counts must be whole numbers.")
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"Impossible counts: {successes} of {n}.")
    if n == 0:
        return None
    p = Decimal(successes) / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    # At 0 and n the bounds are exactly 0 and 1; computed, they carry a 1e-28 residue that
    # would put the interval beside the rate.
    low = Decimal(0) if successes == 0 else min(p, max(Decimal(0), centre - half))
    high = Decimal(1) if successes == n else max(p, min(Decimal(1), centre + half))
    return Proportion(successes=successes, n=n, rate=p, low=low, high=high)


@dataclass(frozen=True)
class PairedTest:
    n: int
    mean_change: Decimal
    sd_change: Decimal | None
    t: Decimal | None
    df: int | None
    p_value: Decimal | None
    note: str


def scipy_available() -> bool:
    try:
        importlib.import_module("scipy.stats")
    except ImportError:
        return False
    return True


def paired_t(*, n: int, mean_change: Decimal, sd_change: Decimal | None) -> PairedTest:
    """Two-sided paired t-test of ``mean_change`` against 0 from summary statistics.

    ``sd_change`` is the sample standard deviation (n - 1) of the changes.
    """
    if n < MIN_PAIRS:
        return PairedTest(n, mean_change, sd_change, None, None, None, f"n < {MIN_PAIRS}: no test")
    if sd_change is None or sd_change <= 0:
        return PairedTest(
            n, mean_change, sd_change, None, None, None, "every change is identical: no test"
        )
    t = mean_change / (sd_change / Decimal(n).sqrt())
    df = n - 1
    try:
        stats = importlib.import_module("scipy.stats")
    except ImportError:
        return PairedTest(n, mean_change, sd_change, t, df, None, "scipy is not installed")
    p = Decimal(repr(float(2 * stats.t.sf(abs(float(t)), df))))
    return PairedTest(n, mean_change, sd_change, t, df, p, "paired t-test, two-sided")
