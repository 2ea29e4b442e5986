"""Every scheduling form refuses wrong, missing, out-of-range and hostile input with a clear
message and changes nothing (never a server error); a wrong role gets 403 and another clinic's
record 404 (with a denied audit row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import make_member
from tests.scheduling.helpers import TODAY, book

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.scheduling.models import (
    Appointment,
    CalendarFeed,
    Chair,
    DayPlanProposal,
    NurseShift,
    SchedulingSettings,
)

HOSTILE = "<script>alert('x')</script>' OR 1=1; --"


@pytest.fixture
def visit(fran: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]) -> Appointment:
    return book(fran, clinic, course, 1, "10:00", chairs[0])


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Appointment.objects.order_by("pk").values_list(
            "pk", "starts_at", "chair_id", "status", "version"
        )
    )


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "This field is required"),
        (
            {"date": "2026-11-23", "time": "10:07", "chair": "1", "reason": "x"},
            400,
            "5-minute grid",
        ),
        (
            {"date": "2026-11-23", "time": "25:00", "chair": "1", "reason": "x"},
            400,
            "Enter a valid time",
        ),
        (
            {"date": "9999-01-01", "time": "10:00", "chair": "1", "reason": "x"},
            400,
            "between 2000 and 2100",
        ),
        (
            {"date": "2026-11-23", "time": "10:00", "chair": "999999", "reason": "x"},
            400,
            "Select a valid choice",
        ),
        (
            {"date": "2026-11-23", "time": "10:00", "chair": HOSTILE, "reason": "x"},
            400,
            "Select a valid choice",
        ),
        (
            {"date": "2026-11-23", "time": "10:00", "chair": "1", "reason": ""},
            400,
            "This field is required",
        ),
        (
            {"date": "2026-11-23", "time": "10:00", "chair": "1", "reason": "x" * 201},
            400,
            "at most 200",
        ),
        (
            {"date": "2026-11-23", "time": "06:00", "chair": "1", "reason": "x"},
            400,
            "outside opening hours",
        ),
        ({"date": "2026-11-28", "time": "10:00", "chair": "1", "reason": "x"}, 400, "closed"),
        (
            {"date": "2026-11-23", "time": "11:00", "chair": "1", "reason": "x", "version": "99"},
            409,
            "Someone changed",
        ),
    ],
)
def test_a_bad_move_is_explained_and_changes_nothing(
    fran: User,
    visit: Appointment,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    data = {"version": str(visit.version), **data}
    if data.get("chair") == "1":
        data["chair"] = str(chairs[0].pk)
    before = snapshot()
    response = client_for(fran).post(reverse("scheduling:move", args=[visit.pk]), data)
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert snapshot() == before


def test_a_move_out_of_the_protocol_interval_needs_a_reason(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    visit: Appointment,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
) -> None:
    book(fran, clinic, course, 2, "10:00", chairs[0])  # next Monday
    client = client_for(fran)
    thursday = {
        "version": visit.version,
        "date": "2026-11-26",
        "time": "10:00",
        "chair": chairs[0].pk,
        "reason": "Patient away Monday",
    }

    refused = client.post(reverse("scheduling:move", args=[visit.pk]), thursday)
    assert refused.status_code == 400
    assert (
        "4 days from dose 2" in refused.content.decode()
        and "protocol asks 7 ± 2" in refused.content.decode()
    )

    allowed = client.post(
        reverse("scheduling:move", args=[visit.pk]),
        {**thursday, "interval_reason": "Physician agreed by phone"},
    )
    assert allowed.status_code == 302
    visit.refresh_from_db()
    assert visit.starts_at.astimezone(clinic.zone).day == 26
    assert "outside the interval: Physician agreed by phone" in visit.events.last().reason
    assert AuditEvent.objects.filter(
        action="appointment.move", detail="outside the interval"
    ).exists()


def test_a_hostile_reason_is_stored_as_text_and_shown_escaped(
    fran: User, visit: Appointment, chairs: list[Chair], client_for: Callable[[User], Client]
) -> None:
    client = client_for(fran)
    response = client.post(
        reverse("scheduling:move", args=[visit.pk]),
        {
            "version": visit.version,
            "date": "2026-11-23",
            "time": "11:00",
            "chair": chairs[1].pk,
            "reason": HOSTILE,
        },
    )
    assert response.status_code == 302
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    # The audit row holds no free text.
    assert HOSTILE not in "".join(AuditEvent.objects.values_list("detail", flat=True))


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("scheduling:cancel", {"reason": ""}, "This field is required"),
        ("scheduling:cancel", {"reason": "x" * 300}, "at most 200"),
        ("scheduling:status", {"status": "done"}, "cannot become"),
        ("scheduling:status", {"status": HOSTILE}, "Select a valid choice"),
        ("scheduling:status", {"status": "no_show", "note": "x" * 201}, "at most 200"),
    ],
)
def test_bad_cancel_or_status_input_changes_nothing(
    nadia: User,
    fran: User,
    visit: Appointment,
    client_for: Callable[[User], Client],
    url_name: str,
    data: dict[str, str],
    message: str,
) -> None:
    before = snapshot()
    user = fran if url_name == "scheduling:cancel" else nadia
    response = client_for(user).post(
        reverse(url_name, args=[visit.pk]), {"version": visit.version, **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"placement_minutes": "12"}, "multiple of 5"),
        ({"placement_minutes": "0"}, "greater than or equal to 5"),
        ({"max_patients_per_nurse": "99"}, "less than or equal to 8"),
        ({"interval_tolerance_days": "-1"}, "greater than or equal to 0"),
        ({"optimiser_seconds": HOSTILE}, "Enter a whole number"),
        ({"reminder_hours": ""}, "This field is required"),
    ],
)
def test_bad_settings_are_explained_and_nothing_is_saved(
    morgan: User, client_for: Callable[[User], Client], data: dict[str, str], message: str
) -> None:
    good = {
        "version": "1",
        "placement_minutes": "15",
        "observation_minutes": "15",
        "max_patients_per_nurse": "4",
        "one_iv_start_at_a_time": "on",
        "interval_tolerance_days": "2",
        "reminder_hours": "24",
        "optimiser_seconds": "5",
    }
    response = client_for(morgan).post(reverse("scheduling:settings"), {**good, **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert not SchedulingSettings.objects.exists()


def test_settings_saved_by_someone_else_meanwhile_are_a_conflict(
    morgan: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(morgan)
    form = {
        "placement_minutes": "10",
        "observation_minutes": "20",
        "max_patients_per_nurse": "3",
        "interval_tolerance_days": "1",
        "reminder_hours": "48",
        "optimiser_seconds": "4",
    }
    assert client.post(reverse("scheduling:settings"), {"version": "1", **form}).status_code == 302
    stale = client.post(reverse("scheduling:settings"), {"version": "1", **form})
    assert stale.status_code == 409 and "Someone changed these settings" in stale.content.decode()
    assert SchedulingSettings.objects.get().version == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nurse": ""}, "This field is required"),
        ({"nurse": "999999"}, "Select a valid choice"),
        ({"ends": "07:00"}, "end after it starts"),
        ({"breaks": "lunch"}, "Write each break as 12:00-12:30"),
        ({"breaks": "17:00-17:30"}, "outside the shift"),
        ({"breaks": "12:00-12:30, 12:15-12:45"}, "must not overlap"),
        ({"breaks": "25:00-26:00"}, "not a time of day"),
        ({"first": "2026-11-01"}, "in the past"),
        ({"last": "2027-11-01"}, "at most 13 weeks"),
        ({"weekdays": ["9"]}, "Select a valid choice"),
        ({"starts": "08:03"}, "5-minute grid"),
    ],
)
def test_bad_shifts_are_explained_and_none_is_added(
    morgan: User,
    nadia: User,
    client_for: Callable[[User], Client],
    data: dict[str, Any],
    message: str,
) -> None:
    good = {
        "nurse": str(nadia.pk),
        "first": "2026-11-23",
        "last": "2026-11-27",
        "weekdays": ["0", "1", "2", "3", "4"],
        "starts": "08:00",
        "ends": "16:30",
        "breaks": "12:00-12:30",
    }
    response = client_for(morgan).post(reverse("scheduling:shifts"), {**good, **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert not NurseShift.objects.exists()


def test_a_nurse_of_another_clinic_cannot_be_put_on_the_rota(
    morgan: User, lena: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(morgan).post(
        reverse("scheduling:shifts"),
        {
            "nurse": str(lena.pk),
            "first": "2026-11-23",
            "last": "2026-11-23",
            "weekdays": ["0"],
            "starts": "08:00",
            "ends": "16:00",
        },
    )
    assert response.status_code == 400 and not NurseShift.objects.exists()


@pytest.mark.parametrize(
    ("params", "slot", "message"),
    [
        ({"preferred": "10:07"}, None, "5-minute grid"),
        ({"first_day": "not-a-date"}, None, "Enter a valid date"),
        ({"phase": HOSTILE}, None, "Select a valid choice"),
        ({}, "garbage", "choose one of the slots offered"),
        ({}, "2026-11-23T10:00|99999999", "That chair does not exist"),
        ({}, "2026-11-23T25:00|1", "choose one of the slots offered"),
        ({}, "2026-11-22T10:00|1", "closed"),
    ],
)
def test_bad_series_input_books_nothing(
    fran: User,
    course: CourseOrder,
    chairs: list[Chair],
    client_for: Callable[[User], Client],
    params: dict[str, str],
    slot: str | None,
    message: str,
) -> None:
    url = reverse("scheduling:series", args=[course.pk])
    data: dict[str, str] = {"confirm": "1", **params}
    if slot is not None:
        data[f"dose_{course.doses.get(number=1).pk}"] = slot
    response = client_for(fran).post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_optimising_without_a_good_date_is_a_message_not_an_error(
    morgan: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(morgan)
    for data in ({}, {"date": HOSTILE}, {"date": "2026-11-20"}):
        response = client.post(reverse("scheduling:optimise"), data, follow=True)
        assert response.status_code == 200
        assert not DayPlanProposal.objects.exists()
    assert "That day has passed" in response.content.decode()


def test_the_instant_check_answers_garbage_with_messages(
    fran: User, visit: Appointment, client_for: Callable[[User], Client]
) -> None:
    response = client_for(fran).post(
        reverse("scheduling:check", args=[visit.pk]), {"date": HOSTILE, "time": "x", "chair": "y"}
    )
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "url_name", "method"),
    [
        (Role.PHARMACIST, "scheduling:series", "get"),
        (Role.MANAGER, "scheduling:series", "get"),
        (Role.NURSE, "scheduling:optimise", "post"),
        (Role.PHYSICIAN, "scheduling:move", "post"),
        (Role.FRONT_DESK, "scheduling:settings", "get"),
        (Role.NURSE, "scheduling:shifts", "get"),
        (Role.PATIENT, "scheduling:day", "get"),
        (Role.FRONT_DESK, "scheduling:waste_bag", "post"),
    ],
)
def test_a_wrong_role_is_refused(
    clinic: Clinic,
    course: CourseOrder,
    visit: Appointment,
    client: Client,
    role: Role,
    url_name: str,
    method: str,
) -> None:
    user = make_member(
        clinic,
        f"someone_{role.value}",
        role,
        **({"patient": course.patient} if role == Role.PATIENT else {}),
    )
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    args = {
        "scheduling:series": [course.pk],
        "scheduling:move": [visit.pk],
        "scheduling:waste_bag": [visit.pk],
    }.get(url_name, [])
    response = getattr(client, method)(
        reverse(url_name, args=args), {"date": str(TODAY + timedelta(days=1))}
    )
    assert response.status_code == 403
    assert snapshot()[0][3] == "booked"


def test_another_clinics_records_answer_404_and_are_audited(
    clinic: Clinic,
    other_clinic: Clinic,
    course: CourseOrder,
    visit: Appointment,
    morgan: User,
    client: Client,
) -> None:
    lena = make_member(other_clinic, "lena_desk", Role.FRONT_DESK)
    boss = make_member(other_clinic, "lake_boss", Role.MANAGER)
    proposal = DayPlanProposal.objects.create(
        clinic=clinic, day=TODAY, created_by=morgan, figures={}
    )
    client.force_login(lena, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()
    for url, method in (
        (reverse("scheduling:appointment", args=[visit.pk]), "get"),
        (reverse("scheduling:move", args=[visit.pk]), "post"),
        (reverse("scheduling:cancel", args=[visit.pk]), "post"),
        (reverse("scheduling:status", args=[visit.pk]), "post"),
        (reverse("scheduling:ics", args=[visit.pk]), "get"),
        (reverse("scheduling:series", args=[course.pk]), "get"),
        (reverse("scheduling:feed_manage", args=[course.patient_id]), "post"),
        (reverse("scheduling:proposal", args=[proposal.pk]), "get"),
    ):
        response = getattr(client, method)(
            url, {"version": 1, "reason": "x", "status": "arrived", "action": "create"}
        )
        assert response.status_code == 404, url
    client.force_login(boss, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("scheduling:proposal_accept", args=[proposal.pk])).status_code == 404
    assert snapshot() == before
    assert AuditEvent.objects.filter(clinic=other_clinic, outcome="denied").count() >= 8


def test_a_bad_calendar_link_action_is_a_message_and_makes_no_link(
    fran: User, course: CourseOrder, client_for: Callable[[User], Client]
) -> None:
    response = client_for(fran).post(
        reverse("scheduling:feed_manage", args=[course.patient_id]),
        {"action": HOSTILE},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose to create or revoke the calendar link." in response.content.decode()
    assert not CalendarFeed.objects.exists()
