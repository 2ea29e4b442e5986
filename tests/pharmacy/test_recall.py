"""Recall: a lot → exactly the bags and patients that received it, with dates, as CSV that a
spreadsheet cannot execute."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for, make_member
from tests.orders.factories import FROZEN_NOW, TODAY, receive

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.models import CompoundingRecord, StockLot
from ivmt.pharmacy.recall_csv import neutralise
from ivmt.pharmacy.selectors import recall_trace


@pytest.fixture
def bags(
    priya: User,
    paul: User,
    nadia: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    stocked: dict[str, StockLot],
) -> dict[str, CompoundingRecord]:
    """Ana and Ben got calcium lot CG-RECALL (Ana's bag was given), Cy got lot CG-GOOD, and
    Dee's bag from CG-RECALL was wasted before anyone received it."""
    receive(priya, clinic, "calcium_gluconate_10", "CG-RECALL", expiry=TODAY + timedelta(days=90))
    receive(priya, clinic, "calcium_gluconate_10", "CG-GOOD", expiry=TODAY + timedelta(days=400))
    rx, checker, nurse = actor_for(priya, clinic), actor_for(paul, clinic), actor_for(nadia, clinic)
    made: dict[str, CompoundingRecord] = {}
    for name, lot in (
        ("Ana", "CG-RECALL"),
        ("Ben", "CG-RECALL"),
        ("Cy", "CG-GOOD"),
        ("Dee", "CG-RECALL"),
    ):
        patient = make_patient(given_name=name, family_name="Recall")
        dose = make_course(patient).doses.get(number=1)
        made[name] = services.compounding_prepare(
            actor=rx,
            dose_id=dose.pk,
            prep_started_at=FROZEN_NOW,
            lot_choices={"calcium_gluconate_10": [lot]},
        )
    services.compounding_verify(actor=checker, record_id=made["Ana"].pk)
    services.compounding_dispense(actor=rx, record_id=made["Ana"].pk)
    services.compounding_administer(
        actor=nurse, patient_id=made["Ana"].patient_id, scanned_code=made["Ana"].bag_code
    )
    services.compounding_waste(actor=rx, record_id=made["Dee"].pk, reason="no_show")
    return made


def test_recall_finds_exactly_the_patients_who_received_the_lot(
    priya: User, clinic: Clinic, bags: dict[str, CompoundingRecord]
) -> None:
    lot = StockLot.objects.get(lot_number="CG-RECALL")
    trace = recall_trace(actor=actor_for(priya, clinic), lot_id=lot.pk)
    assert [p.given_name for p in trace.patients] == ["Ana", "Ben"]
    received = {row.record.patient.given_name: row.received for row in trace.rows}
    assert received == {"Ana": "yes", "Ben": "not yet", "Dee": "no"}  # Cy got another lot
    # One audit row per patient shown, each naming the lot.
    rows = AuditEvent.objects.filter(action="recall.view", object_id=str(lot.pk))
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted(
        b.patient_id for k, b in bags.items() if k != "Cy"
    )


def test_the_recall_page_is_reached_by_typing_the_lot_number(
    client_for: Callable[[User], Client], diaz: User, bags: dict[str, CompoundingRecord]
) -> None:
    client = client_for(diaz)
    response = client.post(reverse("pharmacy:recall"), {"lot_number": "cg-recall"})
    lot = StockLot.objects.get(lot_number="CG-RECALL")
    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacy:recall_lot", args=[lot.pk])
    page = client.get(response["Location"]).content.decode()
    assert "RECALL, Ana" in page and "RECALL, Ben" in page and "RECALL, Cy" not in page
    assert "Patients who received or may receive it (2)" in page


def test_an_unknown_lot_is_explained(
    client_for: Callable[[User], Client], priya: User, bags: dict[str, CompoundingRecord]
) -> None:
    response = client_for(priya).post(reverse("pharmacy:recall"), {"lot_number": "NOPE"})
    assert response.status_code == 400 and "No lot with this number" in response.content.decode()
    empty = client_for(priya).post(reverse("pharmacy:recall"), {"lot_number": ""})
    assert empty.status_code == 400


def test_the_recall_exports_as_csv_with_dates(
    client_for: Callable[[User], Client], priya: User, bags: dict[str, CompoundingRecord]
) -> None:
    lot = StockLot.objects.get(lot_number="CG-RECALL")
    response = client_for(priya).get(reverse("pharmacy:recall_csv", args=[lot.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert 'attachment; filename="recall-lot-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Recall of calcium_gluconate_10 lot CG-RECALL"]
    body = {row[1]: row for row in rows[2:]}
    assert set(body) == {"Ana", "Ben", "Dee"}
    assert body["Ana"][6] == "2026-11-23 08:00" and body["Ana"][8] == "2026-11-23 08:00"
    assert body["Ana"][9] == "yes" and body["Dee"][9] == "no"
    assert body["Ana"][10] == "3"  # mL of the lot in the bag


def test_hostile_names_cannot_run_as_spreadsheet_formulas(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    stocked: dict[str, StockLot],
) -> None:
    hostile = make_patient(
        given_name="@SUM(1+1)", family_name='=HYPERLINK("http://evil.example","click")'
    )
    dose = make_course(hostile).doses.get(number=1)
    services.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=dose.pk, prep_started_at=FROZEN_NOW
    )
    lot = stocked["calcium_gluconate_10"]
    content = client_for(priya).get(reverse("pharmacy:recall_csv", args=[lot.pk])).content.decode()
    row = next(csv.reader(io.StringIO(content.splitlines()[2])))
    assert row[0] == '\'=HYPERLINK("http://evil.example","click")' and row[1] == "'@SUM(1+1)"
    for cell in ("+1", "-1", "\tx", "\rx"):
        assert neutralise(cell).startswith("'")
    assert neutralise("Smith") == "Smith"


def test_another_clinics_lot_is_not_found_and_a_nurse_may_not_trace(
    client_for: Callable[[User], Client],
    nadia: User,
    other_clinic: Clinic,
    priya: User,
) -> None:
    olga = make_member(other_clinic, "olga", Role.PHARMACIST)
    theirs = receive(olga, other_clinic, "sterile_water", "W-THEIRS")
    assert (
        client_for(priya).get(reverse("pharmacy:recall_lot", args=[theirs.pk])).status_code == 404
    )
    assert (
        client_for(priya).get(reverse("pharmacy:recall_csv", args=[theirs.pk])).status_code == 404
    )
    assert (
        client_for(priya).post(reverse("pharmacy:recall"), {"lot_number": "W-THEIRS"}).status_code
        == 400
    )
    assert client_for(nadia).get(reverse("pharmacy:recall")).status_code == 403
