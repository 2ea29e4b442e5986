"""Next-dose advice: after minor side effects the clinical core proposes a longer infusion
and/or more dilution with the new rate and osmolarity; a physician accepts it into a new
signed order version in one click, or dismisses it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.infusions.helpers import Visit, end, finish, observe, running, sign
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, NextDoseAdvice
from ivmt.orders.models import CourseOrder


def visit_with(visit: Visit, *effects: str, **extra: object) -> InfusionChart:
    chart = running(visit)
    for effect in effects:
        observe(visit, chart, effect, **extra)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        return sign(visit, finish(visit, end(visit, chart)))


def test_heat_suggests_a_longer_infusion_with_its_new_rate(visit: Visit) -> None:
    chart = visit_with(visit, "heat_sensation")
    advice = NextDoseAdvice.objects.get(chart=chart)
    assert advice.status == "pending" and advice.changed and advice.slower and not advice.dilute
    # 45 min x 1.5 = 67.5, rounded up to 70 min; 137 mL over 70 min.
    assert advice.proposed_duration_min == Decimal(70)
    assert advice.proposed_into_saline_ml == Decimal(100)
    assert advice.proposed_rate_ml_per_h == Decimal("117.4")
    assert advice.proposed_osmolarity_mosm_per_l == Decimal(594)
    assert advice.proposed_magnesium_meq_per_min == Decimal("0.14")
    assert advice.summary.startswith("Infuse over 70 min instead of 45")


def test_arm_pain_suggests_more_dilution_too(visit: Visit) -> None:
    chart = visit_with(visit, "limb_pain")
    advice = NextDoseAdvice.objects.get(chart=chart)
    assert advice.dilute and advice.proposed_into_saline_ml == Decimal(250)
    # REFERENCE.md §8.3: the Yale mixture in 250 mL saline is about 445 mOsm/L.
    assert advice.proposed_osmolarity_mosm_per_l == Decimal(445)


def test_no_advice_for_harmless_side_effects_or_after_an_adverse_event(
    visit: Visit,
    make_visit: Callable[..., Visit],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., object],
) -> None:
    visit_with(visit, "vitamin_taste")
    assert not NextDoseAdvice.objects.exists()
    other = make_visit(make_course(make_patient(given_name="Ann")), chair=1)
    chart = running(other)
    observe(other, chart, "heat_sensation")
    observe(
        other,
        chart,
        "fainting",
        severity="moderate",
        action_taken="flat, legs raised",
        event_severity="moderate",
        event_outcome="resolved",
    )
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        sign(other, finish(other, end(other, chart)))
    assert not NextDoseAdvice.objects.exists()  # the physician reviews the event instead


def test_the_physician_accepts_the_advice_into_a_new_signed_order_version(
    visit: Visit, diaz: User, clinic: Clinic
) -> None:
    chart = visit_with(visit, "heat_sensation")
    advice = NextDoseAdvice.objects.get(chart=chart)
    order = CourseOrder.objects.get(pk=advice.order_id)
    new = services.advice_accept(actor=actor_for(diaz, clinic), advice_id=advice.pk)
    assert new.status == "signed" and new.previous_id == order.pk and new.revision == 2
    assert new.duration_min == Decimal(70) and new.into_saline_ml == Decimal(100)
    assert new.change_reason.startswith("Next-dose advice after sensation of spreading heat")
    assert CourseOrder.objects.get(pk=order.pk).status == "superseded"
    # The dose given stays with the old version; the coming ones follow the new one.
    assert new.doses.filter(number=2).exists()
    advice.refresh_from_db()
    assert advice.status == "accepted" and advice.resulting_order == new
    assert AuditEvent.objects.filter(action="advice.accept").count() == 1
    with pytest.raises(ValidationError, match="already accepted"):
        services.advice_accept(actor=actor_for(diaz, clinic), advice_id=advice.pk)


def test_accepting_is_refused_while_a_bag_of_the_old_version_waits_in_the_pharmacy(
    visit: Visit, diaz: User, clinic: Clinic, priya: User, paul: User
) -> None:
    from tests.infusions.helpers import make_bag

    chart = visit_with(visit, "heat_sensation")
    advice = NextDoseAdvice.objects.get(chart=chart)
    make_bag(
        CourseOrder.objects.get(pk=advice.order_id).doses.get(number=2),
        clinic=clinic,
        priya=priya,
        paul=paul,
        until="prepared",
    )
    with pytest.raises(ValidationError, match="already prepared the bag for dose 2"):
        services.advice_accept(actor=actor_for(diaz, clinic), advice_id=advice.pk)
    advice.refresh_from_db()
    assert advice.status == "pending"
    assert CourseOrder.objects.filter(patient=visit.patient).count() == 1  # nothing drafted


def test_only_a_physician_decides_and_a_dismissal_needs_a_reason(
    visit: Visit, diaz: User, clinic: Clinic
) -> None:
    chart = visit_with(visit, "heat_sensation")
    advice = NextDoseAdvice.objects.get(chart=chart)
    with pytest.raises(PermissionDenied):
        services.advice_accept(actor=visit.actor, advice_id=advice.pk)
    with pytest.raises(ValidationError):
        services.advice_dismiss(actor=actor_for(diaz, clinic), advice_id=advice.pk, reason=" ")
    services.advice_dismiss(
        actor=actor_for(diaz, clinic), advice_id=advice.pk, reason="Warmth is expected; keep 45"
    )
    advice.refresh_from_db()
    assert advice.status == "dismissed" and advice.decided_by == diaz
    assert CourseOrder.objects.get(pk=advice.order_id).status == "signed"


def test_one_click_on_the_advice_page(
    visit: Visit, diaz: User, client_for: Callable[[User], Client]
) -> None:
    chart = visit_with(visit, "heat_sensation")
    advice = NextDoseAdvice.objects.get(chart=chart)
    client = client_for(diaz)
    dashboard = client.get(reverse("home:dashboard")).content.decode()
    assert reverse("infusions:advice", args=[advice.pk]) in dashboard
    page = client.get(reverse("infusions:advice", args=[advice.pk])).content.decode()
    assert "Infuse over 70 min instead of 45" in page and "117.4 mL/h" in page
    response = client.post(reverse("infusions:advice_accept", args=[advice.pk]))
    advice.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[advice.resulting_order_id])
