"""The directory of compounding pharmacies, prescribers and nutritionists: searchable, the
clinic's own entries plus those other clinics share; only the owner edits; sharing is the
manager's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.referrals.conftest import entry

from ivmt.accounts.models import Clinic, User
from ivmt.referrals import services
from ivmt.referrals.models import DirectoryEntry
from ivmt.referrals.selectors import directory_search


@pytest.fixture
def listed(fran: User, clinic: Clinic, other_clinic: Clinic, lakeside_manager: User) -> None:
    entry(
        fran,
        clinic,
        kind="pharmacy",
        name="Elm Street Compounding",
        city="Hartford",
        compounds="Myers' cocktail bags; magnesium chloride",
        offers_ivmt=True,
    )
    entry(
        fran,
        clinic,
        kind="prescriber",
        name="Dr Alan Whitcombe",
        city="Farmington",
        compounds="IVMT for migraine",
    )
    entry(fran, clinic, kind="nutritionist", name="Grace Okoro", city="Hartford")
    entry(
        lakeside_manager,
        other_clinic,
        kind="nutritionist",
        name="Priyanka Rao",
        city="Chicago",
        shared=True,
    )
    entry(
        lakeside_manager,
        other_clinic,
        kind="pharmacy",
        name="Lakeside in-house",
        city="Chicago",
        compounds="Myers' cocktail",
    )


def names(fran: User, clinic: Clinic, **terms: str) -> list[str]:
    return [e.name for e in directory_search(actor=actor_for(fran, clinic), **terms)]


@pytest.mark.usefixtures("listed")
def test_search_by_name_city_kind_and_what_they_compound(fran: User, clinic: Clinic) -> None:
    assert names(fran, clinic) == [
        "Dr Alan Whitcombe",
        "Elm Street Compounding",
        "Grace Okoro",
        "Priyanka Rao",
    ]  # Lakeside's unshared pharmacy is not among them
    assert names(fran, clinic, city="hartford") == ["Elm Street Compounding", "Grace Okoro"]
    assert names(fran, clinic, compounds="myers") == ["Elm Street Compounding"]
    assert names(fran, clinic, kind="nutritionist") == ["Grace Okoro", "Priyanka Rao"]
    assert names(fran, clinic, name="whitcombe") == ["Dr Alan Whitcombe"]
    assert names(fran, clinic, name="' OR 1=1 --") == []


@pytest.mark.usefixtures("listed")
def test_the_search_page_answers_every_role_and_escapes(
    client_for: Callable[[User], Client], priya: User, fran: User, clinic: Clinic
) -> None:
    entry(
        fran,
        clinic,
        kind="pharmacy",
        name="Evil <script>x</script>".replace("<", "(").replace(">", ")"),
        city="Hartford",
    )
    response = client_for(priya).get(reverse("referrals:directory"), {"city": "Hartford"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Elm Street Compounding" in body and "Dr Alan Whitcombe" not in body
    bad = client_for(priya).get(reverse("referrals:directory"), {"kind": "spaceship"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_a_clinic_shares_its_own_entry_and_others_find_it(
    client_for: Callable[[User], Client], morgan: User, lena: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    page = client.get(reverse("referrals:own_entry"))
    assert page.status_code == 200
    response = client.post(
        reverse("referrals:own_entry"),
        {
            "kind": "prescriber",
            "name": "Riverside",
            "city": "Hartford",
            "offers_ivmt": "on",
            "compounds": "IVMT (seed recipe)",
            "shared": "on",
            "phone": "+1 860 555 1000",
        },
    )
    assert response.status_code == 302
    own = DirectoryEntry.objects.get(represents_clinic=True)
    assert own.shared and own.clinic == clinic
    other = client_for(lena).get(reverse("referrals:directory"), {"compounds": "seed"})
    assert "Riverside" in other.content.decode() and "shared by Riverside" in other.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "required"),
        ({"city": ""}, "required"),
        ({"kind": "witch"}, "Select a valid choice"),
        ({"name": "<script>alert(1)</script>"}, "cannot contain &lt; or &gt;"),
        ({"compounds": '=HYPERLINK("http://evil")'}, "cannot start with ="),
        ({"phone": "call me maybe"}, "digits, spaces"),
        ({"email": "not-an-email"}, "valid email"),
        ({"website": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"name": "x" * 121}, "at most 120"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_added(
    client_for: Callable[[User], Client], fran: User, changes: dict[str, str], message: str
) -> None:
    values = {"kind": "pharmacy", "name": "Elm", "city": "Hartford", **changes}
    response = client_for(fran).post(reverse("referrals:entry_add"), values)
    assert response.status_code == 400 and message in response.content.decode()
    assert not DirectoryEntry.objects.exists()


def test_only_the_owner_edits_and_only_the_manager_shares(
    client_for: Callable[[User], Client],
    fran: User,
    morgan: User,
    clinic: Clinic,
    other_clinic: Clinic,
    lakeside_manager: User,
) -> None:
    theirs = entry(lakeside_manager, other_clinic, name="Priyanka Rao", shared=True)
    assert (
        client_for(fran).get(reverse("referrals:entry_edit", args=[theirs.pk])).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        services.directory_entry_update(
            actor=actor_for(fran, clinic),
            entry_id=theirs.pk,
            expected_version=1,
            values={"kind": "nutritionist", "name": "Hijacked", "city": "X"},
        )
    with pytest.raises(PermissionDenied):
        entry(fran, clinic, name="Shared by the desk", shared=True)
    mine = entry(fran, clinic, name="Elm", kind="pharmacy")
    response = client_for(fran).post(
        reverse("referrals:entry_edit", args=[mine.pk]),
        {
            "version": "1",
            "kind": "pharmacy",
            "name": "Elm Street",
            "city": "Hartford",
            "shared": "on",
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.name, mine.shared, mine.version) == ("Elm Street", False, 2)  # not shareable
    stale = client_for(morgan).post(
        reverse("referrals:entry_edit", args=[mine.pk]),
        {"version": "1", "kind": "pharmacy", "name": "Elm Old", "city": "Hartford"},
    )
    assert stale.status_code == 409
    assert client_for(fran).get(reverse("referrals:own_entry")).status_code == 403


def test_the_directory_page_runs_a_fixed_number_of_queries(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(fran)
    for n in range(3):
        entry(fran, clinic, name=f"Pharmacy {n}", kind="pharmacy")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("referrals:directory"))
    for n in range(20):
        entry(fran, clinic, name=f"More {n}", kind="pharmacy")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("referrals:directory"))
    assert response.content.decode().count("Compounding pharmacy</td>") == 23
