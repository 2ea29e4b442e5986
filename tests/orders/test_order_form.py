"""The course-order form: what a physician fills in, the live panel, and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.orders.factories import SEED_VOLUMES, TODAY

from ivmt.accounts.models import Clinic, User
from ivmt.orders import services
from ivmt.orders.models import CourseOrder, OrderSettings
from ivmt.patients.models import Patient


def form_data(**changes: Any) -> dict[str, str]:
    data = {
        "formula": "seed_recipe",
        "shown_formula": "seed_recipe",
        "route": "small_bag",
        "duration_min": "45",
        "into_saline_ml": "100",
        "flush_saline_ml": "",
        "protocol": "yale_2009",
        "shown_protocol": "yale_2009",
        "start_date": TODAY.isoformat(),
        **{f"vol__{k}": str(v) for k, v in SEED_VOLUMES.items()},
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_a_physician_saves_a_draft_with_the_volumes_chosen_exactly(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    response = client_for(diaz).post(
        reverse("orders:new", args=[patient.pk]), form_data(**{"vol__ascorbic_acid_500": "2.5"})
    )
    order = CourseOrder.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.status == "draft" and order.created_by == diaz
    assert order.volumes_ml()["ascorbic_acid_500"] == Decimal("2.50")
    assert order.volumes_ml()["magnesium_chloride_20"] == Decimal(5)
    assert order.into_saline_ml == Decimal(100) and order.protocol_id == "yale_2009"


def test_the_new_order_form_leaves_the_vitamin_c_volume_for_the_prescriber(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    page = client_for(diaz).get(reverse("orders:new", args=[patient.pk])).content.decode()
    assert 'name="vol__magnesium_chloride_20" value="5"' in page
    assert 'name="vol__ascorbic_acid_500"' in page
    assert 'name="vol__ascorbic_acid_500" value=' not in page  # not pre-filled silently
    assert "Use 5 mL" in page  # the documented default, one explicit click away
    # The seeds disagree on the series: no protocol is chosen for the physician.
    assert '<option value="" selected>— choose the clinic' in page


def test_without_a_vitamin_c_volume_nothing_is_saved(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    data = form_data()
    del data["vol__ascorbic_acid_500"]
    response = client_for(diaz).post(reverse("orders:new", args=[patient.pk]), data)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not CourseOrder.objects.exists()


def test_the_suggest_button_fills_the_documented_default_and_saves_nothing(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    data = form_data(suggest="ascorbic_acid_500")
    del data["vol__ascorbic_acid_500"]
    response = client_for(diaz).post(reverse("orders:new", args=[patient.pk]), data)
    assert response.status_code == 200
    assert 'name="vol__ascorbic_acid_500" value="5"' in response.content.decode()
    assert not CourseOrder.objects.exists()


def test_the_live_panel_shows_contents_osmolarity_magnesium_rate_and_schedule(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    response = client_for(diaz).post(reverse("orders:calculate"), form_data())
    page = response.content.decode()
    assert response.status_code == 200
    assert "137.0 mL" in page  # 37 mL mixture in a 100 mL saline bag
    assert "594 mOsm/L" in page and "within the clinic's 900 mOsm/L limit" in page
    assert "9.84 mEq" in page and "0.22 mEq/min over 45 min" in page
    assert page.count("<tr><td>") >= 8  # the contents and the 8 doses
    assert "Mon 23 Nov 2026" in page and "Mon 11 Jan 2027" in page  # Yale: weekly x 8
    assert "hx-swap-oob" not in page  # typing never re-renders the fields being typed in


def test_the_clinics_600_limit_turns_the_same_bag_into_a_warning(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic
) -> None:
    OrderSettings.objects.create(clinic=clinic, osmolarity_limit_id="peripheral_600")
    page = client_for(diaz).post(reverse("orders:calculate"), form_data(into_saline_ml="")).content
    text = page.decode()
    assert "1367 mOsm/L" in text and "above the clinic's 600 mOsm/L limit" in text
    assert 'data-code="osmolarity_above_limit"' in text
    assert "needs a written reason" in text


def test_changing_the_formula_re_renders_its_volume_fields_out_of_band(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    data = form_data(formula="yale_2009", route="small_bag")
    page = client_for(diaz).post(reverse("orders:calculate"), data).content.decode()
    assert '<div id="formula-fields" hx-swap-oob="true">' in page
    assert '<div id="route-field" hx-swap-oob="true">' in page
    assert 'id="phase-fields"' not in page  # the protocol did not change
    assert 'name="shown_formula" value="yale_2009"' in page
    assert 'value="slow_push" selected' in page  # Yale is given by slow push only


def test_a_protocol_with_choices_shows_its_phase_fields(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    data = form_data(protocol="migraine_article")
    page = client_for(diaz).post(reverse("orders:calculate"), data).content.decode()
    assert '<div id="phase-fields" hx-swap-oob="true">' in page
    assert 'name="doses__loading"' in page and 'name="interval__maintenance"' in page
    assert 'id="formula-fields"' not in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vol__ascorbic_acid_500": "12"}, "Allowed: 1-10 mL"),
        ({"vol__ascorbic_acid_500": "-1"}, "greater than or equal to 0"),
        ({"vol__ascorbic_acid_500": "NaN"}, "Enter a number"),
        ({"vol__ascorbic_acid_500": "1e400"}, "less than or equal to 1000"),
        ({"vol__magnesium_chloride_20": "5.001"}, "no more than 2 decimal places"),
        ({"vol__magnesium_chloride_20": "<script>alert(1)</script>"}, "Enter a number"),
        ({"duration_min": "0"}, "greater than or equal to 0.1"),
        ({"duration_min": "2000"}, "less than or equal to 1440"),
        ({"duration_min": ""}, "This field is required"),
        ({"route": "slow_push"}, "cannot be added to a saline bag"),
        ({"route": "intramuscular"}, "Select a valid choice"),
        ({"flush_saline_ml": "250"}, "only part of the piggy-back route"),
        ({"route": "piggyback_flush", "into_saline_ml": ""}, "volume of the saline line"),
        ({"into_saline_ml": "5000"}, "less than or equal to 1000"),
        ({"protocol": ""}, "This field is required"),
        ({"protocol": "weekly_forever"}, "Select a valid choice"),
        ({"start_date": "2026-11-01"}, "cannot start in the past"),
        ({"start_date": "2031-01-05"}, "more than a year ahead"),
        ({"start_date": "23/11/2026'; DROP TABLE x;--"}, "Enter a valid date"),
        (
            {
                "formula": "yale_2009",
                "shown_formula": "yale_2009",
                "route": "slow_push",
                "into_saline_ml": "",
                "vol__ascorbic_acid_500": "4",
            },
            "Allowed: 5 mL",
        ),
    ],
)
def test_bad_order_input_is_explained_and_saves_nothing(
    client_for: Callable[[User], Client],
    diaz: User,
    patient: Patient,
    changes: dict[str, str],
    message: str,
) -> None:
    response = client_for(diaz).post(reverse("orders:new", args=[patient.pk]), form_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CourseOrder.objects.exists()


def test_more_loading_doses_than_the_protocol_allows_are_refused(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    data = form_data(protocol="migraine_article", shown_protocol="migraine_article")
    data.update({"doses__loading": "9", "interval__maintenance": "14", "doses__maintenance": "6"})
    response = client_for(diaz).post(reverse("orders:new", args=[patient.pk]), data)
    assert response.status_code == 400
    assert "less than or equal to 8" in response.content.decode()
    assert not CourseOrder.objects.exists()


def test_closed_days_move_doses_within_tolerance(
    client_for: Callable[[User], Client], diaz: User, patient: Patient, clinic: Clinic
) -> None:
    clinic.closed_days.create(date=TODAY.replace(day=30), reason="Staff training")
    page = client_for(diaz).post(reverse("orders:calculate"), form_data()).content.decode()
    assert "Mon 30 Nov 2026" not in page
    assert "Tue 1 Dec 2026" in page and "moved 1 d: clinic closed" in page


@pytest.mark.parametrize("user", ["nadia", "priya", "fran", "morgan"])
def test_only_a_physician_may_write_an_order(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    patient: Patient,
    user: str,
) -> None:
    person = request.getfixturevalue(user)
    response = client_for(person).post(reverse("orders:new", args=[patient.pk]), form_data())
    assert response.status_code == 403
    assert not CourseOrder.objects.exists()


def test_another_clinics_patient_cannot_be_ordered_for(
    client_for: Callable[[User], Client],
    diaz: User,
    other_clinic: Clinic,
    make_patient: Callable[..., Patient],
) -> None:
    theirs = make_patient(other_clinic)
    response = client_for(diaz).post(reverse("orders:new", args=[theirs.pk]), form_data())
    assert response.status_code == 404
    assert not CourseOrder.objects.exists()


def test_a_second_course_for_the_same_patient_is_refused_while_a_draft_is_open(
    client_for: Callable[[User], Client], diaz: User, patient: Patient, clinic: Clinic
) -> None:
    services.course_order_draft(
        actor=actor_for(diaz, clinic),
        patient=patient,
        chosen=__import__("tests.orders.factories", fromlist=["seed_input"]).seed_input(),
    )
    response = client_for(diaz).post(reverse("orders:new", args=[patient.pk]), form_data())
    assert response.status_code == 400
    assert "already has an unsigned draft" in response.content.decode()
    assert CourseOrder.objects.count() == 1


def test_the_new_order_form_starts_on_the_formulas_default_route(
    client_for: Callable[[User], Client], diaz: User, patient: Patient
) -> None:
    page = client_for(diaz).get(reverse("orders:new", args=[patient.pk])).content.decode()
    assert '<option value="small_bag" selected>' in page
