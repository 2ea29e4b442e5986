"""The pages at the chair: every form refuses bad input (wrong, missing, out of range,
hostile) with a clear message and changes nothing, never a server error; another role or
another clinic is refused; a stale form is a 409."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD
from tests.infusions.helpers import (
    Visit,
    check_in,
    end,
    finish,
    fresh,
    identify,
    ready,
    running,
    sign,
)
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.middleware import SESSION_LAST_SEEN
from ivmt.accounts.models import User
from ivmt.infusions.models import ChartAmendment, InfusionChart, Observation, VitalSigns

HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE infusions_infusionchart; --",
    "\u202egnp.exe",
    "𝕏" * 40,
    "x" * 5000,
]
NOW = "2026-11-23T08:00"


def post(client: Client, name: str, chart: InfusionChart, data: dict[str, object]):
    return client.post(reverse(f"infusions:{name}", args=[chart.pk]), data)


def unchanged(chart: InfusionChart) -> None:
    after = fresh(chart)
    assert after.version == chart.version and after.status == chart.status


@pytest.fixture
def nurse(nadia: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(nadia)


def awake(client: Client) -> None:
    """Count the session as just used after a clock jump longer than the idle time-out."""
    session = client.session
    session[SESSION_LAST_SEEN] = time.time()
    session.save()


def test_every_step_of_the_chart_page_renders(visit: Visit, nurse: Client) -> None:
    chart = check_in(visit)
    url = reverse("infusions:chart", args=[chart.pk])
    assert "Scan the patient" in nurse.get(url).content.decode()
    identify(visit, chart)
    assert "Chart the IV" in nurse.get(url).content.decode()
    from tests.infusions.helpers import place_iv, start

    place_iv(visit, chart)
    page = nurse.get(url).content.decode()
    assert "Start the infusion" in page and "182.6 mL/h" in page
    assert "61 drops/min (20 drops/mL)" in page  # 137 mL over 45 min with a 20-drop set
    start(visit, chart)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=20), tick=False):
        awake(nurse)
        page = nurse.get(url).content.decode()
    assert "Change the rate" in page and "min left" in page
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=46), tick=False):
        awake(nurse)
        end(visit, chart)
        assert "Flush, remove the IV" in nurse.get(url).content.decode()
        finish(visit, chart)
        assert "Sign the chart" in nurse.get(url).content.decode()
        sign(visit, chart)
        page = nurse.get(url).content.decode()
    assert "Amend (correct the signed chart)" in page and "billed as an infusion" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required"),
        ({"wristband_code": "", "bag_code": ""}, "This field is required"),
        ({"wristband_code": HOSTILE[0], "bag_code": HOSTILE[1]}, "No wristband with this code"),
        ({"wristband_code": HOSTILE[4], "bag_code": "x"}, "at most 60 characters"),
    ],
)
def test_identification_refuses_bad_input(
    visit: Visit, nurse: Client, data: dict[str, str], message: str
) -> None:
    chart = check_in(visit)
    response = post(nurse, "identify", chart, {"version": chart.version, **data})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "<script>alert" not in body
    unchanged(chart)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"site": "foot", "side": "left", "device": "catheter", "gauge": "22", "attempts": "1"},
        {"site": "hand", "side": "up", "device": "catheter", "gauge": "22", "attempts": "1"},
        {"site": "hand", "side": "left", "device": "catheter", "gauge": "99", "attempts": "1"},
        {"site": "hand", "side": "left", "device": "catheter", "gauge": "x", "attempts": "0"},
        {"site": "hand", "side": "left", "device": "needle", "gauge": "22", "attempts": "1"},
    ],
)
def test_the_iv_form_refuses_bad_input(
    visit: Visit, nurse: Client, nadia: User, data: dict[str, str]
) -> None:
    chart = check_in(visit)
    values = {"version": chart.version, "placed_by": nadia.pk, "placed_at": NOW, **data}
    assert post(nurse, "iv", chart, values).status_code == 400
    unchanged(chart)
    assert not fresh(chart).iv_site


def test_the_iv_must_be_placed_by_a_clinician_of_the_clinic(
    visit: Visit, nurse: Client, priya: User, lena: User
) -> None:
    chart = check_in(visit)
    for who in (priya, lena):
        response = post(
            nurse,
            "iv",
            chart,
            {
                "version": chart.version,
                "site": "hand",
                "side": "left",
                "device": "catheter",
                "gauge": "22",
                "attempts": "1",
                "placed_by": who.pk,
                "placed_at": NOW,
            },
        )
        assert response.status_code == 400
    unchanged(chart)


@pytest.mark.parametrize(
    "rate", ["", "abc", "0", "-5", "NaN", "Infinity", "1e9", "100000", "0.0001"]
)
def test_the_start_form_refuses_bad_rates(visit: Visit, nurse: Client, rate: str) -> None:
    chart = fresh(ready(visit))
    response = post(
        nurse, "start", chart, {"version": chart.version, "started_at": NOW, "rate_ml_per_h": rate}
    )
    assert response.status_code == 400
    unchanged(chart)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "slow", "rate_ml_per_h": "100", "reason": ""},
        {"kind": "sideways", "rate_ml_per_h": "100", "reason": "why"},
        {"kind": "slow", "rate_ml_per_h": "500", "reason": "not slower"},
        {"kind": "slow", "rate_ml_per_h": "abc", "reason": "why"},
        {"kind": "resume", "reason": "not paused"},
        {"kind": "slow", "rate_ml_per_h": "100", "reason": HOSTILE[4]},
    ],
)
def test_the_rate_form_refuses_bad_input(visit: Visit, nurse: Client, data: dict[str, str]) -> None:
    chart = fresh(running(visit))
    response = post(nurse, "rate", chart, {"version": chart.version, "at": NOW, **data})
    assert response.status_code == 400
    unchanged(chart)


def test_hostile_text_is_stored_as_written_and_shown_escaped(visit: Visit, nurse: Client) -> None:
    chart = fresh(running(visit))
    response = post(
        nurse,
        "observe",
        chart,
        {
            "version": chart.version,
            "at": NOW,
            "side_effect_id": "site_redness",
            "severity": "mild",
            "note": HOSTILE[0],
            "action_taken": HOSTILE[1],
        },
    )
    assert response.status_code == 302
    assert Observation.objects.get().note == HOSTILE[0]
    page = nurse.get(reverse("infusions:chart", args=[chart.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"side_effect_id": "unknown", "severity": "mild"},
        {"side_effect_id": "heat_sensation", "severity": "deadly"},
        {"side_effect_id": "site_burning", "severity": "mild", "action_taken": ""},
        {"side_effect_id": "anaphylaxis", "severity": "severe", "action_taken": "stopped"},
    ],
)
def test_the_observation_form_refuses_bad_input(
    visit: Visit, nurse: Client, data: dict[str, str]
) -> None:
    chart = fresh(running(visit))
    response = post(nurse, "observe", chart, {"version": chart.version, "at": NOW, **data})
    assert response.status_code == 400
    unchanged(chart)
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"vital__systolic_mmhg": "abc"},
        {"vital__systolic_mmhg": "500", "vital__diastolic_mmhg": "80"},
        {"vital__heart_rate_bpm": "0"},
        {"vital__systolic_mmhg": "120"},
    ],
)
def test_the_vitals_form_refuses_bad_input(
    visit: Visit, nurse: Client, data: dict[str, str]
) -> None:
    chart = fresh(running(visit))
    response = post(nurse, "vitals", chart, {"version": chart.version, "taken_at": NOW, **data})
    assert response.status_code == 400
    unchanged(chart)
    assert VitalSigns.objects.filter(chart=chart).count() == 1


def test_vitals_below_a_hold_limit_during_the_infusion_are_flagged(
    visit: Visit, nurse: Client
) -> None:
    chart = fresh(running(visit))
    response = post(
        nurse,
        "vitals",
        chart,
        {
            "version": chart.version,
            "taken_at": NOW,
            "vital__systolic_mmhg": "84",
            "vital__diastolic_mmhg": "50",
        },
    )
    assert response.status_code == 302
    page = nurse.get(response["Location"]).content.decode()
    assert "below the clinic&#x27;s hold limit" in page
    assert fresh(chart).status == "infusing"  # flagged for the nurse, not a hold mid-run


def test_the_finish_and_sign_forms_refuse_bad_input(visit: Visit, nurse: Client) -> None:
    chart = running(visit)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        awake(nurse)
        chart = fresh(end(visit, chart))
        for data in (
            {},
            {"iv_removed_at": NOW, "site_check": "clean"},  # before the end
            {"iv_removed_at": "2026-11-23T08:50", "site_check": "fine"},
            {"iv_removed_at": "2026-11-23T08:50", "site_check": "clean", "flush_ml": "-1"},
            {"iv_removed_at": "2026-11-23T08:50", "site_check": "clean", "flush_ml": "9999"},
            {"iv_removed_at": "tomorrow", "site_check": "clean"},
        ):
            response = post(nurse, "finish", chart, {"version": chart.version, **data})
            assert response.status_code == 400, data
            unchanged(chart)
        chart = fresh(finish(visit, chart))
        response = post(nurse, "sign", chart, {"version": chart.version, "password": "wrong"})
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
        unchanged(chart)
        response = post(nurse, "sign", chart, {"version": chart.version, "password": PASSWORD})
        assert response.status_code == 302 and fresh(chart).status == "signed"
        for data in (
            {"field": "status", "corrected": "draft", "reason": "hack"},
            {"field": "iv_site", "corrected": "foot", "reason": "wrong site"},
            {"field": "iv_site", "corrected": "hand", "reason": ""},
        ):
            assert post(nurse, "amend", chart, data).status_code == 400
    assert not ChartAmendment.objects.exists()


def test_a_stale_form_is_a_conflict(visit: Visit, nurse: Client) -> None:
    chart = fresh(running(visit))
    stale = chart.version
    assert (
        post(
            nurse,
            "vitals",
            chart,
            {"version": stale, "taken_at": NOW, "vital__heart_rate_bpm": "80"},
        ).status_code
        == 302
    )
    response = post(
        nurse,
        "rate",
        chart,
        {"version": stale, "at": NOW, "kind": "slow", "rate_ml_per_h": "100", "reason": "heat"},
    )
    assert response.status_code == 409
    assert "Someone else charted on this visit" in response.content.decode()
    assert not fresh(chart).rate_events.filter(kind="slow").exists()


def test_another_clinic_and_other_roles_are_refused(
    visit: Visit,
    client_for: Callable[[User], Client],
    lena: User,
    priya: User,
    fran: User,
) -> None:
    chart = check_in(visit)
    url = reverse("infusions:chart", args=[chart.pk])
    data = {"version": chart.version, "reason": "held by someone else"}
    assert client_for(lena).get(url).status_code == 404
    assert (
        client_for(lena).post(reverse("infusions:hold", args=[chart.pk]), data).status_code == 404
    )
    assert client_for(priya).get(url).status_code == 403
    assert (
        client_for(fran).post(reverse("infusions:hold", args=[chart.pk]), data).status_code == 403
    )
    assert (
        client_for(fran).get(reverse("infusions:check_in", args=[visit.dose.pk])).status_code == 403
    )
    unchanged(chart)


def test_the_check_in_page(visit: Visit, nurse: Client, lena: User, client_for) -> None:
    url = reverse("infusions:check_in", args=[visit.dose.pk])
    page = nurse.get(url).content.decode()
    assert "Systolic blood pressure (mmHg)" in page and "Chair 1" in page
    for data in (
        {},
        {"chair": visit.chair.pk, "arrived_at": NOW, "vital__systolic_mmhg": "x"},
        {"chair": "999999", "arrived_at": NOW},
        {
            "chair": visit.chair.pk,
            "arrived_at": "2026-11-24T08:00",
            "vital__systolic_mmhg": "120",
            "vital__diastolic_mmhg": "80",
            "vital__heart_rate_bpm": "70",
        },
    ):
        assert nurse.post(url, data).status_code == 400
    assert not InfusionChart.objects.exists()
    response = nurse.post(
        url,
        {
            "chair": visit.chair.pk,
            "arrived_at": NOW,
            "advice_fluids": "on",
            "vital__systolic_mmhg": "122",
            "vital__diastolic_mmhg": "80",
            "vital__heart_rate_bpm": "70",
        },
    )
    chart = InfusionChart.objects.get()
    assert response["Location"] == reverse("infusions:chart", args=[chart.pk])
    assert chart.advice_fluids and not chart.advice_warm
    assert client_for(lena).get(url).status_code == 404


def test_the_policy_page_is_the_medical_directors(
    client_for: Callable[[User], Client], diaz: User, morgan: User, clinic
) -> None:
    from tests.conftest import make_member

    from ivmt.core.roles import Role

    url = reverse("infusions:policy")
    assert client_for(morgan).get(url).status_code == 403
    okafor = make_member(clinic, "okafor", Role.PHYSICIAN)
    limits = {
        f"limit__{k}": v
        for k, v in {
            "systolic_below": "95",
            "systolic_above": "180",
            "heart_rate_below": "50",
            "heart_rate_above": "120",
            "temperature_above": "38",
            "spo2_below": "92",
        }.items()
    }
    response = client_for(okafor).post(url, {"version": 1, **limits})
    assert response.status_code == 403
    director = client_for(diaz)
    page = director.get(url).content.decode()
    assert "clinic policy, not clinical facts" in page
    assert (
        director.post(url, {"version": 1, **limits, "limit__systolic_below": "30"}).status_code
        == 400
    )
    response = director.post(url, {"version": 1, **limits, "charted_vitals": ["spo2_percent"]})
    assert response.status_code == 302
    assert director.post(url, {"version": 1, **limits}).status_code == 409


def test_the_hold_release_and_not_given_forms_refuse_bad_input(
    visit: Visit, nurse: Client, diaz: User, client_for: Callable[[User], Client]
) -> None:
    chart = fresh(check_in(visit))
    for name, prefix in (("hold", "hold"), ("not_given", "notgiven")):
        response = post(nurse, name, chart, {f"{prefix}-version": chart.version})
        assert response.status_code == 400
        response = post(
            nurse, name, chart, {f"{prefix}-version": "x", f"{prefix}-reason": "because"}
        )
        assert response.status_code == 400
    unchanged(chart)
    response = post(
        nurse, "hold", chart, {"hold-version": chart.version, "hold-reason": HOSTILE[0]}
    )
    assert response.status_code == 302
    chart = fresh(chart)
    assert chart.status == "held" and chart.holds[-1]["message"] == HOSTILE[0]
    page = nurse.get(reverse("infusions:chart", args=[chart.pk])).content.decode()
    assert HOSTILE[0] not in page
    doctor = client_for(diaz)
    response = post(
        doctor, "release", chart, {"release-version": chart.version, "release-reason": "ok"}
    )
    assert response.status_code == 400 and "at least 10" in response.content.decode()
    unchanged(chart)


def test_the_adverse_event_and_advice_forms_refuse_bad_input(
    visit: Visit, nurse: Client, diaz: User, client_for: Callable[[User], Client]
) -> None:
    from tests.infusions.helpers import observe

    from ivmt.infusions.models import AdverseEvent

    chart = running(visit)
    observe(
        visit,
        chart,
        "fainting",
        severity="moderate",
        action_taken="flat, legs raised",
        event_severity="moderate",
        event_outcome="ongoing",
    )
    event = AdverseEvent.objects.get()
    update = reverse("infusions:adverse_event_update", args=[event.pk])
    for data in (
        {},
        {"version": 1, "outcome": "dead-ish"},
        {"version": "x", "outcome": "resolved"},
    ):
        assert nurse.post(update, data).status_code == 400
    assert nurse.post(update, {"version": 7, "outcome": "resolved"}).status_code == 409
    acknowledge = reverse("infusions:adverse_event_acknowledge", args=[event.pk])
    assert nurse.post(acknowledge, {"version": 1}).status_code == 403
    doctor = client_for(diaz)
    assert doctor.post(acknowledge, {"version": "x"}).status_code == 400
    event.refresh_from_db()
    assert event.outcome == "ongoing" and event.acknowledged_at is None and event.version == 1
    response = doctor.post(acknowledge, {"version": 1, "note": HOSTILE[0]})
    assert response.status_code == 302
    page = doctor.get(reverse("infusions:adverse_event", args=[event.pk])).content.decode()
    assert HOSTILE[0] not in page and "&lt;script&gt;" in page


def test_the_advice_dismissal_needs_a_reason(
    visit: Visit, diaz: User, client_for: Callable[[User], Client]
) -> None:
    from tests.infusions.helpers import observe

    from ivmt.infusions.models import NextDoseAdvice

    chart = running(visit)
    observe(visit, chart, "heat_sensation")
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        sign(visit, finish(visit, end(visit, chart)))
        advice = NextDoseAdvice.objects.get()
        doctor = client_for(diaz)
        url = reverse("infusions:advice_dismiss", args=[advice.pk])
        assert doctor.post(url, {}).status_code == 400
        assert doctor.post(url, {"reason": HOSTILE[4]}).status_code == 400
        advice.refresh_from_db()
        assert advice.status == "pending"
        assert doctor.post(url, {"reason": HOSTILE[1]}).status_code == 302
        advice.refresh_from_db()
        assert advice.status == "dismissed" and advice.dismiss_reason == HOSTILE[1]


def test_the_chart_page_reads_in_a_fixed_number_of_queries(visit: Visit, nurse: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from tests.infusions.helpers import observe

    chart = running(visit)
    url = reverse("infusions:chart", args=[chart.pk])
    with CaptureQueriesContext(connection) as few:
        assert nurse.get(url).status_code == 200
    for effect in ("vitamin_taste", "heat_sensation", "vitamin_breath", "cold_tingling"):
        observe(visit, chart, effect)
    with CaptureQueriesContext(connection) as many:
        assert nurse.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
