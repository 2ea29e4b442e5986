"""Every order and pharmacy page with an object in its URL answers 404 to another clinic (and
changes nothing); the remaining forms refuse bad input clearly; free text is shown escaped."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import PASSWORD, actor_for, make_member
from tests.orders.factories import FROZEN_NOW, signed_course

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.models import CompoundingRecord, PharmacySettings, StockLot

# (url name, id kind, method) for every page that takes an object id.
PAGES = [
    ("orders:detail", "order", "get"),
    ("orders:edit", "order", "get"),
    ("orders:amend", "order", "get"),
    ("orders:sign", "order", "post"),
    ("orders:discard", "order", "post"),
    ("orders:stop", "order", "post"),
    ("orders:patient_orders", "patient", "get"),
    ("orders:new", "patient", "post"),
    ("pharmacy:prepare", "dose", "post"),
    ("pharmacy:bag", "bag", "get"),
    ("pharmacy:verify", "bag", "post"),
    ("pharmacy:dispense", "bag", "post"),
    ("pharmacy:waste", "bag", "post"),
    ("pharmacy:worksheet_pdf", "bag", "get"),
    ("pharmacy:label_pdf", "bag", "get"),
    ("pharmacy:administer", "patient", "post"),
    ("pharmacy:recall_lot", "lot", "get"),
    ("pharmacy:recall_csv", "lot", "get"),
]
ROLE_FOR = {"orders": Role.PHYSICIAN, "pharmacy": Role.PHARMACIST}


@pytest.fixture
def riverside_bag(
    priya: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> CompoundingRecord:
    return services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
def test_another_clinics_objects_are_not_found_and_not_changed(
    client_for: Callable[[User], Client],
    other_clinic: Clinic,
    riverside_bag: CompoundingRecord,
    name: str,
    kind: str,
    method: str,
) -> None:
    role = ROLE_FOR[name.split(":")[0]]
    if name == "pharmacy:administer":
        role = Role.NURSE
    outsider = make_member(other_clinic, f"outsider_{role.value}", role)
    object_id = {
        "order": riverside_bag.order_id,
        "patient": riverside_bag.patient_id,
        "dose": riverside_bag.dose_id,
        "bag": riverside_bag.pk,
        "lot": StockLot.objects.filter(clinic=riverside_bag.clinic).first().pk,  # type: ignore[union-attr]
    }[kind]
    client = client_for(outsider)
    url = reverse(name, args=[object_id])
    data = {"password": PASSWORD, "version": "1", "reason": "no_show", "bag_code": "X"}
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404, name
    riverside_bag.refresh_from_db()
    assert riverside_bag.status == "prepared"
    assert CourseOrder.objects.get(pk=riverside_bag.order_id).status == "signed"


@pytest.mark.parametrize(
    ("changes", "message", "status"),
    [
        ({"category": "category_9"}, "Select a valid choice", 400),
        ({"storage": "frozen"}, "Select a valid choice", 400),
        ({"expiring_soon_days": "0"}, "greater than or equal to 1", 400),
        ({"low_stock_horizon_days": "-3"}, "greater than or equal to 1", 400),
        ({"low_stock_horizon_days": "many"}, "Enter a whole number", 400),
        ({"version": "7"}, "Someone changed the pharmacy settings", 409),
    ],
)
def test_bad_pharmacy_settings_are_explained_and_change_nothing(
    client_for: Callable[[User], Client],
    morgan: User,
    clinic: Clinic,
    changes: dict[str, str],
    message: str,
    status: int,
) -> None:
    data = {
        "category": "category_1",
        "storage": "refrigerated",
        "expiring_soon_days": "30",
        "low_stock_horizon_days": "14",
        "version": "1",
        **changes,
    }
    response = client_for(morgan).post(reverse("pharmacy:settings"), data)
    assert response.status_code == status and message in response.content.decode()
    assert not PharmacySettings.objects.filter(clinic=clinic).exists()


def test_the_compounding_category_sets_the_beyond_use_time(
    client_for: Callable[[User], Client],
    morgan: User,
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    data = {
        "category": "category_1",
        "storage": "refrigerated",
        "expiring_soon_days": "30",
        "low_stock_horizon_days": "14",
        "version": "1",
    }
    assert client_for(morgan).post(reverse("pharmacy:settings"), data).status_code == 302
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    assert (record.beyond_use_at - FROZEN_NOW).total_seconds() == 24 * 3600
    assert (record.bud_category, record.bud_storage) == ("category_1", "refrigerated")


def test_a_scanned_bag_code_opens_the_bag_and_an_unknown_one_is_explained(
    client_for: Callable[[User], Client], nadia: User, riverside_bag: CompoundingRecord
) -> None:
    client = client_for(nadia)
    found = client.post(reverse("pharmacy:scan"), {"code": riverside_bag.bag_code.lower()})
    assert found.status_code == 302 and found["Location"] == riverside_bag.get_absolute_url()
    missing = client.post(reverse("pharmacy:scan"), {"code": "<script>x</script>"})
    assert missing.status_code == 400
    page = missing.content.decode()
    assert "No bag with this code" in page and "<script>x</script>" not in page


def test_free_text_on_orders_and_bags_is_shown_escaped(
    client_for: Callable[[User], Client],
    diaz: User,
    priya: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    riverside_bag: CompoundingRecord,
) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    patient = make_patient(given_name="Eve")
    order = signed_course(diaz, clinic, patient)
    CourseOrder.objects.filter(pk=order.pk).update(override_reason=hostile)
    page = client_for(diaz).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert hostile not in page and "&lt;img src=x" in page
    services.compounding_waste(
        actor=actor_for(priya, clinic), record_id=riverside_bag.pk, reason="other", note=hostile
    )
    bag_page = client_for(priya).get(reverse("pharmacy:bag", args=[riverside_bag.pk]))
    assert hostile not in bag_page.content.decode()


def test_the_order_page_makes_the_same_number_of_queries_for_few_or_many_doses(
    client_for: Callable[[User], Client],
    diaz: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
) -> None:
    client = client_for(diaz)
    short = signed_course(diaz, clinic, make_patient(given_name="Short"))
    long = signed_course(
        diaz,
        clinic,
        make_patient(given_name="Long"),
        protocol_id="seed_clinic",
        duration_min=Decimal(50),
    )
    assert long.doses.count() > short.doses.count()

    def queries(order: CourseOrder) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 200
        return len(context.captured_queries)

    assert queries(long) == queries(short)
