"""The bag label and the worksheet as PDFs: their text, and the label's barcode read back by a
real decoder from a 300 dpi rasterisation (what a thermal printer and a scanner would see)."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.models import CompoundingRecord, StockLot

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def verified(
    priya: User, paul: User, clinic: Clinic, course: CourseOrder, stocked: dict[str, StockLot]
) -> CompoundingRecord:
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    return services.compounding_verify(actor=actor_for(paul, clinic), record_id=record.pk)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def rasterise(content: bytes, tmp_path: Path, name: str) -> Image.Image:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(content)
    subprocess.run(  # noqa: S603  # fixed arguments, our own file
        [
            "/usr/bin/pdftoppm",
            "-r",
            "300",
            "-png",
            "-singlefile",
            str(source),
            str(tmp_path / name),
        ],
        check=True,
    )
    return Image.open(tmp_path / f"{name}.png")


def test_the_label_carries_what_the_nurse_needs_and_its_barcode_reads_back_the_bag(
    client_for: Callable[[User], Client],
    paul: User,
    patient: Patient,
    verified: CompoundingRecord,
    tmp_path: Path,
) -> None:
    response = client_for(paul).get(reverse("pharmacy:label_pdf", args=[verified.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (width, height) == (288, 216)  # 4 x 3 in label stock
    text = pdf_text(response.content)
    for expected in (
        "PATEL, Pat",
        "DOB 02 Apr 1980",
        f"MRN {patient.mrn}",
        "Magnesium chloride 20 % 5 mL",
        "9.84 mEq Mg",
        "Calcium gluconate 10 % 3 mL",
        "Ascorbic acid 500 mg/mL (ASCOR) 5 mL",
        "2500 mg ascorbic acid",
        "Total 137.0 mL",
        "Small-bag infusion over 45 min at 182.7 mL/h",
        "BUD 2026-11-23 12:00 EST",
        "Store at room temperature",
        "PROTECT FROM LIGHT",
        "Prep P. Test",
        "Verif P. Petrov",
        f"Bag {verified.bag_code}",
    ):
        assert expected in text, expected
    image = rasterise(response.content, tmp_path, "label")
    found = zxingcpp.read_barcodes(image)
    assert [(b.text, b.format.name) for b in found] == [(verified.bag_code, "Code128")]
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "bag-label.png")


def test_the_worksheet_pdf_lists_each_component_volume_and_lot(
    client_for: Callable[[User], Client],
    priya: User,
    verified: CompoundingRecord,
    stocked: dict[str, StockLot],
) -> None:
    response = client_for(priya).get(reverse("pharmacy:worksheet_pdf", args=[verified.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Compounding worksheet — bag {verified.bag_code}" in text
    for lot in stocked.values():
        assert lot.lot_number in text
    assert "Calcium gluconate 10 %" in text and "1 × 10 mL" in text  # a whole vial opened
    assert "beyond-use 2026-11-23 12:00 EST" in text
    assert "Verified by Paul Petrov" in text


def test_no_label_before_a_second_pharmacist_has_verified(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=course.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    response = client_for(priya).get(reverse("pharmacy:label_pdf", args=[record.pk]))
    assert response.status_code == 409
    assert "only after a second pharmacist has verified" in response.content.decode()


def test_a_name_with_accents_and_markup_prints_as_written(
    client_for: Callable[[User], Client],
    priya: User,
    paul: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    stocked: dict[str, StockLot],
) -> None:
    patient = make_patient(given_name="Zoë <b>&", family_name="Müller-Łukasz")
    order = make_course(patient)
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=order.doses.get(number=1).pk,
        prep_started_at=FROZEN_NOW,
    )
    services.compounding_verify(actor=actor_for(paul, clinic), record_id=record.pk)
    label = client_for(paul).get(reverse("pharmacy:label_pdf", args=[record.pk])).content
    worksheet = client_for(paul).get(reverse("pharmacy:worksheet_pdf", args=[record.pk])).content
    assert "MÜLLER-ŁUKASZ, Zoë <b>&" in pdf_text(label)
    assert "MÜLLER-ŁUKASZ, Zoë <b>&" in pdf_text(worksheet)
