"""With the scheduling app's appointment booked for the dose, the board and the check-in show
its chair and time, and the chart moves it along: arrived, infusing, done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.infusions.helpers import Visit, check_in, end, finish, identify, place_iv, start
from tests.orders.factories import FROZEN_NOW
from tests.scheduling.helpers import add_shifts, book

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions.models import InfusionChart
from ivmt.infusions.selectors import today_board
from ivmt.scheduling.models import Appointment


def booked(visit: Visit, morgan: User, fran: User) -> Appointment:
    add_shifts(morgan, visit.clinic, visit.nurse)
    return book(fran, visit.clinic, visit.dose.order, 1, "09:00", visit.chair, nurse=visit.nurse)


def test_the_appointment_follows_the_chart(visit: Visit, morgan: User, fran: User) -> None:
    appointment = booked(visit, morgan, fran)
    chart = check_in(visit)
    appointment.refresh_from_db()
    assert appointment.status == "arrived"
    chart = start(visit, ready_after(visit, chart))
    appointment.refresh_from_db()
    assert appointment.status == "infusing"
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        finish(visit, end(visit, chart))
    appointment.refresh_from_db()
    assert appointment.status == "done"


def ready_after(visit: Visit, chart: InfusionChart) -> InfusionChart:
    identify(visit, chart)
    return place_iv(visit, chart)


def test_the_board_and_check_in_show_the_booked_chair_and_time(
    visit: Visit,
    morgan: User,
    fran: User,
    nadia: User,
    clinic: Clinic,
    client_for: Callable[[User], Client],
) -> None:
    booked(visit, morgan, fran)
    board = today_board(actor=actor_for(nadia, clinic))
    expected = board.expected[0]
    assert expected.chair == visit.chair
    assert expected.at is not None and expected.at.astimezone(clinic.zone).hour == 9
    page = client_for(nadia).get(reverse("infusions:check_in", args=[visit.dose.pk]))
    assert f'<option value="{visit.chair.pk}" selected>' in page.content.decode()


def test_an_appointment_scheduling_refuses_to_move_leaves_the_chart_alone(
    visit: Visit, morgan: User, fran: User
) -> None:
    # The dose's appointment is tomorrow (the patient came a day early): scheduling moves only
    # today's appointments, so the chart goes on and the skipped step is audited.
    add_shifts(morgan, visit.clinic, visit.nurse)
    tomorrow = visit.dose.date + timedelta(days=1)
    appointment = book(
        fran,
        visit.clinic,
        visit.dose.order,
        1,
        "09:00",
        visit.chair,
        day=tomorrow,
        nurse=visit.nurse,
    )
    chart = check_in(visit, moved_reason="came a day early, physician agreed")
    assert chart.status == "arrived"
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert AuditEvent.objects.filter(
        action="infusion.appointment_follow", detail="skipped: appointment booked, chart arrived"
    ).exists()
