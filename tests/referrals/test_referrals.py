"""Nutritionist referrals: from the intake's offer to a tracked referral with a letter, its
statuses, and a reminder when nothing happened for 30 days."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW, TODAY
from tests.referrals.conftest import entry

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.referrals import services
from ivmt.referrals.models import DirectoryEntry, Referral, ReferralEvent
from ivmt.referrals.selectors import overdue_referrals
from ivmt.screening import services as screening_services


def refer(fran: User, clinic: Clinic, patient: Patient, nutritionist: DirectoryEntry) -> Referral:
    return services.referral_create(
        actor=actor_for(fran, clinic),
        patient=patient,
        nutritionist_id=nutritionist.pk,
        question="Magnesium-rich foods; migraine triggers?",
    )


def move(fran: User, clinic: Clinic, referral: Referral, status: str, **extra: Any) -> Referral:
    referral.refresh_from_db()
    return services.referral_update_status(
        actor=actor_for(fran, clinic),
        referral_id=referral.pk,
        expected_version=referral.version,
        status=status,
        **extra,
    )


def test_the_intake_offer_becomes_a_tracked_referral_from_the_page(
    client_for: Callable[[User], Client],
    nadia: User,
    fran: User,
    clinic: Clinic,
    patient: Patient,
    grace: DirectoryEntry,
) -> None:
    screening_services.intake_save(
        actor=actor_for(nadia, clinic),
        patient=patient,
        expected_version=None,
        values={"nutritionist_referral": "accepted"},
    )
    client = client_for(fran)
    page = client.get(reverse("referrals:patient", args=[patient.pk])).content.decode()
    assert "Offered and accepted" in page
    overdue_page = client.get(reverse("referrals:overdue")).content.decode()
    assert patient.full_name in overdue_page  # accepted at intake, not referred yet
    response = client.post(
        reverse("referrals:create", args=[patient.pk]),
        {"nutritionist": grace.pk, "question": "Diet review, please."},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.status, referral.offered_at_intake, referral.nutritionist) == (
        "sent",
        True,
        grace,
    )
    assert patient.full_name not in client.get(reverse("referrals:overdue")).content.decode()


def test_statuses_move_forward_and_seen_or_declined_are_final(
    fran: User, clinic: Clinic, patient: Patient, grace: DirectoryEntry
) -> None:
    referral = refer(fran, clinic, patient, grace)
    with pytest.raises(Exception, match="Give the appointment's date"):
        move(fran, clinic, referral, "appointment_made")
    referral = move(
        fran, clinic, referral, "appointment_made", appointment_on=TODAY + timedelta(days=10)
    )
    referral = move(fran, clinic, referral, "seen")
    with pytest.raises(Exception, match="cannot become 'Declined'"):
        move(fran, clinic, referral, "declined")
    assert list(referral.events.values_list("status", flat=True)) == [
        "sent",
        "appointment_made",
        "seen",
    ]
    with pytest.raises(Exception, match="updated this referral after you opened it"):
        services.referral_update_status(
            actor=actor_for(fran, clinic),
            referral_id=referral.pk,
            expected_version=1,
            status="declined",
        )


def test_a_reminder_when_nothing_happened_for_30_days(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    patient: Patient,
    grace: DirectoryEntry,
    make_patient: Callable[..., Patient],
) -> None:
    quiet = refer(fran, clinic, patient, grace)
    moving = refer(fran, clinic, make_patient(given_name="Mo", family_name="Ving"), grace)
    done = refer(fran, clinic, make_patient(given_name="Di", family_name="Clined"), grace)
    move(fran, clinic, done, "declined")
    with time_machine.travel(FROZEN_NOW + timedelta(days=29, hours=23), tick=False):
        assert overdue_referrals(actor=actor_for(fran, clinic)) == []
        call_command("referral_reminders", stdout=io.StringIO())
        assert not Referral.objects.filter(reminded_at__isnull=False).exists()
        move(fran, clinic, moving, "appointment_made", appointment_on=TODAY + timedelta(days=40))
    with time_machine.travel(FROZEN_NOW + timedelta(days=30), tick=False):
        assert overdue_referrals(actor=actor_for(fran, clinic)) == [quiet]
        out = io.StringIO()
        call_command("referral_reminders", stdout=out)
        assert out.getvalue() == f"Clinic {clinic.pk}: 1 referral(s) to follow up.\n"
        assert patient.family_name not in out.getvalue()
        quiet.refresh_from_db()
        assert quiet.reminded_at == FROZEN_NOW + timedelta(days=30)
        assert ReferralEvent.objects.filter(referral=quiet, reminder=True).count() == 1
        event = AuditEvent.objects.get(action="referral.reminder")
        assert (event.patient_id, event.username) == (patient.pk, "system")
        dashboard = client_for(fran).get(reverse("home:dashboard")).content.decode()
        assert "Referrals with no news for 30 days" in dashboard and patient.full_name in dashboard
    with time_machine.travel(FROZEN_NOW + timedelta(days=45), tick=False):
        out = io.StringIO()
        call_command("referral_reminders", stdout=out)
        assert out.getvalue() == "No referral needs a reminder.\n"  # once per 30 days
    with time_machine.travel(FROZEN_NOW + timedelta(days=61), tick=False):
        out = io.StringIO()
        call_command("referral_reminders", stdout=out)
        assert "2 referral(s)" in out.getvalue()  # quiet again, and moving's 30 days passed


def test_the_letter_carries_the_relevant_history(
    client_for: Callable[[User], Client],
    fran: User,
    nadia: User,
    clinic: Clinic,
    patient: Patient,
    grace: DirectoryEntry,
    record_lab: Callable[..., object],
) -> None:
    nurse = actor_for(nadia, clinic)
    patient_services.medication_add(actor=nurse, patient=patient, name="Topiramate", dose="25 mg")
    patient_services.allergy_add(
        actor=nurse, patient=patient, substance="Penicillin", reaction="Rash", severity="mild"
    )
    record_lab(patient, "magnesium", "1.6", "mg/dL")
    referral = refer(fran, clinic, patient, grace)
    response = client_for(fran).get(reverse("referrals:letter", args=[referral.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in PdfReader(io.BytesIO(response.content)).pages
    )
    for expected in (
        "Grace Okoro, RDN",
        "Pat Patel",
        "born 1980-04-02",
        "Migraine",
        "G43.909",
        "Topiramate 25 mg",
        "Penicillin (mild)",
        "magnesium 1.6",
        "accepted this offer" if referral.offered_at_intake else "asked for it",
        "Magnesium-rich foods",
        "Referred by Fran Test",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nutritionist": ""}, "required"),
        ({"nutritionist": "999999"}, "Select a valid choice"),
        ({"question": "=1+2"}, "cannot start with ="),
        ({"question": "x" * 1001}, "at most 1000"),
    ],
)
def test_bad_referrals_are_refused_and_nothing_is_written(
    client_for: Callable[[User], Client],
    fran: User,
    patient: Patient,
    grace: DirectoryEntry,
    values: dict[str, Any],
    message: str,
) -> None:
    data = {"nutritionist": grace.pk, "question": "", **values}
    response = client_for(fran).post(reverse("referrals:create", args=[patient.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Referral.objects.exists()


def test_a_second_open_referral_and_a_pharmacy_as_nutritionist_are_refused(
    fran: User, clinic: Clinic, patient: Patient, grace: DirectoryEntry
) -> None:
    refer(fran, clinic, patient, grace)
    with pytest.raises(Exception, match="already has an open nutritionist referral"):
        refer(fran, clinic, patient, grace)
    pharmacy = entry(fran, clinic, kind="pharmacy", name="Elm Compounding")
    with pytest.raises(Exception, match="Choose a nutritionist"):
        services.referral_create(
            actor=actor_for(fran, clinic), patient=patient, nutritionist_id=pharmacy.pk
        )


def test_bad_status_updates_are_refused_on_the_page(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    patient: Patient,
    grace: DirectoryEntry,
) -> None:
    referral = refer(fran, clinic, patient, grace)
    url = reverse("referrals:status", args=[referral.pk])
    client = client_for(fran)
    for data, message in (
        (
            {f"r{referral.pk}-version": "1", f"r{referral.pk}-status": "appointment_made"},
            "Give the appointment",
        ),
        (
            {f"r{referral.pk}-version": "1", f"r{referral.pk}-status": "lost"},
            "Select a valid choice",
        ),
        (
            {
                f"r{referral.pk}-version": "1",
                f"r{referral.pk}-status": "appointment_made",
                f"r{referral.pk}-appointment_on": "2029-01-01",
            },
            "more than a year away",
        ),
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("sent", 1)


def test_referrals_are_invisible_to_other_clinics_and_to_pharmacists(
    client_for: Callable[[User], Client],
    fran: User,
    lena: User,
    priya: User,
    clinic: Clinic,
    patient: Patient,
    grace: DirectoryEntry,
) -> None:
    referral = refer(fran, clinic, patient, grace)
    client = client_for(lena)
    assert client.get(reverse("referrals:letter", args=[referral.pk])).status_code == 404
    assert client.get(reverse("referrals:patient", args=[patient.pk])).status_code == 404
    response = client.post(
        reverse("referrals:status", args=[referral.pk]),
        {f"r{referral.pk}-version": "1", f"r{referral.pk}-status": "declined"},
    )
    assert response.status_code == 404
    assert Referral.objects.get().status == "sent"
    assert AuditEvent.objects.filter(user=lena, outcome="denied", action="referral.letter").exists()
    client = client_for(priya)
    assert client.get(reverse("referrals:letter", args=[referral.pk])).status_code == 403


def test_the_follow_up_list_runs_a_fixed_number_of_queries(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    grace: DirectoryEntry,
    make_patient: Callable[..., Patient],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(2):
        refer(fran, clinic, make_patient(given_name=f"A{n}", family_name="Quiet"), grace)
    with time_machine.travel(FROZEN_NOW + timedelta(days=31), tick=False):
        client = client_for(fran)  # signed in a month later (the idle time-out)
        client.get(reverse("referrals:overdue"))
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("referrals:overdue"))
    for n in range(10):
        refer(fran, clinic, make_patient(given_name=f"B{n}", family_name="Quiet"), grace)
    with (
        time_machine.travel(FROZEN_NOW + timedelta(days=31), tick=False),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        response = client.get(reverse("referrals:overdue"))
    assert response.content.decode().count("Quiet</a>") == 12


def test_hostile_names_are_escaped_on_the_billing_and_referral_pages(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    grace: DirectoryEntry,
    make_patient: Callable[..., Patient],
) -> None:
    from tests.billing.helpers import sign_consents

    hostile = make_patient(given_name="<script>alert(1)</script>", family_name="=cmd|' /C calc'!A0")
    sign_consents(hostile, clinic=clinic, witness=fran)
    refer(fran, clinic, hostile, grace)
    client = client_for(fran)
    for url in (
        reverse("billing:consents", args=[hostile.pk]),
        reverse("billing:account", args=[hostile.pk]),
        reverse("referrals:patient", args=[hostile.pk]),
        reverse("billing:sign_consent", args=[hostile.pk]),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    letter = client.get(reverse("referrals:letter", args=[Referral.objects.get().pk]))
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(letter.content)).pages)
    assert "<script>alert(1)</script>" in text  # printed as written, not interpreted
