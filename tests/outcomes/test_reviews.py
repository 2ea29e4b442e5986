"""Week-6 and end-of-loading reviews: due in the physician's queue, signed, driving the course."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for, make_member
from tests.outcomes.conftest import SIX_WEEKS_AGO, TODAY, fiqr, record, signed_course
from tests.screening.helpers import screen_and_approve

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder, PlannedDose, PlannedReview
from ivmt.outcomes.models import Review
from ivmt.outcomes.reviews import review_queue
from ivmt.patients.models import Patient


def _week_6_point(order: CourseOrder) -> PlannedReview:
    return PlannedReview.objects.get(order=order, review_id="week_6_review")


def _answers_at_baseline_and_week_6(patient: Patient, nurse: User) -> None:
    record(patient, nurse, "fiqr", fiqr(6, 6, 4), "baseline", answered_on=SIX_WEEKS_AGO)  # 50
    record(patient, nurse, "fiqr", fiqr(4, 5, 3), "week_6")  # 12 + 10 + 15 = 37: 26 % lower


def test_the_week_6_review_is_in_the_queue_on_its_due_date(
    diaz: User, fibro: Patient, clinic: Clinic
) -> None:
    signed_course(fibro, diaz)
    items = review_queue(actor=actor_for(diaz, clinic))
    assert [(i.kind, i.point.date, i.patient) for i in items] == [("week_6", TODAY, fibro)]


def test_a_review_not_yet_due_waits_until_its_answers_are_recorded(
    diaz: User, nadia: User, fibro: Patient, clinic: Clinic
) -> None:
    signed_course(fibro, diaz, start=SIX_WEEKS_AGO + timedelta(weeks=1))
    doctor = actor_for(diaz, clinic)
    assert review_queue(actor=doctor) == []
    record(fibro, nadia, "pain_nrs", {"pain_average": 4}, "week_6")
    assert [i.kind for i in review_queue(actor=doctor)] == ["week_6"]


def test_the_review_page_shows_the_verdict_and_the_charts(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient
) -> None:
    order = signed_course(fibro, diaz)
    _answers_at_baseline_and_week_6(fibro, nadia)
    page = client_for(diaz).get(reverse("outcomes:review", args=[_week_6_point(order).pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "FIQR 50.0 → 37.0 (26.0 % reduction; needs at least 14 %): responder." in body
    assert body.count('class="outcome-chart"') >= 1
    assert "stroke-dasharray" in body  # planned doses marked on the chart
    assert "Move to maintenance monthly" in body


def test_continue_keeps_the_course_and_clears_the_queue(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient, clinic: Clinic
) -> None:
    order = signed_course(fibro, diaz)
    _answers_at_baseline_and_week_6(fibro, nadia)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    assert client_for(diaz).post(url, {"decision": "continue"}).status_code == 302
    review = Review.objects.get()
    assert (review.decision, review.kind, review.signed_by) == ("continue", "week_6", diaz)
    assert review.verdicts[0]["outcome"] == "responder"
    order.refresh_from_db()
    assert order.status == "signed" and review.resulting_order == order
    assert review_queue(actor=actor_for(diaz, clinic)) == []
    audit = AuditEvent.objects.get(action="outcome.review_sign")
    assert audit.detail.startswith("week_6: continue") and audit.patient_id == fibro.pk
    # The decision is marked on the patient's charts.
    page = client_for(diaz).get(reverse("outcomes:patient", args=[fibro.pk])).content.decode()
    assert "Week-6 review: Continue the course as ordered</title>" in page


def test_maintenance_monthly_signs_a_new_course_version_with_doses_every_28_days(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient, clinic: Clinic
) -> None:
    order = signed_course(fibro, diaz)
    _answers_at_baseline_and_week_6(fibro, nadia)
    screen_and_approve(fibro, physician=diaz, director=diaz, clinic=clinic)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    response = client_for(diaz).post(url, {"decision": "maintenance_28"})
    assert response.status_code == 302, response.content.decode()
    order.refresh_from_db()
    assert order.status == "superseded"
    current = CourseOrder.objects.get(patient=fibro, status="signed")
    assert current.revision == 2 and current.previous == order
    assert current.phase_doses == {"loading": 6}
    assert current.phase_intervals == {"maintenance": 28}
    future = list(PlannedDose.objects.filter(order=current, status="planned").order_by("date"))
    assert {d.phase_id for d in future} == {"maintenance"}
    sixth = PlannedDose.objects.get(order=order, number=6)
    assert future[0].date == sixth.date + timedelta(days=28)
    assert {(b.date - a.date).days for a, b in pairwise(future)} == {28}
    # The weekly doses from today on were replaced; the six given stay with revision 1.
    assert PlannedDose.objects.filter(order=order, status="planned").count() == 6
    review = Review.objects.get()
    assert review.resulting_order == current and review.decision == "maintenance_28"
    # The shortened loading's own end-of-loading review falls today too: settled by this one.
    assert review_queue(actor=actor_for(diaz, clinic)) == []
    page = client_for(diaz).get(reverse("outcomes:patient", args=[fibro.pk])).content.decode()
    assert "Phase now: <strong>maintenance</strong>" in page
    assert "Monthly in maintenance" in page


def test_stop_needs_a_reason_then_stops_the_course(
    client_for: Callable[[User], Client], diaz: User, fibro: Patient
) -> None:
    order = signed_course(fibro, diaz)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    client = client_for(diaz)
    refused = client.post(url, {"decision": "stop", "reason": "  "})
    assert refused.status_code == 400 and "Say why the series stops" in refused.content.decode()
    assert not Review.objects.exists()
    assert (
        client.post(url, {"decision": "stop", "reason": "No benefit <b>at all</b>"}).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.status == "stopped"
    assert not PlannedDose.objects.filter(order=order, status="planned", date__gte=TODAY).exists()
    page = client.get(url).content.decode()
    assert "No benefit &lt;b&gt;at all&lt;/b&gt;" in page
    # The free-text reason never reaches the audit trail.
    assert "benefit" not in AuditEvent.objects.get(action="outcome.review_sign").detail


def test_a_review_is_signed_once(
    client_for: Callable[[User], Client], diaz: User, fibro: Patient
) -> None:
    order = signed_course(fibro, diaz)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    client = client_for(diaz)
    assert client.post(url, {"decision": "continue"}).status_code == 302
    again = client.post(url, {"decision": "stop", "reason": "changed my mind"})
    assert again.status_code == 400
    assert Review.objects.count() == 1
    order.refresh_from_db()
    assert order.status == "signed"


def test_a_decision_the_course_cannot_take_writes_nothing(
    client_for: Callable[[User], Client], diaz: User, fibro: Patient
) -> None:
    # No current screening: the amended course cannot be signed, so the review is not either.
    order = signed_course(fibro, diaz)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    response = client_for(diaz).post(url, {"decision": "maintenance_14"})
    assert response.status_code == 400
    assert "screening" in response.content.decode()
    assert not Review.objects.exists()
    assert list(CourseOrder.objects.filter(patient=fibro).values_list("status", flat=True)) == [
        "signed"
    ]


@pytest.mark.parametrize("decision", ["", "maintenance_21", "<script>x</script>"])
def test_an_unknown_decision_is_refused(
    client_for: Callable[[User], Client], diaz: User, fibro: Patient, decision: str
) -> None:
    order = signed_course(fibro, diaz)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    response = client_for(diaz).post(url, {"decision": decision})
    assert response.status_code == 400
    assert "<script>x" not in response.content.decode()
    assert not Review.objects.exists()


def test_a_protocol_without_maintenance_does_not_offer_it(
    client_for: Callable[[User], Client], diaz: User, fibro: Patient
) -> None:
    order = signed_course(fibro, diaz, protocol_id="yale_2009", start=TODAY - timedelta(weeks=8))
    point = PlannedReview.objects.get(order=order, review_id="end_of_treatment_assessment")
    assert point.date == TODAY
    page = client_for(diaz).get(reverse("outcomes:review", args=[point.pk])).content.decode()
    assert "has no maintenance phase to move to" in page
    response = client_for(diaz).post(
        reverse("outcomes:review", args=[point.pk]), {"decision": "maintenance_28"}
    )
    assert response.status_code == 400 and not Review.objects.exists()


def test_only_a_physician_opens_or_signs_a_review(
    client_for: Callable[[User], Client], diaz: User, nadia: User, fibro: Patient
) -> None:
    order = signed_course(fibro, diaz)
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    nurse = client_for(nadia)
    assert nurse.get(url).status_code == 403
    assert nurse.post(url, {"decision": "continue"}).status_code == 403
    assert not Review.objects.exists()


def test_another_clinics_physician_gets_404(
    client: Client, diaz: User, fibro: Patient, other_clinic: Clinic
) -> None:
    order = signed_course(fibro, diaz)
    olga = make_member(other_clinic, "olga", Role.PHYSICIAN)
    client.force_login(olga, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("outcomes:review", args=[_week_6_point(order).pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "continue"}).status_code == 404
    assert not Review.objects.exists()
    assert AuditEvent.objects.filter(user=olga, outcome="denied").exists()
