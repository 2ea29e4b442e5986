"""In a real headless Chromium, on the demo clinic: a nurse fills a baseline and a week-6 FIQR for
a demo patient → the week-6 review appears in the physician's queue → the physician moves her to
maintenance monthly → the course's schedule changes. Screenshots of the trend chart and of the
programme page are saved under test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ivmt.demo import DEMO_PASSWORD, demo_load
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.outcomes.demo import JOURNEY
from ivmt.outcomes.models import QuestionnaireResponse, Review
from ivmt.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if "Which clinic" in page.get_by_role("heading", level=1).inner_text():
        page.get_by_label("Riverside Integrative Medicine — Physician").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _fill_fiqr(page: Page, function: int, overall: int, symptoms: int, day: str) -> None:
    page.get_by_label("Answers describe").fill(day)
    for n in range(1, 22):
        value = function if n <= 9 else overall if n <= 11 else symptoms
        page.locator(f"input[name=fiqr_{n}]").fill(str(value))
    page.get_by_role("button", name="Save").click()


def test_baseline_and_week_6_fiqr_then_the_review_moves_the_patient_to_monthly_maintenance(
    page: Page, live_server: object
) -> None:
    assert demo_load()  # the demo clinic, as `ivmt demo` loads it
    patient = Patient.objects.get(given_name=JOURNEY[0], family_name=JOURNEY[1])
    course = CourseOrder.objects.get(patient=patient, status="signed")
    start = course.start_date
    base = str(live_server)
    ARTIFACTS.mkdir(exist_ok=True)

    # The nurse fills the baseline and week-6 FIQR on the patient's behalf.
    _sign_in(page, base, "nadia")
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("Name, MRN or date of birth").fill("Whitfield")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="WHITFIELD, Rosa").click()
    page.get_by_role("link", name="Questionnaires, schedule and trends").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes — WHITFIELD, Rosa")
    page.locator("a[href*='/record/fiqr/?timepoint=baseline']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("FIQR")
    _fill_fiqr(page, 7, 7, 6, start.isoformat())  # 21 + 14 + 30 = 65, severe
    expect(page.get_by_role("status").first).to_contain_text("FIQR recorded (score 65.0")
    page.locator("a[href*='/record/fiqr/?timepoint=week_6']").click()
    _fill_fiqr(page, 4, 5, 4, clinic_today(patient.clinic).isoformat())  # 12 + 10 + 20 = 42
    expect(page.get_by_role("status").first).to_contain_text("FIQR recorded (score 42.0")
    assert QuestionnaireResponse.objects.filter(patient=patient, instrument_id="fiqr").count() == 2
    _sign_out(page)

    # The review appears in the physician's queue; the verdict and the chart are on one page.
    _sign_in(page, base, "diaz")
    reviews = page.locator("#reviews-due")
    expect(reviews).to_contain_text("Rosa Whitfield — week-6 review")
    reviews.get_by_role("link", name="Rosa Whitfield — week-6 review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week-6 review — WHITFIELD, Rosa")
    expect(page.locator(".verdict-responder").first).to_be_visible()
    expect(
        page.get_by_text("FIQR 65.0 → 42.0 (35.3 % reduction; needs at least 14 %)")
    ).to_be_visible()
    chart = page.locator("[data-instrument=fiqr]")
    expect(chart.locator("svg")).to_be_visible()
    chart.screenshot(path=str(ARTIFACTS / "outcomes-trend-chart.png"))
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "outcomes-review-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.get_by_label("Move to maintenance monthly (every 4 weeks)").check()
    page.get_by_role("button", name="Sign the review").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Week-6 review signed: Move to maintenance monthly"
    )
    expect(page.get_by_text("The course is now")).to_contain_text("revision 2")

    # The schedule changed: revision 2 ends loading at 6 doses, then a dose every 28 days.
    review = Review.objects.get(patient=patient)
    assert review.decision == "maintenance_28" and review.signed_by.username == "diaz"
    current = CourseOrder.objects.get(patient=patient, status="signed")
    assert current.revision == 2 and current.phase_intervals == {"maintenance": 28}
    maintenance = list(PlannedDose.objects.filter(order=current, status="planned").order_by("date"))
    # Loading ends with the doses already given (six, or seven if the review is signed a day
    # late); the weekly doses from today on were replaced.
    given = list(PlannedDose.objects.filter(order=course, status="planned").order_by("date"))
    assert len(given) in (6, 7) and given[-1].date < clinic_today(patient.clinic)
    # Nominal dates (before any move off a closed day) are exactly 28 days apart.
    assert maintenance[0].nominal_date == given[-1].nominal_date + timedelta(days=28)
    assert {(b.nominal_date - a.nominal_date).days for a, b in pairwise(maintenance)} == {28}
    assert all(d.phase_id == "maintenance" for d in maintenance)
    page.goto(f"{base}/outcomes/patients/{patient.pk}/")
    expect(page.get_by_text("Phase now:")).to_contain_text("maintenance")
    expect(page.locator("details")).to_contain_text("Monthly in maintenance")
    expect(page.locator("#reviews-due")).to_have_count(0)
    _sign_out(page)

    # The manager sees the programme: responder rates with intervals, changes, side effects.
    _sign_in(page, base, "morgan")
    page.get_by_role("link", name="Programme").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Programme outcomes")
    expect(page.get_by_role("heading", name="Responder rates")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Whitfield")
    page.screenshot(path=str(ARTIFACTS / "outcomes-programme.png"), full_page=True)
