"""Running the bag: the planned pump rate and drip rates, the label limits as a hard limit a
physician alone can pass (named, with a reason, audited), rate changes with reasons, and the
billing facts (start, stop, push or infusion)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from tests.conftest import actor_for
from tests.infusions.helpers import Visit, end, fresh, ready, running, start
from tests.orders.factories import FROZEN_NOW, approve_screening, draft, sign

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, RateEvent
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord


def change(
    visit: Visit,
    kind: str,
    minutes: int,
    rate: str | None = None,
    *,
    chart: InfusionChart,
    reason: str = "charted at the chair",
) -> InfusionChart:
    """Chart a rate change ``minutes`` after the start (the clock moved there)."""
    chart = fresh(chart)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=minutes), tick=False):
        return services.infusion_rate_change(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=chart.version,
            kind=kind,
            at=FROZEN_NOW + timedelta(minutes=minutes),
            reason=reason,
            rate_ml_per_h=Decimal(rate) if rate else None,
        )


def test_a_rate_faster_than_the_magnesium_label_limit_is_refused(visit: Visit) -> None:
    chart = ready(visit)
    with pytest.raises(ValidationError) as caught:
        start(visit, chart, rate_ml_per_h=Decimal(400))
    message = caught.value.message_dict["rate_ml_per_h"][0]
    assert "Magnesium chloride 20 %" in message and "label limit 48 mg/min" in message
    assert "The fastest rate within the limits is 394.5 mL/h" in message
    assert "name the physician" in message
    after = fresh(chart)
    assert after.status == "ready" and after.started_at is None
    assert CompoundingRecord.objects.get(pk=visit.bag.pk).status == "dispensed"
    assert AuditEvent.objects.filter(
        action="infusion.rate", outcome="denied", detail__contains="no physician named"
    ).exists()


def test_a_named_physician_with_a_reason_passes_the_limit_and_is_audited(
    visit: Visit, diaz: User
) -> None:
    chart = ready(visit)
    # A nurse named as "physician" does not count.
    with pytest.raises(ValidationError):
        start(
            visit,
            chart,
            rate_ml_per_h=Decimal(400),
            physician_id=visit.nurse.pk,
            override_reason="Physician at the chair agreed",
        )
    with pytest.raises(ValidationError):  # named, but no reason
        start(visit, chart, rate_ml_per_h=Decimal(400), physician_id=diaz.pk)
    chart = start(
        visit,
        chart,
        rate_ml_per_h=Decimal(400),
        physician_id=diaz.pk,
        override_reason="Dr Diaz at the chair: tolerated 10-min pushes before",
    )
    event = RateEvent.objects.get(chart=chart, kind="start")
    assert event.physician == diaz and event.override_reason.startswith("Dr Diaz")
    assert AuditEvent.objects.filter(action="infusion.rate_override").count() == 1


def test_a_gravity_set_is_recorded_with_its_drop_factor(visit: Visit) -> None:
    chart = ready(visit)
    with pytest.raises(ValidationError, match="drip set"):
        start(visit, chart, drops_per_ml=17)
    chart = start(visit, chart, drops_per_ml=20)
    assert chart.drops_per_ml == 20


def test_cannot_start_before_identification_or_without_the_iv(visit: Visit) -> None:
    from tests.infusions.helpers import check_in, identify

    chart = check_in(visit)
    with pytest.raises(ValidationError, match="Scan the wristband and the bag"):
        start(visit, chart)
    identify(visit, chart)
    with pytest.raises(ValidationError, match="Chart the IV"):
        start(visit, chart)


def test_slow_pause_resume_and_stop_are_timestamped_with_reasons(visit: Visit) -> None:
    chart = running(visit)
    with pytest.raises(ValidationError):  # "slower" that is not slower
        change(visit, "slow", 5, "200", chart=chart)
    change(visit, "slow", 5, "120", chart=chart, reason="flushing")
    chart = change(visit, "pause", 10, chart=chart, reason="light-headed, BP check")
    assert chart.status == "paused"
    with pytest.raises(ValidationError, match="paused"):
        change(visit, "faster", 11, "150", chart=chart)
    chart = change(visit, "resume", 15, chart=chart, reason="BP 118/76")
    assert chart.status == "infusing"
    chart = change(visit, "stop", 20, chart=chart, reason="patient asked to stop")
    assert chart.status == "ended" and chart.end_reason == "stopped"
    events = list(RateEvent.objects.filter(chart=chart).values_list("kind", "rate_ml_per_h"))
    assert events == [
        ("start", Decimal("182.60")),
        ("slow", Decimal("120.00")),
        ("pause", Decimal("0.00")),
        ("resume", Decimal("120.00")),  # the rate before the pause
        ("stop", Decimal("0.00")),
    ]
    # Running time leaves out the pause: 0-10 and 15-20 min.
    assert chart.running_min == Decimal("15.0")
    assert chart.ended_at == FROZEN_NOW + timedelta(minutes=20)


def test_speeding_up_past_the_limit_is_refused_without_a_physician(visit: Visit) -> None:
    chart = running(visit)
    with pytest.raises(ValidationError, match="faster than the label allows"):
        change(visit, "faster", 5, "420", chart=chart)
    assert fresh(chart).version == chart.version


def test_a_change_before_the_last_one_is_refused(visit: Visit) -> None:
    chart = running(visit)
    change(visit, "slow", 10, "150", chart=chart)
    with pytest.raises(ValidationError, match="cannot be before the last one"):
        chart = fresh(chart)
        with time_machine.travel(FROZEN_NOW + timedelta(minutes=12), tick=False):
            services.infusion_rate_change(
                actor=visit.actor,
                chart_id=chart.pk,
                expected_version=chart.version,
                kind="slow",
                at=FROZEN_NOW + timedelta(minutes=5),
                reason="late entry",
                rate_ml_per_h=Decimal(100),
            )


@pytest.mark.parametrize(("minutes", "kind"), [(15, "push"), (16, "infusion"), (45, "infusion")])
def test_push_or_infusion_follows_the_charted_start_and_stop(
    visit: Visit, minutes: int, kind: str
) -> None:
    chart = running(visit)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=minutes), tick=False):
        chart = end(visit, chart)
    assert chart.administration_kind == kind
    assert chart.started_at == FROZEN_NOW
    assert chart.ended_at == FROZEN_NOW + timedelta(minutes=minutes)


def test_a_push_order_at_its_planned_ten_minutes_needs_a_physician(
    clinic: Clinic,
    diaz: User,
    make_patient: Callable[..., Patient],
    make_visit: Callable[..., Visit],
) -> None:
    """The Yale 10-minute push is faster than the magnesium chloride label (REFERENCE.md
    §8.4: about twice it). Its order was signed over that stop with a reason; at the chair the
    physician is still named, and the infusion is billed as a push."""
    patient = make_patient(given_name="Yale")
    approve_screening(patient, physician=diaz, clinic=clinic)
    doctor = actor_for(diaz, clinic)
    order = draft(
        doctor,
        patient,
        formula_id="yale_2009",
        route_id="slow_push",
        duration_min=Decimal(10),
        into_saline_ml=None,
    )
    course = sign(doctor, order, "Yale trial protocol; physician present throughout")
    visit = make_visit(course)
    chart = ready(visit)
    with pytest.raises(ValidationError, match="faster than the label allows"):
        start(visit, chart)
    chart = start(
        visit, chart, physician_id=diaz.pk, override_reason="Yale protocol, Dr Diaz present"
    )
    assert chart.planned_rate_ml_per_h == Decimal("222.0")  # 37 mL over 10 min
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=10), tick=False):
        chart = end(visit, chart)
    assert chart.administration_kind == "push"
