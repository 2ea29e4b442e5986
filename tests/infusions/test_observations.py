"""Side effects charted as they happen; signs of leaking prompt a stop and need the action;
serious events become adverse-event records that every physician sees on the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import actor_for
from tests.infusions.helpers import Visit, check_in, fresh, observe, running
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import AdverseEvent, Observation
from ivmt.patients.errors import EditConflict


def test_a_minor_side_effect_is_charted_with_its_severity(visit: Visit) -> None:
    chart = running(visit)
    seen = observe(visit, chart, "vitamin_taste", note="metallic")
    assert (seen.side_effect_id, seen.severity, seen.note) == ("vitamin_taste", "mild", "metallic")
    assert fresh(chart).status == "infusing"
    assert not AdverseEvent.objects.exists()


def test_signs_of_leaking_need_the_action_taken_and_may_stop_the_infusion(visit: Visit) -> None:
    chart = running(visit)
    with pytest.raises(ValidationError) as caught:
        observe(visit, chart, "site_swelling", severity="moderate")
    assert "stop the infusion" in caught.value.message_dict["action_taken"][0]
    assert not Observation.objects.exists()
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=12), tick=False):
        observe(
            visit,
            chart,
            "site_swelling",
            severity="moderate",
            action_taken="Stopped, IV removed, arm elevated, cold pack",
            stop_infusion=True,
        )
    chart = fresh(chart)
    assert chart.status == "ended" and chart.end_reason == "stopped"
    assert chart.ended_at == FROZEN_NOW + timedelta(minutes=12)
    assert Observation.objects.get().stopped_infusion


def test_anaphylaxis_makes_an_adverse_event_with_actions_and_outcome(visit: Visit) -> None:
    chart = running(visit)
    with pytest.raises(ValidationError) as caught:
        observe(visit, chart, "anaphylaxis", severity="severe", action_taken="Stopped")
    assert set(caught.value.message_dict) == {"event_severity", "event_outcome"}
    observe(
        visit,
        chart,
        "anaphylaxis",
        severity="severe",
        action_taken="Stopped; epinephrine 0.5 mg IM; 911 called",
        stop_infusion=True,
        event_severity="life_threatening",
        event_outcome="transferred",
    )
    event = AdverseEvent.objects.get()
    assert (event.severity, event.outcome, event.patient) == (
        "life_threatening",
        "transferred",
        visit.patient,
    )
    assert event.actions.startswith("Stopped; epinephrine")
    assert AuditEvent.objects.filter(action="adverse_event.report").count() == 1


def test_fainting_at_iv_placement_is_an_adverse_event_before_any_start(visit: Visit) -> None:
    chart = check_in(visit)
    observe(
        visit,
        chart,
        "fainting",
        severity="moderate",
        action_taken="Lying flat, legs raised; recovered in 2 min",
        event_severity="moderate",
        event_outcome="resolved",
    )
    assert AdverseEvent.objects.get().chart == chart
    assert fresh(chart).status == "arrived"


def test_the_physician_is_notified_on_the_dashboard_and_acknowledges(
    visit: Visit, diaz: User, clinic: Clinic, client_for: Callable[[User], Client]
) -> None:
    chart = running(visit)
    observe(
        visit,
        chart,
        "light_headedness",
        severity="severe",
        action_taken="Paused, lay back, BP 84/50",
        event_severity="severe",
        event_outcome="resolving",
    )
    event = AdverseEvent.objects.get()
    page = client_for(diaz).get(reverse("home:dashboard")).content.decode()
    assert 'id="adverse-events-open"' in page
    assert reverse("infusions:adverse_event", args=[event.pk]) in page
    # Nurses chart it; they do not acknowledge it.
    with pytest.raises(PermissionDenied):
        services.adverse_event_acknowledge(
            actor=visit.actor, event_id=event.pk, expected_version=event.version
        )
    services.adverse_event_acknowledge(
        actor=actor_for(diaz, clinic),
        event_id=event.pk,
        expected_version=event.version,
        note="Reviewed; slower next time",
    )
    page = client_for(diaz).get(reverse("home:dashboard")).content.decode()
    assert reverse("infusions:adverse_event", args=[event.pk]) not in page


def test_a_stale_adverse_event_update_is_a_conflict(visit: Visit) -> None:
    chart = running(visit)
    observe(
        visit,
        chart,
        "fainting",
        severity="moderate",
        action_taken="flat, legs up",
        event_severity="moderate",
        event_outcome="ongoing",
    )
    event = AdverseEvent.objects.get()
    services.adverse_event_update(
        actor=visit.actor, event_id=event.pk, expected_version=1, outcome="resolved"
    )
    with pytest.raises(EditConflict):
        services.adverse_event_update(
            actor=visit.actor, event_id=event.pk, expected_version=1, outcome="unknown"
        )
    assert AdverseEvent.objects.get().outcome == "resolved"


def test_unknown_side_effects_and_severities_are_refused(visit: Visit) -> None:
    chart = running(visit)
    for effect, severity in (("dizzy<script>", "mild"), ("heat_sensation", "catastrophic")):
        with pytest.raises(ValidationError):
            observe(visit, chart, effect, severity=severity)
    assert not Observation.objects.exists()
