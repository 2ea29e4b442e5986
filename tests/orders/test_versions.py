"""Changing a signed course: a new version linked to the old one with a reason; the old one
is kept unchanged and superseded when the new one is signed; doses already given stay with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for, make_member
from tests.orders.factories import FROZEN_NOW, seed_input, sign, signed_course, stock_everything
from tests.orders.test_order_form import form_data

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.orders import services
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services as pharmacy


def amend(
    actor: Actor,
    order: CourseOrder,
    reason: str = "Longer duration after side effects",
    **changes: Any,
) -> CourseOrder:
    return services.course_order_amend(
        actor=actor, order=order, chosen=seed_input(**changes), reason=reason
    )


def test_a_change_is_a_new_version_linked_to_the_old_one_with_its_reason(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    data = form_data(duration_min="60", change_reason="Longer duration after side effects")
    response = client_for(diaz).post(reverse("orders:amend", args=[order.pk]), data)
    amendment = CourseOrder.objects.get(previous=order)
    assert response.status_code == 302 and response["Location"] == amendment.get_absolute_url()
    assert amendment.status == "draft" and amendment.revision == 2
    assert amendment.change_reason == "Longer duration after side effects"
    assert amendment.duration_min == Decimal(60)
    order.refresh_from_db()
    assert order.status == "signed" and order.duration_min == Decimal(45)  # untouched


def test_a_change_needs_a_reason(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    response = client_for(diaz).post(
        reverse("orders:amend", args=[order.pk]), form_data(duration_min="60", change_reason="")
    )
    assert response.status_code == 400
    assert not CourseOrder.objects.filter(previous=order).exists()


def test_signing_the_change_supersedes_the_old_version_and_replans_the_remaining_doses(
    diaz: User, priya: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    paul = make_member(clinic, "paul", Role.PHARMACIST)
    stock_everything(priya, clinic)
    dose_1 = order.doses.get(number=1)
    # Dose 1 is made, checked, sent to the chair and given under version 1.
    bag = pharmacy.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=dose_1.pk, prep_started_at=FROZEN_NOW
    )
    pharmacy.compounding_verify(actor=actor_for(paul, clinic), record_id=bag.pk)
    pharmacy.compounding_dispense(actor=actor_for(priya, clinic), record_id=bag.pk)
    # A week later, after side effects, the physician slows the infusion.
    with time_machine.travel(FROZEN_NOW + timedelta(days=3), tick=False):
        actor = actor_for(diaz, clinic)
        change = amend(actor, order, duration_min=Decimal(60))
        signed = sign(actor, change)
    order.refresh_from_db()
    assert signed.status == "signed" and order.status == "superseded"
    assert order.ended_by == diaz and "revision 2" in order.end_reason
    assert order.duration_min == Decimal(45)  # the old version's content never changes
    assert list(order.doses.filter(status="planned").values_list("number", flat=True)) == [1]
    assert set(order.doses.exclude(number=1).values_list("status", flat=True)) == {"superseded"}
    new_numbers = list(signed.doses.order_by("number").values_list("number", flat=True))
    assert new_numbers == [2, 3, 4, 5, 6, 7, 8]  # the series keeps its numbers and dates
    assert signed.doses.get(number=2).date == order.doses.get(number=2).date


def test_a_change_is_refused_while_a_bag_of_the_old_version_is_in_the_pharmacy(
    diaz: User, priya: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    stock_everything(priya, clinic)
    pharmacy.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=order.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    actor = actor_for(diaz, clinic)
    change = amend(actor, order, duration_min=Decimal(60))
    with pytest.raises(ValidationError, match="already prepared the bag for dose 1"):
        sign(actor, change)
    order.refresh_from_db()
    change.refresh_from_db()
    assert order.status == "signed" and change.status == "draft"


def test_only_one_change_of_a_version_can_be_open(
    diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    actor = actor_for(diaz, clinic)
    amend(actor, order)
    with pytest.raises(ValidationError, match="already drafted"):
        amend(actor, order)


def test_a_superseded_version_cannot_be_changed_again(
    diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    actor = actor_for(diaz, clinic)
    sign(actor, amend(actor, order))
    with pytest.raises(ValidationError, match="replaced by a later version"):
        amend(actor, order)


def test_the_order_page_lists_every_version(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = signed_course(diaz, clinic, patient)
    actor = actor_for(diaz, clinic)
    change = sign(actor, amend(actor, order))
    page = client_for(diaz).get(reverse("orders:detail", args=[change.pk])).content.decode()
    assert "revision 1</a> — Replaced by a later version" in page
    assert "Longer duration after side effects" in page
