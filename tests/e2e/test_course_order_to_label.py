"""In a real headless Chromium: Dr Diaz signs a course → Pharmacist Priya prepares dose 1 with
its lots → Pharmacist Paul verifies it → the label PDF opens; its text is checked and its
barcode, rasterised at 300 dpi, decodes to the bag's code. Screenshots of the order form, the
worksheet and the label are kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from tests.conftest import PASSWORD, make_member
from tests.orders.factories import approve_screening, stock_everything

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_signed_course_becomes_a_verified_bag_with_a_scannable_label(
    page: Page,
    live_server: object,
    clinic: Clinic,
    diaz: User,
    priya: User,
    patient: Patient,
    tmp_path: Path,
) -> None:
    base = str(live_server)
    paul = make_member(clinic, "paul", Role.PHARMACIST)
    stock_everything(priya, clinic)
    approve_screening(patient, physician=diaz, clinic=clinic)
    ARTIFACTS.mkdir(exist_ok=True)

    # Dr Diaz writes and signs the course.
    sign_in(page, base, "diaz")
    page.goto(f"{base}/patients/{patient.pk}/")
    page.get_by_role("link", name="New course order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New course order")
    page.get_by_role("button", name="Use 5 mL").click()  # the vitamin C volume, chosen
    expect(page.locator("#id_vol__ascorbic_acid_500")).to_have_value("5")
    page.get_by_label("Planned duration (minutes)").fill("45")
    page.get_by_label("Add the mixture to a 0.9 % saline bag of (mL)").fill("100")
    page.get_by_label("Protocol (series)").select_option("yale_2009")
    page.get_by_label("Start date").fill(timezone.localdate(timezone=clinic.zone).isoformat())
    # The live panel (htmx) recalculates: 37 mL in 100 mL saline is 594 mOsm/L.
    expect(page.locator("#osmolarity")).to_contain_text("594 mOsm/L")
    expect(page.locator("#magnesium")).to_contain_text("0.22 mEq/min over 45 min")
    page.screenshot(path=str(ARTIFACTS / "course-order-form.png"), full_page=True)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#order-status")).to_contain_text("Draft")
    page.get_by_label("Your password (your signature)").fill(PASSWORD)
    page.get_by_role("button", name="Sign course order").click()
    expect(page.get_by_role("status")).to_contain_text("Course order signed")
    expect(page.locator("#order-status")).to_contain_text("Signed")
    order_url = page.url
    sign_out(page)

    # Pharmacist Priya prepares dose 1, drawing the first-expiring lots.
    sign_in(page, base, "priya")
    page.goto(order_url)
    page.locator("[data-dose='1']").get_by_role("link", name="Prepare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prepare dose 1")
    expect(page.get_by_label("Lot(s) of Calcium gluconate 10 %")).to_have_value("L-calciu-1")
    page.get_by_role("button", name="Record the bag as prepared").click()
    expect(page.locator("#bag-status")).to_contain_text("Prepared")
    bag_url = page.url
    # She cannot verify her own bag.
    page.get_by_label("Your password (your signature)").fill(PASSWORD)
    page.get_by_role("button", name="Verify the bag").click()
    expect(page.get_by_role("alert")).to_contain_text("You prepared this bag")
    sign_out(page)

    # Pharmacist Paul verifies it; the label can then be printed.
    sign_in(page, base, "paul")
    page.goto(bag_url)
    page.get_by_label("Your password (your signature)").fill(PASSWORD)
    page.get_by_role("button", name="Verify the bag").click()
    expect(page.locator("#bag-status")).to_contain_text("Verified")
    expect(page.locator("#verified-by")).to_contain_text("Paul")
    page.screenshot(path=str(ARTIFACTS / "compounding-worksheet.png"), full_page=True)
    code = page.locator("#bag-code").inner_text().strip()
    record = CompoundingRecord.objects.get(bag_code=code)
    assert record.prepared_by == priya and record.verified_by == paul

    label_href = page.get_by_role("link", name="Label PDF").get_attribute("href")
    assert label_href is not None
    response = page.request.get(f"{base}{label_href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        f"{patient.family_name.upper()}, {patient.given_name}",
        f"MRN {patient.mrn}",
        "Ascorbic acid 500 mg/mL (ASCOR) 5 mL",
        "Total 137.0 mL",
        "over 45 min",
        "BUD ",
        "PROTECT FROM LIGHT",
        f"Bag {code}",
    ):
        assert expected in text, expected
    assert re.search(r"Prep P\. Test .* Verif P\. Test", text)
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603  # fixed arguments, our own file
        [
            "/usr/bin/pdftoppm",
            "-r",
            "300",
            "-png",
            "-singlefile",
            str(source),
            str(tmp_path / "label"),
        ],
        check=True,
    )
    image = Image.open(tmp_path / "label.png")
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [code]
    image.save(ARTIFACTS / "e2e-bag-label.png")
