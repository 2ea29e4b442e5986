"""A bag's life: prepared with its lots by one pharmacist, verified by another, dispensed,
given at the chair — and every refusal on the way (lots, people, times, patients)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD, actor_for, make_member
from tests.orders.factories import FROZEN_NOW, TODAY, receive

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.gs1 import GS
from ivmt.pharmacy.models import CompoundingRecord, LotDraw, PharmacySettings, StockLot


def prepare_form(**lots: str) -> dict[str, str]:
    # 08:00 clinic time on the frozen Monday.
    return {"prep_started_at": "2026-11-23T08:00", **{f"lot__{k}": v for k, v in lots.items()}}


def on_hand(lots: dict[str, StockLot]) -> dict[str, Decimal]:
    return {k: StockLot.objects.get(pk=v.pk).on_hand_ml for k, v in lots.items()}


def test_a_pharmacist_prepares_dose_1_and_stock_goes_down_exactly(
    client_for: Callable[[User], Client],
    priya: User,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    dose = course.doses.get(number=1)
    client = client_for(priya)
    form = client.get(reverse("pharmacy:prepare", args=[dose.pk])).content.decode()
    assert 'value="L-magnes-1"' in form  # first-expiring lot filled in
    before = on_hand(stocked)
    response = client.post(reverse("pharmacy:prepare", args=[dose.pk]), prepare_form())
    record = CompoundingRecord.objects.get(dose=dose)
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert record.status == "prepared" and record.prepared_by == priya
    assert record.total_volume_ml == Decimal(137)
    # Immediate use (the default category): 4 h from the preparation start.
    assert record.beyond_use_at == FROZEN_NOW + timedelta(hours=4)
    after = on_hand(stocked)
    taken = {k: before[k] - after[k] for k in before}
    assert taken == {
        "magnesium_chloride_20": Decimal(5),  # multi-dose: exactly the volume used
        "calcium_gluconate_10": Decimal(10),  # single-dose 10 mL vial opened for 3 mL
        "hydroxocobalamin_1000": Decimal(1),
        "pyridoxine_100": Decimal(1),
        "dexpanthenol_250": Decimal(1),
        "b_complex_100": Decimal(1),
        "ascorbic_acid_500": Decimal(5),
        "sterile_water": Decimal(20),  # single-dose 20 mL vial
        "sodium_chloride_0_9": Decimal(100),  # one 100 mL bag
    }
    calcium = LotDraw.objects.get(line__record=record, lot=stocked["calcium_gluconate_10"])
    assert (calcium.used_ml, calcium.taken_ml, calcium.units_opened) == (
        Decimal(3),
        Decimal(10),
        1,
    )


def test_first_expiring_first_and_a_typed_lot_overrides_it(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    sooner = receive(
        priya, clinic, "magnesium_chloride_20", "MG-SOON", expiry=TODAY + timedelta(days=20)
    )
    later = receive(
        priya, clinic, "magnesium_chloride_20", "MG-LATE", expiry=TODAY + timedelta(days=900)
    )
    client = client_for(priya)
    first, second = course.doses.order_by("number")[:2]
    client.post(reverse("pharmacy:prepare", args=[first.pk]), prepare_form())
    assert (
        LotDraw.objects.get(
            line__record__dose=first, lot__ingredient_id="magnesium_chloride_20"
        ).lot
        == sooner
    )
    with time_machine.travel(FROZEN_NOW + timedelta(days=7), tick=False):
        client = client_for(priya)  # a new day, a new sign-in
        client.post(
            reverse("pharmacy:prepare", args=[second.pk]),
            {
                **prepare_form(magnesium_chloride_20="MG-LATE"),
                "prep_started_at": "2026-11-30T08:00",
            },
        )
    assert (
        LotDraw.objects.get(
            line__record__dose=second, lot__ingredient_id="magnesium_chloride_20"
        ).lot
        == later
    )


@pytest.mark.parametrize(
    ("lot", "expiry_days", "message"),
    [
        ("CG-EXPIRED", -1, "expired"),
        ("CG-TODAY", 0, "before the bag"),
    ],
)
def test_an_expired_or_too_short_lot_is_refused_and_nothing_changes(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
    lot: str,
    expiry_days: int,
    message: str,
) -> None:
    chosen = receive(priya, clinic, "calcium_gluconate_10", lot, expiry=TODAY)
    StockLot.objects.filter(pk=chosen.pk).update(expiry_date=TODAY + timedelta(days=expiry_days))
    # Category 1, refrigerated: the bag is good for 24 h, past the end of today.
    PharmacySettings.objects.create(clinic=clinic, category="category_1", storage="refrigerated")
    before = on_hand(stocked)
    dose = course.doses.get(number=1)
    response = client_for(priya).post(
        reverse("pharmacy:prepare", args=[dose.pk]), prepare_form(calcium_gluconate_10=lot)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CompoundingRecord.objects.exists()
    assert on_hand(stocked) == before
    chosen.refresh_from_db()
    assert chosen.on_hand_ml == Decimal(100)


def test_first_expiring_first_skips_a_lot_that_would_expire_before_the_bag(
    priya: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> None:
    PharmacySettings.objects.create(clinic=clinic, category="category_1", storage="refrigerated")
    receive(priya, clinic, "calcium_gluconate_10", "CG-ENDS-TODAY", expiry=TODAY)
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    lots = set(
        LotDraw.objects.filter(line__record=record).values_list("lot__lot_number", flat=True)
    )
    assert "CG-ENDS-TODAY" not in lots and stocked["calcium_gluconate_10"].lot_number in lots
    assert record.beyond_use_at == FROZEN_NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("NO-SUCH-LOT", "is not in stock: receive it first"),
        ("L-magnes-1", "is Magnesium chloride 20 %, not Calcium gluconate 10 %"),
        (f"]d2010036000000000217300101{GS}10L-calciu-1", "scanned expiry of lot L-calciu-1"),
        ("0100360000000002172712", "cut short"),
    ],
)
def test_a_wrong_typed_or_scanned_lot_is_refused(
    client_for: Callable[[User], Client],
    priya: User,
    course: CourseOrder,
    stocked: dict[str, StockLot],
    typed: str,
    message: str,
) -> None:
    dose = course.doses.get(number=1)
    response = client_for(priya).post(
        reverse("pharmacy:prepare", args=[dose.pk]), prepare_form(calcium_gluconate_10=typed)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CompoundingRecord.objects.exists()


def test_a_scanned_vial_barcode_names_the_lot(
    priya: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> None:
    expiry = stocked["calcium_gluconate_10"].expiry_date.strftime("%y%m%d")
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
        lot_choices={"calcium_gluconate_10": [f"]d2010036000000000217{expiry}10L-calciu-1{GS}"]},
    )
    assert record.status == "prepared"


@pytest.mark.parametrize(
    ("started", "message"),
    [
        ("2026-11-23T09:00", "in the future"),
        ("2026-11-23T03:00", "already past its beyond-use time"),
        ("", "This field is required"),
        ("yesterday", "Enter a valid date/time"),
    ],
)
def test_an_impossible_preparation_start_is_refused(
    client_for: Callable[[User], Client],
    priya: User,
    course: CourseOrder,
    stocked: dict[str, StockLot],
    started: str,
    message: str,
) -> None:
    dose = course.doses.get(number=1)
    response = client_for(priya).post(
        reverse("pharmacy:prepare", args=[dose.pk]), {"prep_started_at": started}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not CompoundingRecord.objects.exists()


def test_not_enough_stock_is_explained(
    client_for: Callable[[User], Client], priya: User, clinic: Clinic, course: CourseOrder
) -> None:
    receive(priya, clinic, "magnesium_chloride_20", "MG-1")
    dose = course.doses.get(number=1)
    page = client_for(priya).get(reverse("pharmacy:prepare", args=[dose.pk])).content.decode()
    assert "Stock cannot cover this bag" in page and "Not enough Calcium gluconate 10 %" in page
    response = client_for(priya).post(reverse("pharmacy:prepare", args=[dose.pk]), prepare_form())
    assert response.status_code == 400
    assert StockLot.objects.get().on_hand_ml == Decimal(500)


def test_a_dose_cannot_get_two_bags(
    priya: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> None:
    actor = actor_for(priya, clinic)
    dose = course.doses.get(number=1)
    services.compounding_prepare(actor=actor, dose_id=dose.pk, prep_started_at=FROZEN_NOW)
    with pytest.raises(ValidationError, match="already has bag"):
        services.compounding_prepare(actor=actor, dose_id=dose.pk, prep_started_at=FROZEN_NOW)


@pytest.fixture
def prepared(
    priya: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> CompoundingRecord:
    return services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )


def test_the_same_pharmacist_cannot_verify_what_they_prepared(
    client_for: Callable[[User], Client], priya: User, prepared: CompoundingRecord
) -> None:
    response = client_for(priya).post(
        reverse("pharmacy:verify", args=[prepared.pk]), {"password": PASSWORD}
    )
    assert response.status_code == 400
    assert "You prepared this bag, so you cannot verify it" in response.content.decode()
    prepared.refresh_from_db()
    assert prepared.status == "prepared" and prepared.verified_by is None
    assert AuditEvent.objects.filter(
        action="bag.verify", outcome="denied", detail="same person as preparer"
    ).exists()


def test_a_second_pharmacist_verifies_and_nobody_verifies_on_someone_elses_behalf(
    client_for: Callable[[User], Client],
    priya: User,
    paul: User,
    prepared: CompoundingRecord,
) -> None:
    # Priya posts Paul's id as the verifier: the field is ignored, the signer is the session.
    response = client_for(priya).post(
        reverse("pharmacy:verify", args=[prepared.pk]),
        {"password": PASSWORD, "verified_by": str(paul.pk), "prepared_by": str(paul.pk)},
    )
    assert response.status_code == 400
    prepared.refresh_from_db()
    assert prepared.status == "prepared" and prepared.prepared_by == priya
    response = client_for(paul).post(
        reverse("pharmacy:verify", args=[prepared.pk]), {"password": PASSWORD}
    )
    assert response.status_code == 302
    prepared.refresh_from_db()
    assert prepared.status == "verified" and prepared.verified_by == paul


def test_verification_needs_the_verifiers_own_password(
    client_for: Callable[[User], Client], paul: User, prepared: CompoundingRecord
) -> None:
    response = client_for(paul).post(
        reverse("pharmacy:verify", args=[prepared.pk]), {"password": "priyas-password"}
    )
    assert response.status_code == 400
    prepared.refresh_from_db()
    assert prepared.status == "prepared"


def test_the_database_refuses_a_verifier_who_prepared(prepared: CompoundingRecord) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CompoundingRecord.objects.filter(pk=prepared.pk).update(verified_by=prepared.prepared_by)


def test_a_bag_past_its_beyond_use_time_cannot_be_verified(
    paul: User, clinic: Clinic, prepared: CompoundingRecord
) -> None:
    with (
        time_machine.travel(FROZEN_NOW + timedelta(hours=4), tick=False),
        pytest.raises(ValidationError, match="passed its beyond-use time"),
    ):
        services.compounding_verify(actor=actor_for(paul, clinic), record_id=prepared.pk)
    assert AuditEvent.objects.filter(action="bag.use", outcome="denied").exists()


def test_dispensed_then_given_after_scanning_the_bag_at_the_chair(
    client_for: Callable[[User], Client],
    priya: User,
    paul: User,
    nadia: User,
    clinic: Clinic,
    patient: Patient,
    prepared: CompoundingRecord,
) -> None:
    with pytest.raises(ValidationError, match="cannot be marked dispensed"):
        services.compounding_dispense(actor=actor_for(priya, clinic), record_id=prepared.pk)
    services.compounding_verify(actor=actor_for(paul, clinic), record_id=prepared.pk)
    client_for(priya).post(reverse("pharmacy:dispense", args=[prepared.pk]))
    prepared.refresh_from_db()
    assert prepared.status == "dispensed" and prepared.dispensed_by == priya
    nurse = client_for(nadia)
    url = reverse("pharmacy:administer", args=[patient.pk])
    wrong = nurse.post(url, {"bag_code": "0000000000000000", "password": PASSWORD})
    assert wrong.status_code == 400 and "No bag with this code" in wrong.content.decode()
    given = nurse.post(url, {"bag_code": prepared.bag_code.lower(), "password": PASSWORD})
    assert given.status_code == 302
    prepared.refresh_from_db()
    assert prepared.status == "administered" and prepared.administered_by == nadia


def test_a_bag_scanned_against_another_patient_is_refused(
    client_for: Callable[[User], Client],
    priya: User,
    paul: User,
    nadia: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    prepared: CompoundingRecord,
) -> None:
    services.compounding_verify(actor=actor_for(paul, clinic), record_id=prepared.pk)
    services.compounding_dispense(actor=actor_for(priya, clinic), record_id=prepared.pk)
    someone_else = make_patient(given_name="Sam", family_name="Other")
    response = client_for(nadia).post(
        reverse("pharmacy:administer", args=[someone_else.pk]),
        {"bag_code": prepared.bag_code, "password": PASSWORD},
    )
    assert response.status_code == 400
    assert "labelled for another patient" in response.content.decode()
    prepared.refresh_from_db()
    assert prepared.status == "dispensed"
    assert AuditEvent.objects.filter(
        action="bag.administer", outcome="denied", patient_id=someone_else.pk
    ).exists()


def test_a_bag_is_wasted_with_a_reason_and_the_dose_can_be_made_again(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    prepared: CompoundingRecord,
) -> None:
    client = client_for(priya)
    url = reverse("pharmacy:waste", args=[prepared.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "other", "note": ""}).status_code == 400
    assert client.post(url, {"reason": "because"}).status_code == 400
    prepared.refresh_from_db()
    assert prepared.status == "prepared"
    assert client.post(url, {"reason": "no_show"}).status_code == 302
    prepared.refresh_from_db()
    assert prepared.status == "wasted" and prepared.waste_reason == "no_show"
    again = services.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=prepared.dose_id, prep_started_at=FROZEN_NOW
    )
    assert again.bag_code != prepared.bag_code


def test_a_given_bag_cannot_be_wasted(
    priya: User, paul: User, nadia: User, clinic: Clinic, prepared: CompoundingRecord
) -> None:
    services.compounding_verify(actor=actor_for(paul, clinic), record_id=prepared.pk)
    services.compounding_dispense(actor=actor_for(priya, clinic), record_id=prepared.pk)
    services.compounding_administer(
        actor=actor_for(nadia, clinic),
        patient_id=prepared.patient_id,
        scanned_code=prepared.bag_code,
    )
    with pytest.raises(ValidationError, match="cannot be marked wasted"):
        services.compounding_waste(
            actor=actor_for(priya, clinic), record_id=prepared.pk, reason="error"
        )


def test_a_bag_of_a_stopped_course_cannot_be_verified(
    diaz: User, paul: User, clinic: Clinic, course: CourseOrder, prepared: CompoundingRecord
) -> None:
    order_services.course_order_stop(actor=actor_for(diaz, clinic), order=course, reason="Rash")
    with pytest.raises(ValidationError, match="the bag must not be given"):
        services.compounding_verify(actor=actor_for(paul, clinic), record_id=prepared.pk)


def test_bag_codes_are_random_not_the_row_id(prepared: CompoundingRecord) -> None:
    assert len(prepared.bag_code) == 16 and prepared.bag_code != str(prepared.pk)
    assert set(prepared.bag_code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


@pytest.mark.parametrize("user", ["nadia", "diaz", "fran", "morgan"])
def test_only_pharmacists_prepare_and_verify(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    clinic: Clinic,
    prepared: CompoundingRecord,
    user: str,
) -> None:
    person = request.getfixturevalue(user)
    client = client_for(person)
    assert (
        client.post(
            reverse("pharmacy:verify", args=[prepared.pk]), {"password": PASSWORD}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("pharmacy:prepare", args=[prepared.dose_id]), prepare_form()
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.compounding_verify(actor=actor_for(person, clinic), record_id=prepared.pk)


def test_another_clinics_bag_is_not_found(
    client_for: Callable[[User], Client], other_clinic: Clinic, prepared: CompoundingRecord
) -> None:
    olga = make_member(other_clinic, "olga", Role.PHARMACIST)
    client = client_for(olga)
    for name in ("pharmacy:bag", "pharmacy:label_pdf", "pharmacy:worksheet_pdf"):
        assert client.get(reverse(name, args=[prepared.pk])).status_code == 404
    assert client.get(reverse("pharmacy:prepare", args=[prepared.dose_id])).status_code == 404
    assert (
        client.post(
            reverse("pharmacy:verify", args=[prepared.pk]), {"password": PASSWORD}
        ).status_code
        == 404
    )
    prepared.refresh_from_db()
    assert prepared.status == "prepared"
