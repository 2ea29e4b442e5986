"""A clinic loads the licensed wording of instruments the software ships as item ids only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ivmt.accounts.models import User
from ivmt.core.models import AuditEvent
from ivmt.outcomes.models import InstrumentWording
from ivmt.patients.models import Patient

ACT_ITEMS = {f"act_{n}": f"Licensed ACT question {n}" for n in range(1, 6)}


def _load(client: Client, items: dict[str, str], **extra: object):
    data = {"licence_reference": "Licence 2026-114", **items, **extra}
    return client.post(reverse("outcomes:wording", args=["act"]), data)


def test_the_manager_loads_wording_and_staff_read_it_on_the_form(
    client_for: Callable[[User], Client], morgan: User, nadia: User, fibro: Patient
) -> None:
    assert _load(client_for(morgan), ACT_ITEMS).status_code == 302
    wording = InstrumentWording.objects.get(instrument_id="act")
    assert wording.items["act_3"] == "Licensed ACT question 3" and wording.version == 1
    assert AuditEvent.objects.filter(action="outcome.wording_load", detail="act v1").exists()
    form = client_for(nadia).get(reverse("outcomes:record", args=[fibro.pk, "act"]))
    assert "Licensed ACT question 3" in form.content.decode()


def test_without_wording_the_form_shows_item_ids_and_says_why(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    body = (
        client_for(nadia).get(reverse("outcomes:record", args=[fibro.pk, "fiqr"])).content.decode()
    )
    assert "FIQR item 7 (fiqr_7)" in body
    assert "licensed: the software ships item numbers only" in body


def test_hostile_wording_is_shown_as_text(
    client_for: Callable[[User], Client], morgan: User, nadia: User, fibro: Patient
) -> None:
    items = ACT_ITEMS | {"act_1": "<script>alert(1)</script>"}
    assert _load(client_for(morgan), items).status_code == 302
    body = (
        client_for(nadia).get(reverse("outcomes:record", args=[fibro.pk, "act"])).content.decode()
    )
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


@pytest.mark.parametrize(
    ("items", "extra", "message"),
    [
        ({k: v for k, v in ACT_ITEMS.items() if k != "act_5"}, {}, "This field is required"),
        (ACT_ITEMS | {"act_2": "x" * 501}, {}, "at most 500 characters"),
        (ACT_ITEMS, {"licence_reference": ""}, "This field is required"),
    ],
)
def test_incomplete_wording_is_refused(
    client_for: Callable[[User], Client],
    morgan: User,
    items: dict[str, str],
    extra: dict,
    message: str,
) -> None:
    response = _load(client_for(morgan), items, **extra)
    assert response.status_code == 400 and message in response.content.decode()
    assert not InstrumentWording.objects.exists()


def test_a_stale_edit_is_a_conflict_not_an_overwrite(
    client_for: Callable[[User], Client], morgan: User
) -> None:
    client = client_for(morgan)
    assert _load(client, ACT_ITEMS).status_code == 302
    assert _load(client, ACT_ITEMS | {"act_1": "Second"}, version=1).status_code == 302
    stale = _load(client, ACT_ITEMS | {"act_1": "Third"}, version=1)
    assert stale.status_code == 409
    assert InstrumentWording.objects.get().items["act_1"] == "Second"


def test_instruments_with_shipped_wording_have_no_wording_page(
    client_for: Callable[[User], Client], morgan: User
) -> None:
    assert client_for(morgan).get(reverse("outcomes:wording", args=["phq9"])).status_code == 404


@pytest.mark.parametrize("who", ["nadia", "diaz", "fran"])
def test_only_the_manager_loads_wording(
    client_for: Callable[[User], Client], who: str, request: pytest.FixtureRequest
) -> None:
    response = _load(client_for(request.getfixturevalue(who)), ACT_ITEMS)
    assert response.status_code == 403 and not InstrumentWording.objects.exists()


def test_the_instrument_catalogue_shows_licences_and_unverified_figures(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    body = client_for(diaz).get(reverse("outcomes:instruments")).content.decode()
    assert "Revised Fibromyalgia Impact Questionnaire" in body
    assert "not loaded" in body and "unverified" in body
