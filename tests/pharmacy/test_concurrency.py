"""Two pharmacists at once: one last vial, one dose — exactly one wins, stock stays exact.

Meaningful on PostgreSQL, where ``select_for_update`` takes row locks (SQLite serialises whole
write transactions instead, and its shared in-memory test database does not allow this test's
parallel connections); skipped on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW, stock_everything

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.models import CompoundingRecord, StockLot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's (see docstring)"
    ),
]


def race(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs at the same moment in threads; each result or the exception it raised."""
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        start.wait()
        try:
            results[index] = job()
        except Exception as error:  # the race's loser is the point
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_pharmacists_drawing_the_last_vial_one_wins_and_stock_is_exact(
    priya: User,
    paul: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
) -> None:
    stock_everything(priya, clinic)
    last = StockLot.objects.get(ingredient_id="calcium_gluconate_10")
    StockLot.objects.filter(pk=last.pk).update(on_hand_ml=Decimal(10))  # one vial left
    first = make_course(make_patient(given_name="One")).doses.get(number=1)
    second = make_course(make_patient(given_name="Two")).doses.get(number=1)
    results = race(
        lambda: services.compounding_prepare(
            actor=actor_for(priya, clinic), dose_id=first.pk, prep_started_at=FROZEN_NOW
        ),
        lambda: services.compounding_prepare(
            actor=actor_for(paul, clinic), dose_id=second.pk, prep_started_at=FROZEN_NOW
        ),
    )
    made = [r for r in results if isinstance(r, CompoundingRecord)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "Not enough Calcium gluconate 10 %" in " ".join(refused[0].messages)
    last.refresh_from_db()
    assert last.on_hand_ml == Decimal(0)
    assert CompoundingRecord.objects.count() == 1


def test_two_pharmacists_preparing_the_same_dose_one_wins(
    priya: User, paul: User, clinic: Clinic, course: CourseOrder
) -> None:
    lots = stock_everything(priya, clinic)
    dose = course.doses.get(number=1)
    results = race(
        lambda: services.compounding_prepare(
            actor=actor_for(priya, clinic), dose_id=dose.pk, prep_started_at=FROZEN_NOW
        ),
        lambda: services.compounding_prepare(
            actor=actor_for(paul, clinic), dose_id=dose.pk, prep_started_at=FROZEN_NOW
        ),
    )
    assert sum(isinstance(r, CompoundingRecord) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    water = StockLot.objects.get(pk=lots["sterile_water"].pk)
    assert water.on_hand_ml == Decimal(180)  # one 20 mL vial drawn, not two
