from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ivmt.accounts.models import Clinic, User
from ivmt.scheduling.models import Chair


def test_the_manager_adds_a_chair_and_takes_it_out_of_service(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    assert (
        client.post(reverse("scheduling:chairs"), {"name": "Chair 1", "note": ""}).status_code
        == 302
    )
    chair = Chair.objects.get(clinic=clinic)
    client.post(reverse("scheduling:chair_service", args=[chair.pk]), {"in_service": "0"})
    chair.refresh_from_db()
    assert not chair.in_service


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 41}, "at most 40"),
        ({"name": "chair 1"}, "already a chair called"),
    ],
)
def test_bad_chair_input_is_explained_and_changes_nothing(
    client_for: Callable[[User], Client],
    morgan: User,
    clinic: Clinic,
    data: dict[str, str],
    message: str,
) -> None:
    Chair.objects.create(clinic=clinic, name="Chair 1")
    response = client_for(morgan).post(reverse("scheduling:chairs"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Chair.objects.count() == 1


def test_another_clinics_chair_cannot_be_touched(
    client_for: Callable[[User], Client], morgan: User, other_clinic: Clinic
) -> None:
    theirs = Chair.objects.create(clinic=other_clinic, name="Bay 1")
    client_for(morgan).post(
        reverse("scheduling:chair_service", args=[theirs.pk]), {"in_service": "0"}
    )
    theirs.refresh_from_db()
    assert theirs.in_service


def test_a_nurse_cannot_add_chairs(client_for: Callable[[User], Client], nadia: User) -> None:
    assert client_for(nadia).post(reverse("scheduling:chairs"), {"name": "C"}).status_code == 403
    assert not Chair.objects.exists()
