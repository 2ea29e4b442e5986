"""The day view (chairs × time) and the week view: what they show, and a number of queries that
does not grow with the number of chairs, nurses or appointments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.scheduling.helpers import TODAY, add_shifts, at, book

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair

TUESDAY = TODAY + timedelta(days=1)


def fill(
    fran: User,
    clinic: Clinic,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    chairs: list[Chair],
    count: int,
    prefix: str,
    first_hour: int = 9,
) -> None:
    for k in range(count):
        order = make_course(
            make_patient(given_name=f"{prefix}{k}", family_name="Day"), start_date=TUESDAY
        )
        clock = f"{first_hour + k * 15 // 60:02d}:{k * 15 % 60:02d}"
        book(fran, clinic, order, 1, clock, chairs[k % len(chairs)])


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.usefixtures("rota")
def test_the_day_view_costs_the_same_queries_for_two_chairs_or_ten_with_more_visits(
    fran: User,
    morgan: User,
    nadia: User,
    clinic: Clinic,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(fran)
    url = f"{reverse('scheduling:day')}?date={TUESDAY:%Y-%m-%d}"
    week = f"{reverse('scheduling:week')}?date={TUESDAY:%Y-%m-%d}"
    few = [Chair.objects.create(clinic=clinic, name=f"A{k}") for k in range(2)]
    fill(fran, clinic, make_course, make_patient, few, 2, "Few")
    small = queries(client, url)
    small_week = queries(client, week)

    many = [Chair.objects.create(clinic=clinic, name=f"B{k}") for k in range(8)]
    fill(fran, clinic, make_course, make_patient, many, 8, "Many", first_hour=11)
    page = client.get(url).content.decode()
    assert page.count('class="sched-visit') == 10
    assert queries(client, url) == small
    # Its own nine reads and one audit row, plus sign-in, 2FA, session and savepoints.
    assert small <= 24
    assert queries(client, week) == small_week <= 20


@pytest.mark.usefixtures("rota")
def test_the_day_view_draws_each_visit_on_its_chair_from_its_start_for_its_length(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    book(fran, clinic, course, 1, "10:00", chairs[1])
    page = client_for(fran).get(reverse("scheduling:day")).content.decode()

    assert 'rowspan="15"' in page  # 75 minutes in 5-minute rows
    assert "PATEL, Pat" in page and "10:00–11:15" in page
    assert 'data-time="11:15"' in page  # the row after the visit is free again
    assert AuditEvent.objects.filter(action="schedule.day").count() == 1


def test_the_week_view_lists_each_days_visits_and_closed_days(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    book(fran, clinic, course, 1, "10:00", chairs[0])
    page = client_for(fran).get(reverse("scheduling:week")).content.decode()

    assert "Week of Monday 23 November 2026" in page
    assert "10:00 PATEL, P." in page
    assert page.count("no opening hours on") == 2  # Saturday and Sunday


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "0001-01-01", "'; DROP TABLE x;--"])
def test_a_bad_date_gets_a_clear_message_not_an_error(
    fran: User, client_for: Callable[[User], Client], value: str
) -> None:
    for name in ("scheduling:day", "scheduling:week"):
        response = client_for(fran).get(reverse(name), {"date": value})
        assert response.status_code == 400
        assert "date" in response.content.decode().lower()


def test_the_front_desk_sees_todays_bookings_on_the_dashboard(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    book(fran, clinic, course, 1, "10:00", chairs[0])
    page = client_for(fran).get(reverse("home:dashboard")).content.decode()
    assert "Today&#x27;s bookings (1)" in page or "Today's bookings (1)" in page
    assert "PATEL, Pat" in page


def test_the_chart_loads_its_appointments_card_with_the_booking_and_calendar_links(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    book(fran, clinic, course, 1, "10:00", chairs[0])
    client = client_for(fran)
    panel_url = reverse("scheduling:chart_panel", args=[course.patient_id])
    chart = client.get(reverse("patients:chart", args=[course.patient_id])).content.decode()
    assert f'hx-get="{panel_url}"' in chart  # fetched after the chart loads

    card = client.get(panel_url, headers={"HX-Request": "true"}).content.decode()
    assert card.startswith('<div class="card mb-3" id="appointments">')
    assert "Mon 23 Nov 2026, 10:00" in card
    assert reverse("scheduling:series", args=[course.pk]) in card
    assert "Create a calendar link" in card
    assert "<html" in client.get(panel_url).content.decode()  # without JavaScript: a page
    assert AuditEvent.objects.filter(
        action="appointments.panel", patient_id=course.patient_id
    ).exists()


def test_another_clinics_patient_has_no_appointments_card(
    lena: User, course: CourseOrder, client_for: Callable[[User], Client]
) -> None:
    response = client_for(lena).get(reverse("scheduling:chart_panel", args=[course.patient_id]))
    assert response.status_code == 404


def test_a_visit_on_a_day_with_no_rota_waits_for_a_nurse(
    fran: User,
    morgan: User,
    nadia: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    visit = book(fran, clinic, course, 1, "10:00", chairs[0])
    assert visit.nurse_id is None
    page = client_for(fran).get(reverse("scheduling:day")).content.decode()
    assert "without a nurse yet" in page
    add_shifts(morgan, clinic, nadia, first=TODAY + timedelta(days=7))
    assert at(clinic, TODAY, "10:00") == visit.starts_at
