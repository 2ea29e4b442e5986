"""In a real headless Chromium, on the demo clinic: Front-desk Fran books a 12-dose loading series
for a demo patient (the proposal first: same weekday and time, conflicts, alternatives) → sees
it on the week view, week after week → Manager Morgan sets a short optimiser budget, optimises
the next open day, reads the improvement and accepts it → the day view shows the new layout.
Screenshots of the proposal, the week, the plan and the day are saved under test-artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.orders.factories import approve_screening
from tests.orders.factories import sign as sign_order

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.demo import DEMO_CLINIC, DEMO_PASSWORD, demo_load
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_today
from ivmt.scheduling.clinic_hours import hours_between
from ivmt.scheduling.models import Appointment, Chair, DayPlanProposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_book_a_twelve_dose_series_see_it_on_the_week_and_optimise_a_day(
    page: Page, live_server: object
) -> None:
    assert demo_load()  # the demo clinic, as `ivmt demo` loads it
    clinic = Clinic.objects.get(name=DEMO_CLINIC)
    # The pharmacy demo left one course as Dr Diaz's unsigned draft (seed clinic protocol: 12
    # weekly loading doses, then maintenance). She screens the patient and signs it.
    draft = CourseOrder.objects.get(clinic=clinic, status=CourseOrder.Status.DRAFT)
    diaz = User.objects.get(username="diaz")
    approve_screening(draft.patient, physician=diaz, clinic=clinic)
    course = sign_order(
        Actor(user=diaz, clinic=clinic, role=Role.PHYSICIAN, is_medical_director=True), draft
    )
    patient = course.patient
    surname = patient.family_name.upper()
    base = str(live_server)
    ARTIFACTS.mkdir(exist_ok=True)

    # Fran finds the course on her work list and asks for a proposal for the loading phase.
    _sign_in(page, base, "fran")
    page.get_by_role("link", name="Schedule").first.click()
    page.get_by_role("link", name="Series to book").click()
    row = page.locator("#courses-to-book tr", has_text=surname)
    row.get_by_role("link", name="Book the series").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Book the series — {surname}")
    page.get_by_label("Preferred time").fill("10:30")
    page.get_by_label("Doses to book").select_option("loading")
    page.get_by_role("button", name="Propose again").click()
    rows = page.locator("#series-table tbody tr")
    expect(rows).to_have_count(12)
    checked = page.locator("#series-table input[type=radio]:checked")
    expect(checked).to_have_count(12)
    page.screenshot(path=str(ARTIFACTS / "scheduling-series-proposal.png"), full_page=True)
    page.get_by_role("button", name="Book 12 appointments").click()

    # The week view opens on the first dose's week; the series is there, week after week.
    expect(page.get_by_role("status").first).to_contain_text("12 appointment(s) booked")
    booked = list(
        Appointment.objects.filter(patient=patient, status="booked").order_by("starts_at")
    )
    assert len(booked) == 12
    starts = [a.starts_at.astimezone(clinic.zone) for a in booked]
    assert all(7 - 2 <= (b - a).days <= 7 + 2 for a, b in pairwise(starts))
    first_visit = page.locator(f"[data-visit='{booked[0].pk}']")
    expect(first_visit).to_contain_text(surname)
    page.screenshot(path=str(ARTIFACTS / "scheduling-week.png"), full_page=True)
    page.get_by_role("link", name="Next week ›").click()
    expect(page.locator(f"[data-visit='{booked[1].pk}']")).to_contain_text(surname)

    # On the day view she drags the first visit to the first chair at opening time: the move
    # form opens with the instant check, she gives the reason and moves it.
    first_day = starts[0].date()
    page.goto(f"{base}/manage/schedule/?date={first_day:%Y-%m-%d}")
    chair_one = Chair.objects.get(clinic=clinic, name="Chair 1")
    target = page.locator(f"td.sched-free[data-chair='{chair_one.pk}'][data-time='08:00']")
    page.locator(f"td[data-visit='{booked[0].pk}']").drag_to(target)
    expect(page.locator("#move-panel")).to_be_visible()
    expect(page.locator("#move-conflicts")).to_contain_text("The slot is free.")
    page.locator("#move-reason").fill("Patient prefers to come before work")
    page.screenshot(path=str(ARTIFACTS / "scheduling-drag-to-move.png"), full_page=True)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Appointment moved")
    booked[0].refresh_from_db()
    assert booked[0].chair == chair_one
    assert booked[0].starts_at.astimezone(clinic.zone).strftime("%H:%M") == "08:00"
    _sign_out(page)

    # Morgan gives the optimiser a two-second budget, then lays out the next open day.
    _sign_in(page, base, "morgan")
    page.goto(f"{base}/manage/schedule/settings/")
    page.get_by_label("Optimiser seconds").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").first).to_contain_text("Scheduling settings saved")
    today = clinic_today(clinic)
    hours = hours_between(clinic, today + timedelta(days=1), today + timedelta(days=7))
    day = next(d for d, h in sorted(hours.items()) if h.is_open)
    page.goto(f"{base}/manage/schedule/?date={day:%Y-%m-%d}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%-d %B %Y}")
    page.get_by_role("button", name="Optimise this day").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Optimised plan for")
    proposal = DayPlanProposal.objects.get(clinic=clinic, day=day)
    figures = proposal.figures
    assert figures["proposed"]["total_wait"] < figures["current"]["total_wait"]
    assert figures["proposed"]["total_wait"] <= figures["fcfs"]["total_wait"]
    expect(page.locator("#proposed-wait")).to_contain_text(
        f"{figures['proposed']['total_wait']} min"
    )
    expect(page.locator("#plan-improvement")).to_contain_text("minutes of waiting")
    page.screenshot(path=str(ARTIFACTS / "scheduling-optimised-plan.png"), full_page=True)
    page.get_by_role("button", name="Accept and apply the plan").click()

    expect(page.get_by_role("status").first).to_contain_text("The plan is applied")
    proposal.refresh_from_db()
    assert proposal.status == DayPlanProposal.Status.APPLIED
    for move in proposal.moves:
        moved = Appointment.objects.get(pk=move["appointment"])
        assert moved.starts_at == datetime.fromisoformat(move["to"])
    expect(page.locator("#day-grid")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "scheduling-day-after-plan.png"), full_page=True)
