"""In headless Chromium: the seed's named contraindications and the electrolyte check, end to
end.

1. Baseline labs: a patient screened without results is blocked; one click records the lab
   request; a low potassium and a cardiac problem each reach the physician.
2. Digoxin: the medical director approves the knowledge; a nurse records the intake and adds
   digoxin, which re-screens to a hard stop; the physician overrides it with a written reason;
   the chart shows the override and the manager finds it in the audit trail.

Screenshots go to test-artifacts/ (the journey's evidence; they are looked at by a person).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.conftest import PASSWORD, actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REASON = "Seen with cardiology: calcium left out, ECG monitoring at every infusion."


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def record(
    patient: Patient, nurse: User, clinic: Clinic, analyte: str, value: str, unit: str
) -> None:
    patient_services.lab_result_record(
        actor=actor_for(nurse, clinic),
        patient=patient,
        entry=patient_services.LabEntry(
            analyte=analyte,
            value=Decimal(value),
            unit=unit,
            collected_at=timezone.now() - timedelta(hours=2),
        ),
    )


def test_missing_electrolytes_potassium_and_cardiac_problems_reach_the_physician(
    page: Page,
    live_server: object,
    nadia: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
) -> None:
    base = str(live_server)
    patient = make_patient(given_name="Kay", family_name="Lowe")
    sign_in(page, base, "nadia")
    page.goto(f"{base}/patients/{patient.pk}/")
    panel = page.locator(".screening-panel")
    expect(panel.locator(".screening-status")).to_have_text("Not screened")
    panel.get_by_role("button", name="Screen now").click()

    page.goto(f"{base}/patients/{patient.pk}/")
    expect(panel.locator(".screening-status")).to_have_text("Hard stop")
    for rule in (
        "baseline_magnesium_required",
        "baseline_calcium_required",
        "baseline_potassium_required",
    ):
        expect(panel.locator(f"[data-rule={rule}]")).to_contain_text("cannot be overridden")
    expect(panel.locator(".screening-gate")).to_contain_text("Not ready for a course order")
    panel.get_by_role("button", name="Request labs").click()
    expect(page.get_by_role("status")).to_contain_text("Lab request recorded: Magnesium, serum")

    # Results arrive: potassium low, magnesium and calcium normal; a cardiac problem is coded.
    record(patient, nadia, clinic, "magnesium", "2.0", "mg/dL")
    record(patient, nadia, clinic, "calcium_total", "9.4", "mg/dL")
    record(patient, nadia, clinic, "egfr", "88", "mL/min/1.73m2")
    page.goto(f"{base}/patients/{patient.pk}/labs/add/")
    page.get_by_label("Analyte").select_option("potassium")
    page.get_by_label("Value").fill("3.2")
    page.get_by_label("Unit").select_option("mmol/L")
    page.get_by_label("Collected").fill(
        timezone.localtime(timezone.now(), clinic.zone).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add condition").click()
    page.get_by_label("Description").fill("Atrial fibrillation")
    page.get_by_label("ICD-10 code").fill("I48.91")
    page.get_by_role("button", name="Save").click()

    expect(panel.locator(".screening-status")).to_have_text("Physician review")
    expect(panel.locator("[data-rule=potassium_outside_limits]")).to_contain_text("3.2 mmol/L")
    expect(panel.locator("[data-rule=cardiac_other]")).to_contain_text("I48.91")
    expect(panel.locator("[data-rule^=baseline_]")).to_have_count(0)
    expect(panel.locator(".lab-request")).to_contain_text("Lab request recorded")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screening-potassium-cardiac.png"), full_page=True)

    # Sources are one click away.
    panel.locator("[data-rule=potassium_outside_limits]").get_by_role("link", name="[S29]").click()
    expect(page.locator("#S29")).to_be_visible()


def test_digoxin_is_blocked_until_a_physician_overrides_with_a_reason(
    page: Page,
    live_server: object,
    diaz: User,
    nadia: User,
    morgan: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
) -> None:
    base = str(live_server)
    patient = make_patient(given_name="Dora", family_name="Gibbs")
    for analyte, value, unit in (
        ("magnesium", "2.0", "mg/dL"),
        ("calcium_total", "9.4", "mg/dL"),
        ("potassium", "4.3", "mmol/L"),
        ("egfr", "84", "mL/min/1.73m2"),
    ):
        record(patient, nadia, clinic, analyte, value, unit)

    # The medical director approves the knowledge version for the clinic.
    sign_in(page, base, "diaz")
    page.get_by_role("link", name="Knowledge").click()
    expect(page.locator(".knowledge-unapproved")).to_be_visible()
    page.get_by_label("I have reviewed the rules").check()
    page.get_by_role("button", name="Approve version").click()
    expect(page.get_by_role("status").first).to_contain_text("approved for this clinic")
    expect(page.locator(".knowledge-unapproved")).to_have_count(0)
    sign_out(page)

    # The nurse records the intake (which screens) and then adds digoxin.
    sign_in(page, base, "nadia")
    page.goto(f"{base}/patients/{patient.pk}/")
    page.locator(".screening-panel").get_by_role("link", name="Intake").click()
    page.get_by_label("Symptoms at baseline").fill("Migraine 10 days a month.")
    page.get_by_label("Pregnancy").select_option("not_pregnant")
    page.get_by_label("Medication list gone through").check()
    page.get_by_label("Allergies gone through").check()
    page.get_by_label("Referral to a nutritionist").select_option("accepted")
    page.get_by_role("button", name="Save intake and screen").click()
    expect(page.get_by_role("status")).to_contain_text("Intake saved and the patient screened")
    expect(page.locator(".screening-status")).to_have_text("Clear")

    page.goto(f"{base}/patients/{patient.pk}/medications/add/")
    page.get_by_role("textbox", name="Name").fill("Digoxin")
    page.get_by_label("Dose").fill("125 mcg once daily")
    page.get_by_role("button", name="Save").click()
    panel = page.locator(".screening-panel")
    expect(panel.locator(".screening-status")).to_have_text("Hard stop")
    expect(panel.locator("[data-rule=cardiac_glycoside]")).to_contain_text("Digoxin")
    expect(panel.locator(".screening-gate")).to_contain_text("Not ready for a course order")
    page.screenshot(path=str(ARTIFACTS / "screening-digoxin-blocked.png"), full_page=True)
    sign_out(page)

    # The physician sees it in the queue and overrides the hard stop with a written reason.
    sign_in(page, base, "diaz")
    expect(page.locator("[data-count=screening-queue]")).to_have_text("1")
    page.get_by_role("link", name="Open the screening queue").click()
    page.get_by_role("link", name="GIBBS, Dora").click()
    page.get_by_label("Override the hard stop").check()
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the reason")  # nothing signed
    page.get_by_label("Override the hard stop").check()
    page.get_by_role("textbox", name="Reason").fill(REASON)
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision signed: Hard stop overridden")

    page.goto(f"{base}/patients/{patient.pk}/")
    decision = page.locator(".screening-panel .screening-decision")
    expect(decision).to_contain_text("Hard stop overridden")
    expect(decision).to_contain_text(diaz.display_name)
    expect(decision.locator(".decision-reason")).to_have_text(REASON)
    expect(page.locator(".screening-panel .screening-gate")).to_have_text(
        "Ready for a course order."
    )
    page.screenshot(path=str(ARTIFACTS / "screening-digoxin-overridden.png"), full_page=True)
    sign_out(page)

    # The manager finds the override in the audit trail.
    sign_in(page, base, "morgan")
    page.get_by_role("link", name="Audit trail", exact=True).click()
    page.get_by_label("Patient MRN").fill(patient.mrn)
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tr", has_text="screening.override")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("diaz")
    expect(row).to_contain_text("cardiac_glycoside")
    page.screenshot(path=str(ARTIFACTS / "screening-override-audit.png"), full_page=True)
