"""The today board: every chair and patient with their status, live by htmx polling that does
not keep an idle session alive, in a number of queries that does not grow with the chairs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import actor_for
from tests.infusions.helpers import LOW_BP, Visit, check_in, identify, running
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.middleware import SESSION_LAST_SEEN
from ivmt.accounts.models import Clinic, User
from ivmt.infusions.selectors import today_board
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair


def states(board_rows: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {
        row.chair.name: (row.entry.state if row.entry else "free")
        for row in board_rows
        if row.chair is not None
    }


def test_the_board_shows_each_chair_with_its_patient_and_status(
    clinic: Clinic,
    nadia: User,
    visit: Visit,
    make_visit: Callable[..., Visit],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    infusing = running(visit)  # Chair 1
    held = make_visit(make_course(make_patient(given_name="Hal")), chair=1)
    check_in(held, LOW_BP)  # Chair 2
    arrived = make_visit(make_course(make_patient(given_name="Ari")), chair=2)
    identify(arrived, check_in(arrived))  # Chair 3: identified, bag ready
    make_course(make_patient(given_name="Eve"))  # expected, no bag yet
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=15), tick=False):
        board = today_board(actor=actor_for(nadia, clinic))
    assert states(board.rows) == {"Chair 1": "infusing", "Chair 2": "held", "Chair 3": "ready"}
    entry = board.rows[0].entry
    assert entry is not None and entry.chart == infusing
    # 137 mL at 182.6 mL/h (the planned rate rounded down): 45.02 min in all, 15 run;
    # minutes left are rounded up (30.02 → 31), never promising an early end.
    assert entry.minutes_left == 31 and entry.percent == 33
    assert [v.patient.given_name for v in board.expected] == ["Eve"]
    assert dict((s, n) for s, _, n in board.counts)["expected"] == 1


def test_the_board_query_count_does_not_grow_with_the_chairs(
    clinic: Clinic,
    nadia: User,
    visit: Visit,
    make_visit: Callable[..., Visit],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    actor = actor_for(nadia, clinic)
    running(visit)
    make_course(make_patient(given_name="Al"))  # one expected visit, one chair infusing
    with CaptureQueriesContext(connection) as few:
        today_board(actor=actor)
    for number in range(4, 12):
        Chair.objects.create(clinic=clinic, name=f"Chair {number}")
    for index, name in enumerate(("Bo", "Cy")):
        other = make_visit(make_course(make_patient(given_name=name)), chair=index + 1)
        running(other)
    make_course(make_patient(given_name="Di"))
    with CaptureQueriesContext(connection) as many:
        board = today_board(actor=actor)
    assert len(board.rows) == 11 and len(board.expected) == 2
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


def test_polling_sends_the_background_header_and_keeps_no_session_alive(
    visit: Visit, nadia: User, client_for: Callable[[User], Client]
) -> None:
    running(visit)
    client = client_for(nadia)
    page = client.get(reverse("infusions:board")).content.decode()
    assert 'hx-get="/infusions/board/rows/"' in page
    assert 'hx-trigger="every 20s"' in page
    assert "X-IVMT-Background" in page
    session = client.session
    session[SESSION_LAST_SEEN] = 1000.0
    session.save()
    with time_machine.travel(1000.0 + 60, tick=False):  # well inside the idle time
        response = client.get(reverse("infusions:board_rows"), HTTP_X_IVMT_BACKGROUND="1")
    assert response.status_code == 200
    assert 'data-state="infusing"' in response.content.decode()
    assert client.session[SESSION_LAST_SEEN] == 1000.0  # the poll did not refresh it


def test_the_front_desk_sees_the_board_but_not_the_charts(
    visit: Visit, fran: User, client_for: Callable[[User], Client]
) -> None:
    chart = running(visit)
    client = client_for(fran)
    page = client.get(reverse("infusions:board")).content.decode()
    assert "PATEL, Pat" in page
    assert reverse("infusions:chart", args=[chart.pk]) not in page
    assert client.get(reverse("infusions:chart", args=[chart.pk])).status_code == 403
