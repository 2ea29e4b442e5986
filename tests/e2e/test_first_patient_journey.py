"""In a real headless Chromium: sign in → register a patient → add a low magnesium result →
see it flagged on the chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import PASSWORD

from ivmt.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_nurse_registers_a_patient_and_sees_a_low_magnesium_flagged(
    page: Page, live_server: object, nadia: User
) -> None:
    base = str(live_server)
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nurse dashboard")

    page.get_by_role("link", name="Register patient").click()
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill("1985-12-10")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Migraine (G43.909)").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LOVELACE, Ada")

    page.get_by_role("link", name="Add lab result").click()
    page.get_by_label("Analyte").select_option("magnesium")
    page.get_by_label("Value").fill("0.55")
    page.get_by_label("Unit").select_option("mmol/L")
    page.get_by_label("Collected").fill("2026-11-01T09:30")
    page.get_by_label("Laboratory").fill("Quest Diagnostics")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Lab result recorded")
    magnesium = page.locator("[data-analyte=magnesium]")
    # 0.55 mmol/L = 1.336775 mg/dL: below 1.7, flagged low.
    expect(magnesium.locator(".latest-result")).to_contain_text("1.34 mg/dL L (low)")
    expect(magnesium.locator(".flag-L").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chart-low-magnesium.png"), full_page=True)


def test_an_impossible_value_is_refused_in_the_browser_with_a_clear_message(
    page: Page, live_server: object, nadia: User
) -> None:
    base = str(live_server)
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/patients/register/")
    page.get_by_label("Given name").fill("Bo")
    page.get_by_label("Family name").fill("Brown")
    page.get_by_label("Date of birth").fill("1970-01-01")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("link", name="Add lab result").click()
    page.get_by_label("Analyte").select_option("potassium")
    page.get_by_label("Value").fill("40")
    page.get_by_label("Unit").select_option("mmol/L")
    page.get_by_label("Collected").fill("2026-11-01T09:30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("outside the possible range")
