"""Charges made when an infusion is signed (the hook issue 6 will call), tested directly:
ingredients at the pharmacy's cost with their HCPCS codes, the compounding fee, and 96365 or
96374 from the charted duration, each with the patient's primary ICD-10 indication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from tests.conftest import actor_for, make_member
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.billing.models import Charge, PatientPackage
from ivmt.billing.selectors import account
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient

pytestmark = pytest.mark.usefixtures("price_list")
START = FROZEN_NOW - timedelta(hours=2)
# The seed recipe's bag at the orders factories' prices (a share of multi-dose vials, whole
# single-dose vials), each line rounded half-up to cents — worked by hand:
INGREDIENTS = {
    "magnesium_chloride_20": ("J3490", Decimal("1.80")),  # 5/50 mL x 18.00
    "calcium_gluconate_10": ("J0610", Decimal("6.50")),  # one 10 mL single-dose vial
    "hydroxocobalamin_1000": ("J3425", Decimal("0.80")),  # 1/30 x 24.00
    "pyridoxine_100": ("J3415", Decimal("0.70")),  # 1/30 x 21.00
    "dexpanthenol_250": ("J3490", Decimal("0.63")),  # 1/30 x 19.00 = 0.6333
    "b_complex_100": ("J3490", Decimal("0.73")),  # 1/30 x 22.00 = 0.7333
    "ascorbic_acid_500": ("J3490", Decimal("5.50")),  # 5/50 x 55.00
    "sterile_water": ("J3490", Decimal("1.20")),  # one 20 mL single-dose vial
}


def charge(
    nadia: User,
    clinic: Clinic,
    course: CourseOrder,
    dose_id: int,
    minutes: float,
    **changes: object,
) -> list[Charge]:
    values: dict[str, object] = {
        "actor": actor_for(nadia, clinic),
        "patient": course.patient,
        "course_order_id": course.pk,
        "dose_id": dose_id,
        "started_at": START,
        "ended_at": START + timedelta(minutes=minutes),
        "route": "small_bag",
        "administered_by": nadia,
    }
    values.update(changes)
    return services.charges_create_for_infusion(**values)  # type: ignore[arg-type]


def test_a_45_minute_infusion_is_charged_ingredients_compounding_and_96365(
    nadia: User, clinic: Clinic, course: CourseOrder, first_dose_id: Callable[[], int]
) -> None:
    lines = charge(nadia, clinic, course, first_dose_id(), 45)
    ingredients = [c for c in lines if c.kind == "ingredient"]
    assert [(c.code, c.amount) for c in ingredients] == list(INGREDIENTS.values())
    assert sum(c.amount for c in ingredients) == Decimal("17.86")  # inside the seed's $5-25
    assert [(c.kind, c.code, c.units, c.amount) for c in lines[len(ingredients) :]] == [
        ("compounding", "", 1, Decimal("35.00")),
        ("infusion", "96365", 1, Decimal("95.00")),
    ]
    assert {c.diagnosis_icd10 for c in lines} == {"G43.909"}  # migraine, the primary
    assert {c.provider for c in lines} == {course.signed_by}
    assert {c.performed_by for c in lines} == {nadia}
    calcium = next(c for c in lines if c.code == "J0610")
    assert not calcium.code_verified  # REFERENCE.md §7: unverified
    assert account(patient=course.patient).balance == Decimal("147.86")
    event = AuditEvent.objects.filter(action="billing.charge_infusion").get()
    assert "96365x1" in event.detail and "147.86" in event.detail


def test_a_push_of_fifteen_minutes_is_96374_and_fifteen_and_a_second_is_96365(
    nadia: User,
    clinic: Clinic,
    course: CourseOrder,
) -> None:
    first, second = course.doses.order_by("number").values_list("pk", flat=True)[:2]
    push = charge(nadia, clinic, course, first, 15, route="slow_push")
    assert [(c.code, c.amount) for c in push if c.kind == "infusion"] == [
        ("96374", Decimal("60.00"))
    ]
    infusion = charge(nadia, clinic, course, second, 15 + 1 / 60)
    assert [(c.code, c.amount) for c in infusion if c.kind == "infusion"] == [
        ("96365", Decimal("95.00"))
    ]


def test_a_95_minute_infusion_adds_one_additional_hour(
    nadia: User, clinic: Clinic, course: CourseOrder, first_dose_id: Callable[[], int]
) -> None:
    lines = charge(nadia, clinic, course, first_dose_id(), 95)
    assert [(c.code, c.units, c.amount) for c in lines if c.kind == "infusion"] == [
        ("96365", 1, Decimal("95.00")),
        ("96366", 1, Decimal("30.00")),
    ]


def test_a_dose_is_charged_once_and_again_only_after_its_charges_are_voided(
    nadia: User,
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
) -> None:
    lines = charge(nadia, clinic, course, first_dose_id(), 45)
    with pytest.raises(ValidationError, match="already been charged"):
        charge(nadia, clinic, course, first_dose_id(), 45)
    services.charge_void(
        actor=actor_for(fran, clinic), charge_id=lines[0].pk, reason="Wrong stop time"
    )
    assert Charge.objects.filter(voided_at__isnull=True).count() == 0
    assert account(patient=course.patient).balance == Decimal("0.00")
    again = charge(nadia, clinic, course, first_dose_id(), 30)
    assert len(again) == len(lines)


def test_a_package_covers_infusions_at_zero_and_counts_them(
    nadia: User,
    fran: User,
    morgan: User,
    clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
) -> None:
    package = services.package_create(
        actor=actor_for(morgan, clinic), name="Loading series", infusions=8, price="900.00"
    )
    sold = services.package_sell(
        actor=actor_for(fran, clinic),
        patient=course.patient,
        package_id=package.pk,
        service_date=START.date(),
    )
    lines = charge(nadia, clinic, course, first_dose_id(), 45)
    assert {c.amount for c in lines} == {Decimal("0.00")}
    assert sum(c.list_amount for c in lines) == Decimal("147.86")
    sold.refresh_from_db()
    assert (sold.infusions_used, sold.remaining) == (1, 7)
    assert account(patient=course.patient).balance == Decimal("900.00")
    services.charge_void(
        actor=actor_for(fran, clinic), charge_id=lines[-1].pk, reason="Charted twice"
    )
    assert PatientPackage.objects.get(pk=sold.pk).infusions_used == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ended_at": START}, "end after it started"),
        ({"ended_at": START - timedelta(minutes=5)}, "end after it started"),
        ({"ended_at": FROZEN_NOW + timedelta(hours=1)}, "cannot end in the future"),
        ({"started_at": START.replace(tzinfo=None)}, "need a time zone"),
        ({"started_at": START - timedelta(days=40)}, "more than 30 days ago"),
        (
            {"ended_at": START + timedelta(hours=9), "started_at": START - timedelta(hours=8)},
            "cannot end in the future",
        ),
        ({"course_order_id": 999999}, "not one of this patient's course order"),
        ({"route": '=HYPERLINK("x")'}, "cannot start with ="),
    ],
)
def test_bad_input_is_refused_and_nothing_is_charged(
    nadia: User,
    clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
    changes: dict[str, object],
    message: str,
) -> None:
    values: dict[str, object] = {"minutes": 45, **changes}
    minutes = values.pop("minutes")
    with pytest.raises(ValidationError, match=message):
        charge(nadia, clinic, course, first_dose_id(), minutes, **values)  # type: ignore[arg-type]
    assert not Charge.objects.exists()


def test_the_performer_must_be_a_nurse_or_physician_of_the_clinic(
    nadia: User, fran: User, clinic: Clinic, course: CourseOrder, first_dose_id: Callable[[], int]
) -> None:
    with pytest.raises(ValidationError, match="nurse or physician of this clinic"):
        charge(nadia, clinic, course, first_dose_id(), 45, administered_by=fran)


def test_the_dose_must_be_of_this_patient(
    nadia: User,
    clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
    make_patient: Callable[..., Patient],
) -> None:
    other = make_patient(given_name="Olga", family_name="Other")
    with pytest.raises(ValidationError, match="not one of this patient's"):
        charge(nadia, clinic, course, first_dose_id(), 45, patient=other)


def test_the_front_desk_and_other_clinics_cannot_charge_an_infusion(
    nadia: User,
    fran: User,
    clinic: Clinic,
    other_clinic: Clinic,
    course: CourseOrder,
    first_dose_id: Callable[[], int],
) -> None:
    with pytest.raises(PermissionDenied):
        charge(nadia, clinic, course, first_dose_id(), 45, actor=actor_for(fran, clinic))
    stranger = make_member(other_clinic, "lnurse", Role.NURSE)
    with pytest.raises(PermissionDenied):
        charge(nadia, clinic, course, first_dose_id(), 45, actor=actor_for(stranger, other_clinic))
    assert not Charge.objects.exists()


def test_an_ingredient_without_a_price_is_refused_with_the_reason(
    nadia: User, diaz: User, clinic: Clinic, patient: Patient
) -> None:
    from tests.orders.factories import signed_course

    course = signed_course(diaz, clinic, patient)  # the pharmacy has received no stock
    dose_id = course.doses.order_by("number").values_list("pk", flat=True)[0]
    with pytest.raises(ValidationError, match="ingredient cost cannot be worked out"):
        charge(nadia, clinic, course, dose_id, 45)
    assert not Charge.objects.exists()
