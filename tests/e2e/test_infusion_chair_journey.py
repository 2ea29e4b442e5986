"""In a real headless Chromium on a tablet-sized screen (1024 × 768): Nurse Nadia checks a
patient in (vitals, pre-visit advice), prints the wristband and scans it (the barcode read back
from the PDF) with the bag, charts the IV, starts the infusion, charts heat, slows the rate,
finishes (flush, IV removal) and signs; then Dr Diaz sees the next-dose advice on her
dashboard and accepts it into a new order version in one click.

The clock moves on by itself (time-machine, ticking) between the start and the end, so the
chart holds a real 50-minute infusion. Screenshots are kept in test-artifacts/ for a person to
look at."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect
from tests.conftest import PASSWORD, make_member
from tests.infusions.helpers import make_bag
from tests.orders.factories import signed_course, stock_everything

from ivmt.accounts.models import Clinic, OpeningHours, User
from ivmt.core.roles import Role
from ivmt.infusions.models import InfusionChart, NextDoseAdvice
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET = {"width": 1024, "height": 768}


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/account/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dashboard")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"infusion-{name}.png"), full_page=True)


def local(clinic: Clinic, moment: datetime) -> str:
    return timezone.localtime(moment, clinic.zone).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def clock() -> Iterator[datetime]:
    """Today at 10:00 in New York, ticking (the journey does not depend on the real hour)."""
    zone = Clinic(time_zone="America/New_York").zone
    ten = datetime.combine(timezone.now().astimezone(zone).date(), time(10), tzinfo=zone)
    with time_machine.travel(ten, tick=True):
        yield ten


def test_a_nurse_charts_an_infusion_and_the_physician_accepts_the_advice(
    page: Page,
    live_server: object,
    clock: datetime,
    clinic: Clinic,
    diaz: User,
    nadia: User,
    priya: User,
    patient: Patient,
    tmp_path: Path,
) -> None:
    base = str(live_server)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(TABLET)
    # Open every day, so dose 1 falls today whatever day the suite runs; a long idle time-out,
    # because the clock jumps 50 minutes.
    for weekday in (5, 6):
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=time(8), closes=time(17))
    clinic.idle_timeout_minutes = 120
    clinic.save(update_fields=["idle_timeout_minutes"])
    paul = make_member(clinic, "paul", Role.PHARMACIST)
    for number in (1, 2, 3):
        Chair.objects.create(clinic=clinic, name=f"Chair {number}")
    stock_everything(priya, clinic)
    course = signed_course(diaz, clinic, patient, start_date=clinic_today(clinic))
    dose = course.doses.get(number=1)
    assert dose.date == clinic_today(clinic)
    bag = make_bag(dose, clinic=clinic, priya=priya, paul=paul)

    # Nurse Nadia: today's board, then check-in with vitals and the pre-visit advice.
    sign_in(page, base, "nadia")
    page.get_by_role("link", name="Open today's board").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today's infusions")
    expect(page.locator("#expected")).to_contain_text("PATEL, Pat")
    expect(page.locator("#expected")).to_contain_text("bag ready at the chair")
    shot(page, "board-morning")
    page.locator("#expected").get_by_role("link", name="Check in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check in")
    page.get_by_label("Chair").select_option(label="Chair 2")
    page.get_by_label("Drank plenty of fluids").check()
    page.get_by_label("Dressed warm").check()
    page.get_by_label("Systolic blood pressure (mmHg)").fill("118")
    page.get_by_label("Diastolic blood pressure (mmHg)").fill("76")
    page.get_by_label("Pulse (beats/min)").fill("72")
    shot(page, "check-in")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#chart-status")).to_have_text("Arrived")
    chart_url = page.url

    # The wristband: made, printed, and its barcode read back from the PDF as a scanner would.
    page.get_by_role("link", name="Wristband").first.click()
    page.get_by_role("button", name="Make the wristband").click()
    code = page.locator("#wristband-code").inner_text().strip()
    href = page.locator("#print-wristband").get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "wristband.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(  # noqa: S603  # fixed arguments, our own file
        ["/usr/bin/pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp_path / "w")],
        check=True,
    )
    band_image = Image.open(tmp_path / "w.png")
    scanned = [b.text for b in zxingcpp.read_barcodes(band_image)]
    assert scanned == [code]
    band_image.save(ARTIFACTS / "infusion-wristband.png")
    page.goto(chart_url)

    # Positive identification: the wristband and the bag (a wrong one first: refused).
    page.get_by_label("Scan the patient's wristband").fill(scanned[0])
    page.get_by_label("Scan the bag's barcode").fill(code)
    page.get_by_role("button", name="Check wristband and bag").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.locator("#identify")).to_contain_text("That is a wristband's barcode")
    page.get_by_label("Scan the patient's wristband").fill(scanned[0])
    page.get_by_label("Scan the bag's barcode").fill(bag.bag_code)
    page.get_by_role("button", name="Check wristband and bag").click()
    expect(page.locator("#chart-status")).to_have_text("Identified, bag ready")

    # The IV.
    page.locator("#id_site").select_option("forearm")  # labels "Site", "Side": by id
    page.locator("#id_side").select_option("left")
    page.locator("#id_device").select_option("catheter")
    page.get_by_label("Gauge (G)").fill("22")
    page.get_by_role("button", name="Chart the IV").click()
    expect(page.locator("#iv-summary")).to_contain_text("Forearm")

    # Start at the planned rate: 137 mL over 45 min.
    expect(page.locator("#planned-rate")).to_have_text("182.6 mL/h")
    shot(page, "start")
    page.get_by_role("button", name="Start the infusion").click()
    expect(page.locator("#chart-status")).to_have_text("Infusing")

    # Ten minutes in: warmth; the nurse charts it and slows the rate.
    with time_machine.travel(clock + timedelta(minutes=10), tick=True):
        page.reload()
        page.get_by_label("What the patient feels or shows").select_option("heat_sensation")
        expect(page.locator("[data-prompt-for='heat_sensation']")).to_be_visible()
        page.locator("#id_note").fill("warm all over, uncomfortable")
        page.get_by_role("button", name="Chart it").click()
        expect(page.locator("#timeline")).to_contain_text("Sensation of spreading heat")
        page.locator("#id_kind").select_option("slow")  # "Change" is also a heading
        page.get_by_label("New pump rate (mL/h)").fill("120")
        page.locator("#id_reason").fill("warmth uncomfortable")
        page.get_by_role("button", name="Chart the change").click()
        expect(page.locator("#running")).to_contain_text("Infusing at 120 mL/h")
        shot(page, "running-slowed")
        board = page.context.new_page()
        board.set_viewport_size(TABLET)
        board.goto(f"{base}/infusions/")
        expect(board.locator("[data-chair='Chair 2']")).to_contain_text("min left")
        shot(board, "board-infusing")
        board.close()

    # Fifty minutes in: the bag has run; flush, IV out, site clean, bandage; sign.
    with time_machine.travel(clock + timedelta(minutes=50), tick=True):
        page.reload()
        page.get_by_role("button", name="The bag has run through").click()
        expect(page.locator("#chart-status")).to_contain_text("Infusion ended")
        page.get_by_label("Saline flush (mL)").fill("20")
        page.get_by_label("Site after removal").select_option("clean")
        page.get_by_role("button", name="Finish the visit").click()
        expect(page.locator("#chart-status")).to_contain_text("Done")
        page.get_by_label("Your password (your signature)").fill(PASSWORD)
        page.get_by_role("button", name="Sign the chart").click()
        expect(page.locator("#chart-status")).to_have_text("Signed")
        expect(page.locator("#ended")).to_contain_text("billed as an infusion")
        shot(page, "signed")
        chart = InfusionChart.objects.get(dose=dose)
        assert chart.status == "signed" and chart.administration_kind == "infusion"
        assert chart.advice_fluids and chart.advice_warm and chart.flush_ml == 20
        advice = NextDoseAdvice.objects.get(chart=chart)
        page.get_by_role("button", name="Sign out").click()

        # Dr Diaz: the advice waits on her dashboard; one click makes revision 2.
        sign_in(page, base, "diaz")
        expect(page.locator("#advice-pending")).to_contain_text("Infuse over 70 min instead of 45")
        shot(page, "physician-dashboard")
        page.locator("#advice-pending").get_by_role("link", name=patient.full_name).click()
        expect(page.locator("#advice-summary")).to_contain_text("117.4 mL/h")
        shot(page, "advice")
        page.get_by_role("button", name="Accept into a new order version").click()
        expect(page.get_by_role("status").first).to_contain_text("revision 2")
        shot(page, "order-revision-2")
    advice.refresh_from_db()
    assert advice.status == "accepted"
    new = CourseOrder.objects.get(pk=advice.resulting_order_id)
    assert new.status == "signed" and new.duration_min == 70 and new.previous_id == course.pk


def test_the_demo_board_and_the_physicians_notifications(page: Page, live_server: object) -> None:
    from ivmt.demo import DEMO_PASSWORD, demo_load

    assert demo_load()
    base = str(live_server)
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(TABLET)
    for username, name in (("nadia", "demo-board"), ("diaz", "demo-physician-dashboard")):
        page.goto(f"{base}/account/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if "Which clinic" in page.content():  # Dr Diaz also covers the second site
            page.get_by_label("Riverside Integrative Medicine").check()
            page.get_by_role("button", name="Continue").click()
        if username == "nadia":
            page.goto(f"{base}/infusions/")
            expect(page.locator("[data-chair='Chair 3']")).to_contain_text("min left")
            expect(page.locator("[data-chair='Chair 4']")).to_contain_text("Held")
        else:
            expect(page.locator("#adverse-events-open")).to_contain_text("fainting")
            expect(page.locator("#advice-pending")).to_contain_text("Infuse over")
        shot(page, name)
        page.get_by_role("button", name="Sign out").click()
