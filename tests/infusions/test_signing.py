"""Signing makes the chart immutable; corrections are amendments that keep the original; two
people charting the same unsigned chart: the second gets a conflict, nothing is overwritten;
a given dose is charged through the billing app."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.infusions.helpers import Visit, check_in, end, finish, fresh, observe, running, sign
from tests.orders.factories import FROZEN_NOW

from ivmt.billing.models import Charge, InfusionBilling
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import ChartAmendment, InfusionChart, VitalSigns
from ivmt.patients.errors import EditConflict


def signed(visit: Visit, minutes: int = 50) -> InfusionChart:
    chart = running(visit)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=minutes), tick=False):
        chart = end(visit, chart)
        chart = finish(visit, chart)
        return sign(visit, chart)


def test_signing_charges_the_infusion_from_the_charted_start_and_stop(visit: Visit) -> None:
    chart = signed(visit, minutes=50)
    charges = Charge.objects.filter(dose_id=visit.dose.pk)
    codes = set(charges.values_list("code", flat=True))
    assert "96365" in codes and "96374" not in codes  # 50 minutes: an infusion
    administration = charges.get(code="96365")
    assert administration.started_at == chart.started_at == FROZEN_NOW
    assert administration.ended_at == chart.ended_at == FROZEN_NOW + timedelta(minutes=50)
    assert administration.performed_by == visit.nurse


def test_a_billing_refusal_does_not_keep_the_chart_unsigned(visit: Visit) -> None:
    # The dose is already charged (by hand, say): billing refuses; the chart is signed anyway.
    chart = running(visit)
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=50), tick=False):
        chart = finish(visit, end(visit, chart))
        InfusionBilling.objects.create(
            clinic=visit.clinic,
            patient=visit.patient,
            course_order_id=visit.dose.order_id,
            dose_id=visit.dose.pk,
            started_at=chart.started_at,
            ended_at=timezone.now(),
            created_at=timezone.now(),
        )  # the dose already charged: billing refuses
        chart = sign(visit, chart)
    assert chart.status == "signed"
    assert chart.charges_note.startswith("Charges were not made: This dose has already been")
    assert AuditEvent.objects.filter(
        action="billing.charge_infusion", outcome="denied", detail="charges not made at signing"
    ).exists()


def test_a_signed_chart_refuses_every_edit(visit: Visit) -> None:
    chart = signed(visit)
    before = fresh(chart)
    attempts = [
        lambda: services.chart_vitals_record(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=chart.version,
            taken_at=timezone.now(),
            values={"heart_rate_bpm": "70"},
        ),
        lambda: observe(visit, chart, "vitamin_taste"),
        lambda: services.chart_hold(
            actor=visit.actor, chart_id=chart.pk, expected_version=chart.version, reason="late"
        ),
        lambda: services.chart_sign(
            actor=visit.actor, chart_id=chart.pk, expected_version=chart.version
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="signed and can no longer be changed"):
            attempt()
    after = fresh(chart)
    assert after.version == before.version and after.updated_at == before.updated_at
    assert VitalSigns.objects.filter(chart=chart).count() == 1
    assert AuditEvent.objects.filter(outcome="denied", detail="chart already signed").count() == 4


def test_amendments_keep_the_original(visit: Visit) -> None:
    chart = signed(visit)
    first = services.chart_amend(
        actor=visit.actor,
        chart_id=chart.pk,
        field="iv_site",
        corrected="hand",
        reason="Charted the wrong site",
    )
    assert (first.original, first.corrected) == ("forearm", "hand")
    second = services.chart_amend(
        actor=visit.actor,
        chart_id=chart.pk,
        field="iv_site",
        corrected="antecubital",
        reason="Checked with the patient: bend of the elbow",
    )
    assert second.original == "hand"  # the value in effect before this amendment
    note = services.chart_amend(
        actor=visit.actor,
        chart_id=chart.pk,
        field="addendum",
        corrected="Patient phoned: no bruising next day",
        reason="Follow-up call",
    )
    assert note.original == ""
    # The signed chart itself is untouched.
    assert fresh(chart).iv_site == "forearm"
    assert ChartAmendment.objects.filter(chart=chart).count() == 3


def test_amendments_refuse_bad_input_and_unsigned_charts(visit: Visit) -> None:
    open_chart = check_in(visit)
    with pytest.raises(ValidationError, match="not signed yet"):
        services.chart_amend(
            actor=visit.actor,
            chart_id=open_chart.pk,
            field="iv_site",
            corrected="hand",
            reason="typing error",
        )
    for field, value, reason in (
        ("iv_site", "foot", "wrong"),
        ("iv_gauge", "99", "wrong"),
        ("flush_ml", "-5", "wrong"),
        ("status", "draft", "hack the status"),
        ("iv_site", "hand", ""),
    ):
        with pytest.raises(ValidationError):
            services.chart_amend(
                actor=visit.actor,
                chart_id=open_chart.pk,
                field=field,
                corrected=value,
                reason=reason,
            )
    assert not ChartAmendment.objects.exists()


def test_two_people_charting_the_same_chart_the_second_gets_a_conflict(visit: Visit) -> None:
    chart = running(visit)
    read_by_both = fresh(chart).version
    services.chart_vitals_record(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=read_by_both,
        taken_at=timezone.now(),
        values={"systolic_mmhg": "118", "diastolic_mmhg": "74"},
    )
    with pytest.raises(EditConflict, match="Someone else charted on this visit"):
        services.infusion_rate_change(
            actor=visit.actor,
            chart_id=chart.pk,
            expected_version=read_by_both,
            kind="slow",
            at=timezone.now(),
            reason="flushing",
            rate_ml_per_h=Decimal(100),
        )
    assert fresh(chart).status == "infusing"
    assert not fresh(chart).rate_events.filter(kind="slow").exists()


def test_only_a_finished_visit_is_signed(visit: Visit) -> None:
    chart = running(visit)
    with pytest.raises(ValidationError, match="Only a finished visit is signed"):
        sign(visit, chart)
