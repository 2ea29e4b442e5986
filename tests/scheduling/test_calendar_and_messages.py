"""Calendar files, the patient's calendar feed, and reminders: the files parse with icalendar,
carry what a calendar needs and no clinical detail; the feed needs no sign-in but an
unguessable, revocable token, and every fetch is audited; a reminder leaves once, with the
pre-visit advice."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW
from tests.scheduling.helpers import TODAY, at, book

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, CalendarFeed, Chair


@pytest.fixture
def visits(
    fran: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> list[Appointment]:
    course.patient.email = "pat@example.org"
    course.patient.save(update_fields=["email"])
    return [
        book(fran, clinic, course, 1, "10:00", chairs[0]),
        book(fran, clinic, course, 2, "10:00", chairs[0]),
    ]


def test_the_appointment_calendar_file_parses_and_holds_no_clinical_detail(
    fran: User, clinic: Clinic, visits: list[Appointment], client_for: Callable[[User], Client]
) -> None:
    response = client_for(fran).get(reverse("scheduling:ics", args=[visits[0].pk]))

    assert response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(clinic, TODAY, "10:00")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=75)
    assert str(event["summary"]) == "Infusion appointment — Riverside"
    description = str(event["description"])
    assert "Drink plenty of fluids" in description and "dress warm" in description
    text = response.content.decode()
    for private in ("Patel", "IV000001", "magnesium", "migraine", "seed_recipe"):
        assert private.lower() not in text.lower()


def test_the_calendar_feed_works_without_sign_in_until_it_is_revoked(
    fran: User,
    clinic: Clinic,
    visits: list[Appointment],
    client: Client,
    client_for: Callable[[User], Client],
) -> None:
    staff = client_for(fran)
    response = staff.post(
        reverse("scheduling:feed_manage", args=[visits[0].patient_id]), {"action": "create"}
    )
    url = re.search(r'value="(http[^"]+\.ics)"', response.content.decode())
    assert url is not None
    path = url.group(1).replace("http://testserver", "")
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40 and token not in str(
        CalendarFeed.objects.values_list()
    )  # only a hash kept
    staff.logout()

    feed = client.get(path)
    assert feed.status_code == 200 and feed["Cache-Control"] == "no-store"
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 2
    assert (
        AuditEvent.objects.filter(
            action="calendar.feed", patient_id=visits[0].patient_id, outcome="ok"
        ).count()
        == 1
    )

    services.calendar_feed_revoke(actor=actor_for(fran, clinic), patient_id=visits[0].patient_id)
    assert client.get(path).status_code == 404
    assert client.get(path.replace(token, token[:-1] + "x")).status_code == 404
    assert AuditEvent.objects.filter(action="calendar.feed", outcome="denied").count() == 2


def test_a_new_calendar_link_ends_the_old_one(
    fran: User, clinic: Clinic, visits: list[Appointment], client: Client
) -> None:
    actor = actor_for(fran, clinic)
    old = services.calendar_feed_create(actor=actor, patient_id=visits[0].patient_id)
    new = services.calendar_feed_create(actor=actor, patient_id=visits[0].patient_id)

    assert client.get(reverse("scheduling:feed", args=[old])).status_code == 404
    assert client.get(reverse("scheduling:feed", args=[new])).status_code == 200


def test_reminders_leave_once_within_the_window_with_the_advice(
    clinic: Clinic, visits: list[Appointment]
) -> None:
    out = StringIO()
    call_command("send_appointment_reminders", stdout=out)  # Monday 08:00: today's 10:00 is due
    assert "1 reminder(s) sent" in out.getvalue()
    (message,) = mail.outbox
    assert message.subject == "Reminder: your appointment at Riverside"
    assert "Monday 23 November 2026 at 10:00" in message.body
    assert "Drink plenty of fluids before your appointment and dress warm" in message.body
    assert Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")

    call_command("send_appointment_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1  # never twice

    with time_machine.travel(FROZEN_NOW + timedelta(days=6, hours=3), tick=False):
        call_command("send_appointment_reminders", stdout=StringIO())
    assert len(mail.outbox) == 2  # next Monday's, 24 hours ahead
    assert AuditEvent.objects.filter(action="appointment.message.reminder").count() == 2


def test_a_cancelled_visit_gets_no_reminder_and_its_patient_is_told(
    fran: User,
    clinic: Clinic,
    visits: list[Appointment],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    first = visits[0]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.appointment_cancel(
            actor=actor_for(fran, clinic),
            appointment_id=first.pk,
            expected_version=first.version,
            reason="Patient unwell",
        )
    (notice,) = mail.outbox
    assert notice.subject == "Your appointment at Riverside is cancelled"
    cancelled = [
        e
        for e in Calendar.from_ical(notice.attachments[0][1]).walk("VEVENT")
        if str(e["status"]) == "CANCELLED"
    ]
    assert len(cancelled) == 1

    call_command("send_appointment_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_a_patient_without_an_e_mail_address_gets_no_message_and_the_page_says_so(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        visit = book(fran, clinic, course, 1, "10:00", chairs[0])
    assert mail.outbox == []
    page = client_for(fran).get(visit.get_absolute_url()).content.decode()
    assert "no e-mail address on file" in page
