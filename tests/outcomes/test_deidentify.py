"""Research exports: stable pseudonyms and date shifts, pooled old ages, no formula injection."""

from __future__ import annotations

from datetime import date

import pytest

from ivmt.outcomes.deidentify import (
    MAX_SHIFT_DAYS,
    age_text,
    csv_safe,
    pseudonym,
    shift_days,
)


def test_the_same_patient_gets_the_same_pseudonym_and_shift_every_time():
    assert pseudonym("secret", 7) == pseudonym("secret", 7)
    assert shift_days("secret", 7) == shift_days("secret", 7)


def test_other_patients_and_other_clinics_get_other_pseudonyms():
    assert pseudonym("secret", 7) != pseudonym("secret", 8)
    assert pseudonym("secret", 7) != pseudonym("other", 7)
    assert len(pseudonym("secret", 7)) == 16 and pseudonym("secret", 7) != "7"


def test_shifts_are_never_zero_and_spread_both_ways_within_the_limit():
    shifts = [shift_days("secret", n) for n in range(1, 400)]
    assert all(1 <= abs(s) <= MAX_SHIFT_DAYS for s in shifts)
    assert any(s < 0 for s in shifts) and any(s > 0 for s in shifts)
    assert len(set(shifts)) > 100


def test_ages_over_89_are_pooled():
    assert age_text(date(1936, 6, 1), date(2026, 5, 31)) == "89"
    assert age_text(date(1936, 6, 1), date(2026, 6, 1)) == "90+"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTAB", "'\tTAB"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),
        ("12", "12"),
        ("fibromyalgia", "fibromyalgia"),
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(cell, expected):
    assert csv_safe(cell) == expected
