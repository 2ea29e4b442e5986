"""A patient's outcomes page: the schedule from the course, what is due, trends with doses."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import actor_for
from tests.outcomes.conftest import SIX_WEEKS_AGO, TODAY, fiqr, record, signed_course

from ivmt.accounts.models import Clinic, User
from ivmt.outcomes.selectors import patient_outcomes
from ivmt.patients.models import Patient


def test_the_schedule_follows_the_course_and_marks_what_is_done_and_due(
    diaz: User, nadia: User, fibro: Patient, clinic: Clinic
) -> None:
    signed_course(fibro, diaz)
    record(fibro, nadia, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
    outcomes = patient_outcomes(actor=actor_for(nadia, clinic), patient_id=fibro.pk)
    rows = {r.assessment.key: r for r in outcomes.plan}
    assert rows["baseline"].status == "partly done"
    assert rows["baseline"].missing == ["pain_nrs", "tender_points", "phq9"]
    assert rows["week_6"].status == "due" and rows["week_6"].assessment.due_on == TODAY
    assert rows["end_of_loading"].status == "upcoming"
    assert rows["visit:7"].status == "due"  # today's dose: pain and side effects
    assert outcomes.phase_now == "loading" and outcomes.doses_given == 6


def test_without_a_course_the_baseline_can_be_recorded_now(
    nadia: User, fibro: Patient, clinic: Clinic
) -> None:
    outcomes = patient_outcomes(actor=actor_for(nadia, clinic), patient_id=fibro.pk)
    (row,) = outcomes.plan
    assert row.assessment.timepoint == "baseline" and row.status == "due"


def test_the_page_links_each_due_instrument_with_its_time_point(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient
) -> None:
    signed_course(fibro, diaz)
    body = client_for(nadia).get(reverse("outcomes:patient", args=[fibro.pk])).content.decode()
    record_url = reverse("outcomes:record", args=[fibro.pk, "fiqr"])
    assert f'href="{record_url}?timepoint=week_6"' in body
    pain_url = reverse("outcomes:record", args=[fibro.pk, "pain_nrs"])
    assert f'href="{pain_url}?timepoint=visit&amp;dose=7"' in body


def test_the_trend_chart_marks_the_planned_doses(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient
) -> None:
    signed_course(fibro, diaz)
    record(fibro, nadia, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
    record(fibro, nadia, "fiqr", fiqr(4, 5, 3), "week_6")
    body = client_for(nadia).get(reverse("outcomes:patient", args=[fibro.pk])).content.decode()
    chart = body.split('data-instrument="fiqr"', 1)[1].split("</svg>", 1)[0]
    # One marker per planned dose, up to four weeks ahead (doses 1-7 given, 8-11 to come).
    assert "Dose 1 planned (given: not yet charted)" in chart
    assert "Dose 11 planned" in chart and "Dose 12 planned" not in chart
    assert ">50.0</text>" in chart and ">37.0</text>" in chart


def test_the_page_makes_the_same_number_of_queries_however_many_responses(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient
) -> None:
    signed_course(fibro, diaz)
    client = client_for(nadia)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("outcomes:patient", args=[fibro.pk])).status_code == 200
        return len(context.captured_queries)

    record(fibro, nadia, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
    few = queries()
    for dose in range(2, 7):
        record(
            fibro,
            nadia,
            "pain_nrs",
            {"pain_average": 8 - dose // 2},
            "visit",
            answered_on=SIX_WEEKS_AGO,
            dose_number=dose,
        )
    record(fibro, nadia, "fiqr", fiqr(4, 5, 3), "week_6")
    assert queries() == few
    assert few <= 25


def test_the_chart_page_shows_the_latest_scores_with_a_fixed_query_count(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    client = client_for(nadia)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("patients:chart", args=[fibro.pk]))
        assert response.status_code == 200
        return len(context.captured_queries)

    before = queries()
    record(fibro, nadia, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)
    record(fibro, nadia, "pain_nrs", {"pain_average": 6}, "baseline", answered_on=SIX_WEEKS_AGO)
    assert queries() == before
    body = client.get(reverse("patients:chart", args=[fibro.pk])).content.decode()
    assert 'id="outcomes-panel"' in body and "FIQR: <strong>50</strong>" in body
