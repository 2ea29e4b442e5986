"""Shared fixtures for the clinical-core tests: the seed bags of REFERENCE.md §8."""

from decimal import Decimal

import pytest

from ivmt.clinical.compounding import Bag, compose_bag


@pytest.fixture
def seed_bag_case_a() -> Bag:
    """REFERENCE.md §8.2: the seed recipe with 1 mL vitamin C."""
    return compose_bag("seed_recipe", {"ascorbic_acid_500": Decimal(1)})


@pytest.fixture
def seed_bag_case_b() -> Bag:
    """REFERENCE.md §8.3: the seed recipe with 5 mL vitamin C (the Yale formula)."""
    return compose_bag("seed_recipe", {"ascorbic_acid_500": Decimal(5)})
