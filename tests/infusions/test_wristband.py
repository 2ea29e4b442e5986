"""The wristband: a random code (not the MRN) printed as a Code 128 barcode that scans back to
it; replacing a lost band makes the old code stop identifying the patient."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import zxingcpp
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from ivmt.accounts.models import User
from ivmt.core.models import AuditEvent
from ivmt.infusions.models import Wristband
from ivmt.patients.models import Patient


def test_the_front_desk_makes_prints_and_replaces_a_wristband(
    patient: Patient, fran: User, client_for: Callable[[User], Client], tmp_path: Path
) -> None:
    client = client_for(fran)
    url = reverse("infusions:wristband", args=[patient.pk])
    assert "Make the wristband" in client.get(url).content.decode()
    assert client.get(reverse("infusions:wristband_pdf", args=[patient.pk])).status_code == 302
    assert client.post(url, {"replace_reason": ""}).status_code == 302
    band = Wristband.objects.get(patient=patient)
    assert band.code != patient.mrn and len(band.code) == 16
    response = client.get(reverse("infusions:wristband_pdf", args=[patient.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "PATEL, Pat" in text and f"MRN {patient.mrn}" in text and band.code in text
    source = tmp_path / "band.pdf"
    source.write_bytes(response.content)
    subprocess.run(  # noqa: S603  # fixed arguments, our own file
        ["/usr/bin/pdftoppm", "-r", "300", "-png", "-singlefile", str(source), str(tmp_path / "b")],
        check=True,
    )
    assert [b.text for b in zxingcpp.read_barcodes(Image.open(tmp_path / "b.png"))] == [band.code]
    # A second band needs a reason; the old code is revoked.
    assert client.post(url, {"replace_reason": ""}).status_code == 400
    assert client.post(url, {"replace_reason": "lost in the car park"}).status_code == 302
    old, new = Wristband.objects.filter(patient=patient).order_by("issued_at", "id")
    assert old.revoked_at is not None and old.revoke_reason == "lost in the car park"
    assert new.revoked_at is None and new.code != old.code
    assert AuditEvent.objects.filter(action="wristband.issue").count() == 2


def test_wristbands_of_another_clinic_and_by_pharmacists_are_refused(
    patient: Patient, lena: User, priya: User, client_for: Callable[[User], Client]
) -> None:
    url = reverse("infusions:wristband", args=[patient.pk])
    assert client_for(lena).post(url, {"replace_reason": ""}).status_code == 404
    assert client_for(priya).post(url, {"replace_reason": ""}).status_code == 403
    assert not Wristband.objects.exists()
