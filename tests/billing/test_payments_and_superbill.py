"""Payments, balances (exact in Decimal), hand-added charges, voids, the account page and the
superbill PDF with the clinic's and the provider's identifiers and the right totals."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW, TODAY

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.billing.models import Charge, Payment
from ivmt.billing.selectors import account, balances
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient

pytestmark = pytest.mark.usefixtures("price_list")


def pay(
    fran: User,
    clinic: Clinic,
    patient: Patient,
    amount: str,
    method: str = "cash",
    reference: str = "",
) -> Payment:
    return services.payment_record(
        actor=actor_for(fran, clinic),
        patient=patient,
        method=method,
        amount=amount,
        reference=reference,
        received_on=TODAY,
    )


def other(fran: User, clinic: Clinic, patient: Patient, amount: str) -> Charge:
    return services.charge_add(
        actor=actor_for(fran, clinic),
        patient=patient,
        kind="other",
        description="Item",
        amount=amount,
        service_date=TODAY,
    )


def test_balances_are_exact_in_decimal_whatever_the_number_of_lines(
    fran: User, clinic: Clinic, patient: Patient
) -> None:
    for _ in range(10):
        other(fran, clinic, patient, "0.10")
    other(fran, clinic, patient, "0.20")
    for _ in range(3):
        pay(fran, clinic, patient, "0.10")
    balance = account(patient=patient).balance
    assert balance == Decimal("0.90") and str(balance) == "0.90"  # 1.20 - 0.30, no float drift
    assert [(r.patient, r.balance) for r in balances(actor=actor_for(fran, clinic))] == [
        (patient, Decimal("0.90"))
    ]


def test_an_office_visit_is_charged_at_the_price_list_fee_and_code(
    fran: User, clinic: Clinic, patient: Patient
) -> None:
    visit = services.charge_add(
        actor=actor_for(fran, clinic),
        patient=patient,
        kind="office_visit",
        description="",
        amount=None,
        service_date=TODAY,
    )
    assert (visit.code, visit.amount, visit.diagnosis_icd10) == (
        "99213",
        Decimal("120.00"),
        "G43.909",
    )


def test_voided_lines_stay_on_record_and_leave_the_balance(
    fran: User, clinic: Clinic, patient: Patient
) -> None:
    charge = other(fran, clinic, patient, "40.00")
    payment = pay(fran, clinic, patient, "15.00")
    services.payment_void(
        actor=actor_for(fran, clinic), payment_id=payment.pk, reason="Entered twice"
    )
    assert account(patient=patient).balance == Decimal("40.00")
    services.charge_void(actor=actor_for(fran, clinic), charge_id=charge.pk, reason="Wrong patient")
    assert account(patient=patient).balance == Decimal("0.00")
    assert Charge.objects.get().void_reason == "Wrong patient"
    with pytest.raises(ValidationError, match="already voided"):
        services.charge_void(actor=actor_for(fran, clinic), charge_id=charge.pk, reason="Again!")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": ""}, "This field is required"),
        ({"amount": "abc"}, "Enter a number"),
        ({"amount": "-5.00"}, "greater than or equal to 0"),
        ({"amount": "0"}, "must be more than 0.00"),
        ({"amount": "12.345"}, "decimal places"),
        ({"amount": "99999999"}, "less than or equal to 50000"),
        ({"amount": "NaN"}, "Enter a number"),
        ({"method": "bitcoin"}, "Select a valid choice"),
        ({"method": "card", "reference": ""}, "needs the terminal"),
        ({"method": "card", "reference": "4111 1111 1111 1111"}, "Never type a card number"),
        ({"method": "insurance", "reference": ""}, "payer and claim number"),
        ({"reference": "=SUM(A1:A9)"}, "cannot start with ="),
        ({"reference": "<script>alert(1)</script>"}, "cannot contain &lt; or &gt;"),
        ({"received_on": "2026-12-25"}, "cannot be dated in the future"),
        ({"received_on": "2024-01-01"}, "more than a year ago"),
        ({"received_on": "yesterday"}, "Enter a valid date"),
    ],
)
def test_bad_payments_get_a_clear_message_and_change_nothing(
    client_for: Callable[[User], Client],
    fran: User,
    patient: Patient,
    changes: dict[str, str],
    message: str,
) -> None:
    values = {"method": "cash", "amount": "20.00", "reference": "", "received_on": "2026-11-23"}
    values.update(changes)
    response = client_for(fran).post(reverse("billing:payment_add", args=[patient.pk]), values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "infusion"}, "Select a valid choice"),
        ({"kind": "other", "description": ""}, "description is required"),
        ({"kind": "other", "amount": ""}, "enter an amount in dollars and cents"),
        ({"kind": "other", "amount": "0.00"}, "must be more than 0.00"),
        ({"code": "9921"}, "five letters or digits"),
        ({"description": "@cmd|calc"}, "cannot start with"),
        ({"service_date": "2027-01-01"}, "cannot be in the future"),
    ],
)
def test_bad_charges_get_a_clear_message_and_change_nothing(
    client_for: Callable[[User], Client],
    fran: User,
    patient: Patient,
    changes: dict[str, str],
    message: str,
) -> None:
    values = {
        "kind": "other",
        "description": "Nutrition handout",
        "code": "",
        "amount": "5.00",
        "service_date": "2026-11-23",
    }
    values.update(changes)
    response = client_for(fran).post(reverse("billing:charge_add", args=[patient.pk]), values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Charge.objects.exists()


def test_a_void_without_a_reason_changes_nothing(
    client_for: Callable[[User], Client], fran: User, clinic: Clinic, patient: Patient
) -> None:
    charge = other(fran, clinic, patient, "40.00")
    response = client_for(fran).post(
        reverse("billing:charge_void", args=[charge.pk]), {"reason": ""}
    )
    assert response.status_code == 400 and "required" in response.content.decode()
    assert Charge.objects.get().voided_at is None


def test_nurses_cannot_take_payments_and_other_clinics_see_nothing(
    client_for: Callable[[User], Client],
    nadia: User,
    lena: User,
    fran: User,
    clinic: Clinic,
    patient: Patient,
) -> None:
    with pytest.raises(PermissionDenied):
        pay(nadia, clinic, patient, "10.00")
    charge = other(fran, clinic, patient, "40.00")
    client = client_for(lena)
    for url in (
        reverse("billing:account", args=[patient.pk]),
        reverse("billing:superbill", args=[patient.pk])
        + "?first_day=2026-11-01&last_day=2026-11-30",
    ):
        assert client.get(url).status_code == 403  # a nurse holds no billing capability
    from tests.conftest import make_member

    from ivmt.core.roles import Role

    desk = make_member(lena.memberships.get().clinic, "ldesk", Role.FRONT_DESK)
    client = client_for(desk)
    assert client.get(reverse("billing:account", args=[patient.pk])).status_code == 404
    assert (
        client.post(
            reverse("billing:charge_void", args=[charge.pk]), {"reason": "Not ours at all"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("billing:payment_add", args=[patient.pk]),
            {"method": "cash", "amount": "20.00", "received_on": "2026-11-23"},
        ).status_code
        == 404
    )
    assert Charge.objects.get().voided_at is None and not Payment.objects.exists()
    assert AuditEvent.objects.filter(user=desk, outcome="denied").count() >= 2


def test_the_account_page_runs_a_fixed_number_of_queries(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    patient: Patient,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(fran)
    url = reverse("billing:account", args=[patient.pk])
    client.get(url)
    for _ in range(3):
        other(fran, clinic, patient, "10.00")
        pay(fran, clinic, patient, "5.00")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(20):
        other(fran, clinic, patient, "10.00")
        pay(fran, clinic, patient, "5.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert "$230.00" in response.content.decode()  # 23 x 10.00
    assert "no-store" in response["Cache-Control"]


def test_the_balances_page_runs_a_fixed_number_of_queries(
    client_for: Callable[[User], Client],
    morgan: User,
    fran: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(morgan)
    for n in range(3):
        other(fran, clinic, make_patient(given_name=f"P{n}", family_name="Owe"), "10.00")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("billing:balances"))
    for n in range(10):
        other(fran, clinic, make_patient(given_name=f"Q{n}", family_name="Owe"), "10.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("billing:balances"))
    assert response.content.decode().count("$10.00</strong>") == 13


def superbill_text(client: Client, patient: Patient, first: date, last: date) -> str:
    response = client.get(
        reverse("billing:superbill", args=[patient.pk]),
        {"first_day": first.isoformat(), "last_day": last.isoformat()},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_the_superbill_of_a_visit_shows_identifiers_codes_amounts_payments_and_totals(
    client_for: Callable[[User], Client],
    fran: User,
    nadia: User,
    morgan: User,
    diaz: User,
    clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
) -> None:
    services.provider_npi_set(actor=actor_for(morgan, clinic), user_id=diaz.pk, npi="1245319599")
    start = FROZEN_NOW - timedelta(hours=2)
    services.charges_create_for_infusion(
        actor=actor_for(nadia, clinic),
        patient=course.patient,
        course_order_id=course.pk,
        dose_id=first_dose_id(),
        started_at=start,
        ended_at=start + timedelta(minutes=45),
        route="small_bag",
        administered_by=nadia,
    )
    pay(fran, clinic, course.patient, "100.00", "card", "Receipt 5521")
    text = superbill_text(client_for(fran), course.patient, TODAY, TODAY)
    for expected in (
        "Superbill",
        "Services of 2026-11-23",
        "Organisation NPI: 1234567893",
        "Tax id (EIN): 12-3456789",
        "Place of service: 11",
        "PATEL, Pat",
        "G43.909",
        "(NPI 1245319599)",
        "96365",
        "J3490",
        "J0610†",
        "$95.00",
        "$35.00",
        "$6.50",
        "Total charges",
        "$147.86",
        "Receipt 5521",
        "Total paid",
        "$100.00",
        "Balance due: $47.86",
        "not verified against the current CMS HCPCS file",
    ):
        assert expected in text, expected


def test_the_superbill_of_a_period_leaves_out_other_dates_and_voided_lines(
    client_for: Callable[[User], Client], fran: User, clinic: Clinic, patient: Patient
) -> None:
    other(fran, clinic, patient, "10.00")
    voided = other(fran, clinic, patient, "99.00")
    services.charge_void(actor=actor_for(fran, clinic), charge_id=voided.pk, reason="Mistake here")
    services.charge_add(
        actor=actor_for(fran, clinic),
        patient=patient,
        kind="other",
        description="Earlier",
        amount="7.00",
        service_date=TODAY - timedelta(days=40),
    )
    text = superbill_text(client_for(fran), patient, date(2026, 11, 1), date(2026, 11, 30))
    assert "2026-11-01 to 2026-11-30" in text
    assert "$10.00" in text and "$99.00" not in text and "Earlier" not in text
    assert "Balance due: $10.00" in text


@pytest.mark.parametrize(
    "query",
    [
        {"first_day": "2026-11-30", "last_day": "2026-11-01"},
        {"first_day": "2024-01-01", "last_day": "2026-11-01"},
        {"first_day": "not a date", "last_day": "2026-11-01"},
        {},
    ],
)
def test_a_bad_superbill_period_is_refused_with_a_message(
    client_for: Callable[[User], Client], fran: User, patient: Patient, query: dict[str, str]
) -> None:
    response = client_for(fran).get(reverse("billing:superbill", args=[patient.pk]), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
