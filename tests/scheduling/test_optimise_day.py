"""“Optimise this day”: the solver proposes (fixed seed, one worker, a one-second budget in
these tests), the page shows the moves and the improvement over the current plan and over
first-come-first-served, and only an accepted plan moves anything — all of it, or nothing if
the day changed meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.scheduling.helpers import TODAY, at, book

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.patients.models import Patient
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, Chair, DayPlanProposal

pytestmark = pytest.mark.usefixtures("rota")
TUESDAY = TODAY + timedelta(days=1)


@pytest.fixture
def crowded_tuesday(
    fran: User,
    clinic: Clinic,
    chairs: list[Chair],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> list[Appointment]:
    """Four patients asked for 09:00–10:00 on Tuesday; two were pushed to the afternoon when
    the morning looked full, and the morning has since freed up."""
    chairs = [*chairs, Chair.objects.create(clinic=clinic, name="Chair 4")]
    visits = []
    for given, clock in (("Ann", "09:00"), ("Bea", "09:15"), ("Cy", "10:00"), ("Di", "10:00")):
        order = make_course(
            make_patient(given_name=given, family_name="Tuesday"), start_date=TUESDAY
        )
        chair = chairs[len(visits)]
        visits.append(book(fran, clinic, order, 1, clock, chair))
    for visit, later in ((visits[2], "13:00"), (visits[3], "14:30")):
        services.appointment_move(
            actor=actor_for(fran, clinic),
            appointment_id=visit.pk,
            expected_version=visit.version,
            starts_at=at(clinic, TUESDAY, later),
            chair_id=visit.chair_id,
            reason="Morning looked full",
        )
    return visits


def optimise(user: User, clinic: Clinic) -> DayPlanProposal:
    return services.day_optimise(actor=actor_for(user, clinic), day=TUESDAY, time_limit_s=1)


def test_the_optimiser_proposes_less_waiting_and_moves_nothing_until_accepted(
    morgan: User, clinic: Clinic, crowded_tuesday: list[Appointment]
) -> None:
    before = {a.pk: a.starts_at for a in Appointment.objects.all()}

    proposal = optimise(morgan, clinic)

    figures = proposal.figures
    assert figures["current"]["total_wait"] == 180 + 270  # 10:00 → 13:00, 10:00 → 14:30
    assert figures["proposed"]["total_wait"] < figures["current"]["total_wait"]
    assert figures["proposed"]["total_wait"] <= figures["fcfs"]["total_wait"]
    assert figures["lower_bound"] <= figures["proposed"]["total_wait"]
    assert proposal.moves and not proposal.unplaced
    # Only the two pushed into the afternoon move; the others keep chair, nurse and time.
    assert {m["appointment"] for m in proposal.moves} == {a.pk for a in crowded_tuesday[2:]}
    assert {a.pk: a.starts_at for a in Appointment.objects.all()} == before


def test_an_accepted_plan_moves_the_visits_tells_the_patients_and_the_pharmacy(
    morgan: User,
    clinic: Clinic,
    crowded_tuesday: list[Appointment],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    Patient.objects.update(email="patient@example.org")
    proposal = optimise(morgan, clinic)

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.day_plan_apply(actor=actor_for(morgan, clinic), proposal_id=proposal.pk)

    proposal.refresh_from_db()
    assert proposal.status == DayPlanProposal.Status.APPLIED
    for move in proposal.moves:
        visit = Appointment.objects.get(pk=move["appointment"])
        assert visit.starts_at == datetime.fromisoformat(move["to"])
        assert (visit.chair_id, visit.nurse_id) == (move["to_chair"], move["to_nurse"])
        assert PlannedDose.objects.get(pk=visit.dose_id).scheduled_at == visit.starts_at
    waits = sum(
        max(0, (a.starts_at - a.preferred_start).total_seconds() / 60)
        for a in Appointment.objects.all()
    )
    assert waits == proposal.figures["proposed"]["total_wait"]
    assert all(a.nurse_id is not None for a in Appointment.objects.all())
    moved_in_time = {m["appointment"] for m in proposal.moves if m["from"] != m["to"]}
    assert len(mail.outbox) == len(moved_in_time)


def test_a_plan_made_before_the_day_changed_is_refused_and_nothing_moves(
    fran: User,
    morgan: User,
    clinic: Clinic,
    chairs: list[Chair],
    crowded_tuesday: list[Appointment],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    proposal = optimise(morgan, clinic)
    late = make_course(make_patient(given_name="Ed", family_name="Late"), start_date=TUESDAY)
    book(fran, clinic, late, 1, "09:00", chairs[2])
    before = {a.pk: (a.starts_at, a.version) for a in Appointment.objects.all()}

    with pytest.raises(ValidationError, match="The day changed"):
        services.day_plan_apply(actor=actor_for(morgan, clinic), proposal_id=proposal.pk)

    assert {a.pk: (a.starts_at, a.version) for a in Appointment.objects.all()} == before
    proposal.refresh_from_db()
    assert proposal.status == DayPlanProposal.Status.PROPOSED


def test_a_day_already_started_is_not_optimised(
    nadia: User, morgan: User, clinic: Clinic, crowded_tuesday: list[Appointment]
) -> None:
    first = crowded_tuesday[0]
    Appointment.objects.filter(pk=first.pk).update(status="arrived")

    with pytest.raises(ValidationError, match="already arrived"):
        optimise(morgan, clinic)


def test_a_nurse_cannot_optimise_and_another_clinic_cannot_accept(
    nadia: User,
    morgan: User,
    lena: User,
    clinic: Clinic,
    other_clinic: Clinic,
    crowded_tuesday: list[Appointment],
) -> None:
    with pytest.raises(PermissionDenied):
        optimise(nadia, clinic)
    proposal = optimise(morgan, clinic)
    outsider = User.objects.create(username="lakeside-manager")
    from tests.conftest import make_member

    from ivmt.core.roles import Role

    make_member(other_clinic, outsider.username, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        services.day_plan_apply(actor=actor_for(outsider, other_clinic), proposal_id=proposal.pk)


def test_the_pages_show_the_moves_and_the_improvement_and_accept_on_a_press(
    morgan: User,
    clinic: Clinic,
    crowded_tuesday: list[Appointment],
    client_for: Callable[[User], Client],
) -> None:
    services.scheduling_settings_update(
        actor=actor_for(morgan, clinic), expected_version=1, changes={"optimiser_seconds": 1}
    )
    client = client_for(morgan)
    response = client.post(reverse("scheduling:optimise"), {"date": TUESDAY.isoformat()})
    proposal = DayPlanProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()

    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "First come, first served" in page and "No plan can beat" in page
    assert "Cy" in page and "Accept and apply the plan" in page

    response = client.post(reverse("scheduling:proposal_accept", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == DayPlanProposal.Status.APPLIED
    # Accepting twice changes nothing more.
    again = client.post(reverse("scheduling:proposal_accept", args=[proposal.pk]))
    assert again.status_code == 400 and "already accepted" in again.content.decode()
