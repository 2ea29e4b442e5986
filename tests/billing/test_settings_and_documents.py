"""The manager's billing pages: price list and identifiers, packages, physicians' NPIs, and
publishing new versions of the consent and waiver wording."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.billing.models import BillingSettings, DocumentTemplate, Package, ProviderNumber
from ivmt.billing.services import npi_valid

SETTINGS = {
    "version": "1",
    "compounding_fee": "35.00",
    "infusion_fee": "95.00",
    "additional_hour_fee": "30.00",
    "push_fee": "60.00",
    "office_visit_fee": "120.00",
    "office_visit_code": "99213",
    "waiver_required": "on",
    "billing_name": "Riverside LLC",
    "npi": "1234567893",
    "tax_id": "12-3456789",
    "place_of_service": "11",
}


def test_npi_check_digits() -> None:
    assert npi_valid("1234567893") and npi_valid("1245319599")
    assert (
        not npi_valid("1234567890") and not npi_valid("123456789") and not npi_valid("abcdefghij")
    )


def test_the_manager_saves_the_price_list(
    client_for: Callable[[User], Client], morgan: User
) -> None:
    response = client_for(morgan).post(reverse("billing:settings"), SETTINGS)
    assert response.status_code == 302
    saved = BillingSettings.objects.get()
    assert (saved.infusion_fee, saved.npi, saved.version) == (Decimal("95.00"), "1234567893", 2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"infusion_fee": "-1"}, "greater than or equal to 0"),
        ({"infusion_fee": "12,50"}, "Enter a number"),
        ({"push_fee": "10.005"}, "decimal places"),
        ({"npi": "1234567890"}, "valid check digit"),
        ({"tax_id": "123456789"}, "NN-NNNNNNN"),
        ({"place_of_service": "x1"}, "two-digit code"),
        ({"office_visit_code": "99-13"}, "five letters or digits"),
        ({"billing_name": "=cmd|' /C calc'!A0"}, "cannot start with ="),
        ({"version": "7"}, "Someone else saved"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    client_for: Callable[[User], Client], morgan: User, changes: dict[str, str], message: str
) -> None:
    response = client_for(morgan).post(reverse("billing:settings"), {**SETTINGS, **changes})
    assert response.status_code in (400, 409)
    assert message in response.content.decode()
    assert not BillingSettings.objects.filter(version__gt=1).exists()


def test_only_the_manager_sets_prices(client_for: Callable[[User], Client], fran: User) -> None:
    assert client_for(fran).post(reverse("billing:settings"), SETTINGS).status_code == 403
    assert not BillingSettings.objects.exists()


def test_packages_and_npis(
    client_for: Callable[[User], Client], morgan: User, diaz: User, nadia: User
) -> None:
    client = client_for(morgan)
    ok = client.post(
        reverse("billing:package_add"),
        {"name": "Loading series", "infusions": "8", "price": "900.00"},
    )
    assert ok.status_code == 302 and Package.objects.get().price == Decimal("900.00")
    for bad, message in (
        ({"name": "Loading series", "infusions": "8", "price": "900"}, "exists already"),
        ({"name": "Big", "infusions": "80", "price": "900"}, "less than or equal to 52"),
        ({"name": "", "infusions": "8", "price": "900"}, "required"),
    ):
        response = client.post(reverse("billing:package_add"), bad)
        assert response.status_code == 400 and message in response.content.decode()
    assert Package.objects.count() == 1
    assert (
        client.post(
            reverse("billing:provider_npi"), {"physician": diaz.pk, "npi": "1245319599"}
        ).status_code
        == 302
    )
    bad = client.post(reverse("billing:provider_npi"), {"physician": nadia.pk, "npi": "1245319599"})
    assert bad.status_code == 400
    bad = client.post(reverse("billing:provider_npi"), {"physician": diaz.pk, "npi": "1111111111"})
    assert bad.status_code == 400 and "valid check digit" in bad.content.decode()
    assert ProviderNumber.objects.get().npi == "1245319599"


def test_the_manager_publishes_versions_starting_from_the_standard_wording(
    client_for: Callable[[User], Client], morgan: User
) -> None:
    client = client_for(morgan)
    page = client.get(reverse("billing:documents"), {"kind": "waiver"})
    assert "whatever my insurance company does not pay" in page.content.decode()
    form = page.context["form"].initial
    assert client.post(reverse("billing:documents"), form).status_code == 302
    again = client.post(reverse("billing:documents"), form)
    assert again.status_code == 400 and "same as version 1" in again.content.decode()
    changed = {**form, "body": form["body"] + "\n\nA paragraph added."}
    assert client.post(reverse("billing:documents"), changed).status_code == 302
    assert list(DocumentTemplate.objects.values_list("kind", "version")) == [
        ("waiver", 2),
        ("waiver", 1),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"body": "Too short."}, "too short"),
        ({"body": "<script>alert(1)</script>" + "x" * 50}, "cannot contain &lt; or &gt;"),
        ({"title": ""}, "required"),
        ({"kind": "contract"}, "Select a valid choice"),
        ({"body": "x" * 20001}, "at most 20000"),
    ],
)
def test_bad_wording_is_refused(
    client_for: Callable[[User], Client], morgan: User, changes: dict[str, Any], message: str
) -> None:
    values = {"kind": "consent", "title": "Consent", "body": "A consent wording long enough." * 3}
    response = client_for(morgan).post(reverse("billing:documents"), {**values, **changes})
    assert response.status_code == 400 and message in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_the_front_desk_cannot_publish(fran: User, clinic: Clinic) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.document_template_publish(
            actor=actor_for(fran, clinic), kind="consent", title="T", body="x" * 60
        )
