"""Receiving lots, the stock lists (on hand, low, expiring) and the price list from lot costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import actor_for, make_member
from tests.orders.factories import DEMO_PRICES, TODAY, receive, stock_everything

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.pharmacy import services
from ivmt.pharmacy.gs1 import GS
from ivmt.pharmacy.models import StockLot
from ivmt.pharmacy.selectors import price_list, stock_overview


def lot_form(**changes: Any) -> dict[str, str]:
    data = {
        "ingredient_id": "calcium_gluconate_10",
        "lot_number": "CG-2207",
        "expiry_date": (TODAY + timedelta(days=200)).isoformat(),
        "units": "25",
        "unit_volume_ml": "",
        "unit_cost": "6.50",
        "supplier": "Fresenius Kabi",
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_a_pharmacist_receives_a_lot_of_single_dose_vials(
    client_for: Callable[[User], Client], priya: User, clinic: Clinic
) -> None:
    response = client_for(priya).post(reverse("pharmacy:receive"), lot_form())
    assert response.status_code == 302
    lot = StockLot.objects.get(clinic=clinic)
    assert lot.single_use and lot.unit_volume_ml == Decimal(10)  # catalogue vial size
    assert lot.on_hand_ml == Decimal(250) and lot.unit_cost == Decimal("6.50")
    assert lot.received_by == priya


def test_a_scanned_vial_barcode_fills_lot_and_expiry(
    client_for: Callable[[User], Client], priya: User, clinic: Clinic
) -> None:
    scanned = f"]d201003600000000021727083110CG-99{GS}"
    response = client_for(priya).post(
        reverse("pharmacy:receive"), lot_form(lot_number=scanned, expiry_date="")
    )
    assert response.status_code == 302
    lot = StockLot.objects.get(clinic=clinic)
    assert lot.lot_number == "CG-99" and lot.expiry_date.isoformat() == "2027-08-31"


def test_receiving_the_same_lot_again_tops_it_up(priya: User, clinic: Clinic) -> None:
    receive(priya, clinic, "magnesium_chloride_20", "MG-1", units=2)
    lot = receive(priya, clinic, "magnesium_chloride_20", "MG-1", units=3)
    assert lot.units_received == 5 and lot.on_hand_ml == Decimal(250)
    assert StockLot.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"expiry_date": (TODAY - timedelta(days=1)).isoformat()}, "expired on"),
        ({"expiry_date": ""}, "Give the expiry date"),
        ({"ingredient_id": "unicorn_tears"}, "Select a valid choice"),
        ({"units": "0"}, "greater than or equal to 1"),
        ({"units": "-5"}, "greater than or equal to 1"),
        ({"units": "10001"}, "less than or equal to 10000"),
        ({"units": "2.5"}, "Enter a whole number"),
        ({"unit_cost": "-1"}, "greater than or equal to 0"),
        ({"unit_cost": "Infinity"}, "Enter a number"),
        ({"unit_cost": "=1+1"}, "Enter a number"),
        ({"unit_volume_ml": "0"}, "greater than or equal to 0.01"),
        ({"lot_number": ""}, "This field is required"),
        ({"lot_number": "A" * 121}, "at most 120 characters"),
        ({"lot_number": "A" * 41}, "at most 40 printable characters"),
        ({"lot_number": "LOT\x07BELL"}, "printable characters"),
        ({"lot_number": "(01)00360000000002(17)271231"}, "no lot number"),
        (
            {"lot_number": "(01)00360000000002(17)271231(10)X", "expiry_date": "2027-01-01"},
            "typed one differs",
        ),
    ],
)
def test_bad_lot_input_is_explained_and_receives_nothing(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    changes: dict[str, str],
    message: str,
) -> None:
    response = client_for(priya).post(reverse("pharmacy:receive"), lot_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StockLot.objects.exists()


def test_the_same_lot_number_with_another_expiry_is_refused(priya: User, clinic: Clinic) -> None:
    receive(priya, clinic, "calcium_gluconate_10", "CG-1", units=2)
    with pytest.raises(Exception, match="different expiry"):
        receive(priya, clinic, "calcium_gluconate_10", "CG-1", expiry=TODAY + timedelta(days=9))
    assert StockLot.objects.get().on_hand_ml == Decimal(20)


@pytest.mark.parametrize("user", ["nadia", "diaz", "fran", "morgan"])
def test_only_a_pharmacist_receives_stock(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], user: str
) -> None:
    person = request.getfixturevalue(user)
    response = client_for(person).post(reverse("pharmacy:receive"), lot_form())
    assert response.status_code == 403
    assert not StockLot.objects.exists()


def test_the_stock_page_lists_expiring_and_expired_lots(
    client_for: Callable[[User], Client], priya: User, morgan: User, clinic: Clinic
) -> None:
    receive(priya, clinic, "sterile_water", "W-SOON", expiry=TODAY + timedelta(days=10))
    receive(priya, clinic, "sterile_water", "W-LATER", expiry=TODAY + timedelta(days=300))
    old = receive(priya, clinic, "sterile_water", "W-OLD", expiry=TODAY)
    StockLot.objects.filter(pk=old.pk).update(expiry_date=TODAY - timedelta(days=2))
    overview = stock_overview(actor=actor_for(morgan, clinic))
    assert [lot.lot_number for lot in overview.expiring] == ["W-SOON"]
    assert [lot.lot_number for lot in overview.expired] == ["W-OLD"]
    page = client_for(morgan).get(reverse("pharmacy:stock")).content.decode()
    assert "W-SOON" in page and "Expired: remove from stock" in page


def test_the_price_list_comes_from_the_lots_unit_costs(priya: User, clinic: Clinic) -> None:
    receive(priya, clinic, "calcium_gluconate_10", "CG-A", units=10, unit_cost=Decimal("6.00"))
    receive(priya, clinic, "calcium_gluconate_10", "CG-B", units=30, unit_cost=Decimal("8.00"))
    price = price_list(clinic_id=clinic.pk).price("calcium_gluconate_10")
    # On-hand weighted: (10 x 6 + 30 x 8) / 40 = 7.50 per 10 mL vial.
    assert price.price_per_vial == Decimal("7.5") and price.vial_volume_ml == Decimal(10)


def test_a_seed_recipe_bag_costs_what_the_seed_says_ingredients_cost(
    priya: User, morgan: User, clinic: Clinic
) -> None:
    stock_everything(priya, clinic)
    costs = {c.name: c for c in stock_overview(actor=actor_for(morgan, clinic)).costs}
    seed = costs["Seed recipe (modified Myers' cocktail, migraine article)"].cost
    assert seed is not None
    # Single-dose vials whole (calcium 10 mL for 3 mL, water 20 mL), the rest by volume.
    expected = (
        DEMO_PRICES["magnesium_chloride_20"] * 5 / 50
        + DEMO_PRICES["calcium_gluconate_10"]
        + DEMO_PRICES["hydroxocobalamin_1000"] / 30
        + DEMO_PRICES["pyridoxine_100"] / 30
        + DEMO_PRICES["dexpanthenol_250"] / 30
        + DEMO_PRICES["b_complex_100"] / 30
        + DEMO_PRICES["ascorbic_acid_500"] * 5 / 50
        + DEMO_PRICES["sterile_water"]
    )
    assert seed.total == expected
    assert Decimal(5) <= seed.total <= Decimal(25)  # the seed article's $5-25


def test_the_stock_page_makes_the_same_number_of_queries_for_one_or_many_lots(
    client_for: Callable[[User], Client], priya: User, clinic: Clinic
) -> None:
    client = client_for(priya)
    receive(priya, clinic, "sterile_water", "W-1")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("pharmacy:stock")).status_code == 200
        return len(context.captured_queries)

    one = queries()
    stock_everything(priya, clinic)
    for n in range(5):
        receive(priya, clinic, "calcium_gluconate_10", f"CG-{n}")
    assert queries() == one


def test_a_quarantined_lot_is_listed_and_needs_a_reason(
    client_for: Callable[[User], Client], priya: User, clinic: Clinic
) -> None:
    lot = receive(priya, clinic, "sterile_water", "W-Q")
    client = client_for(priya)
    refused = client.post(reverse("pharmacy:quarantine", args=[lot.pk]), {"reason": ""})
    assert refused.status_code == 400
    lot.refresh_from_db()
    assert not lot.quarantined
    done = client.post(reverse("pharmacy:quarantine", args=[lot.pk]), {"reason": "FDA recall"})
    assert done.status_code == 302
    lot.refresh_from_db()
    assert lot.quarantined and lot.quarantine_reason == "FDA recall"


def test_another_clinics_lot_cannot_be_quarantined(
    priya: User, clinic: Clinic, other_clinic: Clinic, client_for: Callable[[User], Client]
) -> None:
    olga = make_member(other_clinic, "olga", Role.PHARMACIST)
    theirs = receive(olga, other_clinic, "sterile_water", "W-X")
    response = client_for(priya).post(
        reverse("pharmacy:quarantine", args=[theirs.pk]), {"reason": "try"}
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert not theirs.quarantined


def test_services_refuse_a_nurse(nadia: User, clinic: Clinic) -> None:
    with pytest.raises(PermissionDenied):
        services.lot_receive(
            actor=actor_for(nadia, clinic),
            ingredient_id="sterile_water",
            lot_number="X",
            expiry_date=TODAY + timedelta(days=30),
            units=1,
            unit_cost=Decimal(1),
        )
