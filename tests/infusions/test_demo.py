"""The demo shows today's infusions at several chairs in different states, a signed chart with
a minor side effect and pending advice, and one adverse event."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, Membership
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.demo import DEMO_CLINIC, demo_load
from ivmt.infusions.models import AdverseEvent, InfusionChart, NextDoseAdvice
from ivmt.infusions.selectors import today_board


@pytest.mark.django_db(transaction=True)
def test_the_demo_fills_the_board() -> None:
    # Loaded at 13:00 on the frozen Monday: the morning's visits fall inside opening hours.
    with time_machine.travel(FROZEN_NOW + timedelta(hours=5), tick=False):
        assert demo_load()
        check_board()


def check_board() -> None:
    clinic = Clinic.objects.get(name=DEMO_CLINIC)
    nurse = Membership.objects.get(clinic=clinic, user__username="nadia")
    board = today_board(actor=Actor(user=nurse.user, clinic=clinic, role=Role.NURSE))
    states = [row.entry.state if row.entry else "free" for row in board.rows if row.chair]
    assert states[:6] == ["done", "done", "infusing", "held", "ready", "arrived"]
    assert board.rows[2].entry is not None
    assert 24 <= (board.rows[2].entry.minutes_left or 0) <= 26  # 45 min, started 20 min ago
    advice = NextDoseAdvice.objects.get(clinic=clinic)
    assert advice.status == "pending" and advice.reasons == ["heat_sensation"]
    assert advice.chart.status == "signed" and advice.chart.administration_kind == "infusion"
    event = AdverseEvent.objects.get(clinic=clinic)
    assert event.side_effect_id == "fainting" and event.acknowledged_at is None
    assert InfusionChart.objects.filter(clinic=clinic, status="signed").count() == 2
