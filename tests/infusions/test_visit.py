"""A whole visit through the services: check-in → identification → IV → start → a side effect
→ slower → complete → flush and removal → signature; the billing facts are exact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import time_machine
from tests.infusions.helpers import (
    Visit,
    check_in,
    end,
    finish,
    fresh,
    identify,
    observe,
    place_iv,
    sign,
    start,
)
from tests.orders.factories import FROZEN_NOW

from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, RateEvent, VitalSigns
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.screening.models import ScreeningRun


def test_a_visit_from_arrival_to_signature_records_every_step(visit: Visit) -> None:
    chart = check_in(visit)
    assert chart.status == "arrived" and chart.chair == visit.chair
    assert chart.advice_fluids and chart.advice_warm
    # The check-in re-ran screening with today's facts (and vitals).
    run = ScreeningRun.objects.get(pk=chart.screening_run_id)
    assert run.trigger == "check_in" and run.facts["vitals"]["systolic_mmhg"] == "124"
    assert VitalSigns.objects.get(chart=chart).phase == "pre_dose"

    chart = identify(visit, chart)
    assert chart.status == "ready" and chart.bag == visit.bag and chart.wristband == visit.band
    chart = place_iv(visit, chart)
    assert (chart.iv_site, chart.iv_side, chart.iv_gauge) == ("forearm", "left", 22)

    chart = start(visit, chart)
    assert chart.status == "infusing"
    # 137 mL (37 mL of mixture in 100 mL saline) over 45 min: 182.666… mL/h, shown rounded down.
    assert chart.volume_ml == Decimal(137)
    assert chart.planned_rate_ml_per_h == Decimal("182.6")
    assert CompoundingRecord.objects.get(pk=visit.bag.pk).status == "administered"

    with time_machine.travel(FROZEN_NOW + timedelta(minutes=10), tick=False):
        observe(visit, chart, "heat_sensation")
        chart = fresh(chart)
        chart = services.infusion_rate_change(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=chart.version,
            kind="slow",
            at=FROZEN_NOW + timedelta(minutes=10),
            reason="warmth uncomfortable",
            rate_ml_per_h=Decimal(120),
        )
    assert chart.status == "infusing"
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=55), tick=False):
        chart = end(visit, chart)
        assert chart.status == "ended" and chart.end_reason == "completed"
        assert chart.ended_at == FROZEN_NOW + timedelta(minutes=55)
        assert chart.administration_kind == "infusion"
        assert chart.running_min == Decimal("55.0")
        chart = finish(visit, chart)
        assert chart.status == "done" and chart.flush_ml == Decimal(20)
        chart = sign(visit, chart)
    assert chart.status == "signed" and chart.signed_by == visit.nurse
    kinds = list(RateEvent.objects.filter(chart=chart).values_list("kind", flat=True))
    assert kinds == ["start", "slow", "complete"]
    actions = set(
        AuditEvent.objects.filter(object_type="infusionchart", object_id=str(chart.pk)).values_list(
            "action", flat=True
        )
    )
    assert {
        "infusion.check_in",
        "infusion.identify",
        "infusion.iv",
        "infusion.start",
        "infusion.observe",
        "infusion.rate",
        "infusion.end",
        "infusion.finish",
        "infusion.sign",
    } <= actions
    assert InfusionChart.objects.get(pk=chart.pk).charges_note == ""
