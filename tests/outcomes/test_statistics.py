"""Wilson intervals match Newcombe's published examples; paired t-tests from summaries."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ivmt.outcomes.statistics import MIN_PAIRS, paired_t, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe RG. Two-sided confidence intervals for the single proportion. Stat Med
        # 1998;17:857-872, Table I, method 3 (Wilson score, without continuity correction).
        (81, 263, "0.2553", "0.3662"),
        (15, 148, "0.0624", "0.1605"),
        (0, 20, "0.0000", "0.1611"),
        (1, 29, "0.0061", "0.1718"),
        (8, 10, "0.4902", "0.9433"),
        (10, 10, "0.7225", "1.0000"),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    result = wilson_interval(successes, n)
    assert result is not None
    assert (round(result.low, 4), round(result.high, 4)) == (D(low), D(high))
    assert result.rate == D(successes) / n


def test_wilson_interval_stays_within_0_and_1():
    for n in range(1, 30):
        for k in range(n + 1):
            result = wilson_interval(k, n)
            assert result is not None and 0 <= result.low <= result.rate <= result.high <= 1


def test_no_interval_without_patients():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("successes", "n"), [(11, 10), (-1, 10), (1, -1)])
def test_impossible_counts_are_refused(successes, n):
    with pytest.raises(ValueError, match="Impossible counts"):
        wilson_interval(successes, n)


def test_paired_t_from_count_mean_and_sd():
    # n 10, mean change -5, SD 5: t = -5 / (5 / sqrt 10) = -3.1623, df 9, p = 0.0115.
    result = paired_t(n=10, mean_change=D(-5), sd_change=D(5))
    assert result.t is not None and round(result.t, 4) == D("-3.1623")
    assert result.df == 9
    assert result.p_value is not None and round(result.p_value, 4) == D("0.0115")


def test_no_test_below_the_minimum_number_of_pairs():
    result = paired_t(n=MIN_PAIRS - 1, mean_change=D(-5), sd_change=D(5))
    assert result.p_value is None and result.t is None
    assert "n < 5" in result.note


def test_no_test_when_every_change_is_identical():
    result = paired_t(n=8, mean_change=D(-2), sd_change=D(0))
    assert result.p_value is None and "identical" in result.note
