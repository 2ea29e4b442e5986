"""Two people at once on PostgreSQL (row locks; SQLite serialises whole write transactions and
its shared in-memory test database does not allow parallel connections, so skipped there):
two nurses charting one visit, two check-ins of one dose, two patients into one chair —
exactly one wins, the other is refused, nothing is overwritten."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from tests.infusions.helpers import NORMAL, Visit, check_in, fresh, running
from tests.pharmacy.test_concurrency import race

from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, Observation, RateEvent
from ivmt.orders.models import CourseOrder
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's (see docstring)"
    ),
]


def test_two_nurses_charting_the_same_visit_one_wins(visit: Visit) -> None:
    chart = fresh(running(visit))
    version = chart.version
    results = race(
        lambda: services.infusion_rate_change(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=version,
            kind="slow",
            at=timezone.now(),
            reason="flushing",
            rate_ml_per_h=Decimal(100),
        ),
        lambda: services.observation_record(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=version,
            seen=services.Seen(side_effect_id="vitamin_taste", severity="mild", at=timezone.now()),
        ),
    )
    assert sum(isinstance(r, EditConflict) for r in results) == 1, results
    assert fresh(chart).version == version + 1
    wrote = RateEvent.objects.filter(chart=chart, kind="slow").count()
    wrote += Observation.objects.filter(chart=chart).count()
    assert wrote == 1


def test_two_check_ins_of_one_dose_make_one_chart(visit: Visit) -> None:
    results = race(lambda: check_in(visit), lambda: check_in(visit))
    assert sum(isinstance(r, InfusionChart) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert InfusionChart.objects.count() == 1


def test_two_patients_into_one_chair_one_wins(
    visit: Visit,
    make_visit: Callable[..., Visit],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    other = make_visit(make_course(make_patient(given_name="Tia")), chair=0)
    results = race(lambda: check_in(visit, NORMAL), lambda: check_in(other, NORMAL))
    assert sum(isinstance(r, InfusionChart) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "Chair 1 is in use" in " ".join(refused[0].messages)
    assert InfusionChart.objects.filter(chair=visit.chair).count() == 1
