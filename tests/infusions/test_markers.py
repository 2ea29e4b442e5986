"""What the outcomes charts can mark: given infusions and adverse events, by clinic-local day,
in a fixed number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.infusions.helpers import Visit, check_in, observe, running
from tests.orders.factories import TODAY

from ivmt.infusions.selectors import infusion_markers


def test_given_infusions_and_adverse_events_are_dated_markers(visit: Visit) -> None:
    assert infusion_markers(patient=visit.patient) == []
    chart = running(visit)
    observe(
        visit,
        chart,
        "fainting",
        severity="moderate",
        action_taken="flat, legs raised",
        event_severity="moderate",
        event_outcome="resolved",
        stop_infusion=True,
    )
    with CaptureQueriesContext(connection) as queries:
        markers = infusion_markers(patient=visit.patient)
    assert len(queries.captured_queries) <= 4
    assert [(m.day, m.kind) for m in markers] == [(TODAY, "adverse_event"), (TODAY, "dose_given")]
    assert markers[1].label == "Dose 1 given, stopped early"
    assert "Fainting" in markers[0].label and markers[0].dose_id == visit.dose.pk


def test_a_visit_not_started_is_no_marker(visit: Visit) -> None:
    check_in(visit)
    assert infusion_markers(patient=visit.patient) == []
