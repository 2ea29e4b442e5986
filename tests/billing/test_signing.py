"""Signing the consent and waiver at the front desk: stored with the exact version, a PDF copy
with the signature image, and every kind of bad input refused with nothing written."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from tests.billing.helpers import publish_standard, sign_consents, signature_data_url
from tests.conftest import actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.billing.models import DocumentTemplate, SignedDocument
from ivmt.core.models import AuditEvent
from ivmt.patients.models import Patient


def form(template: DocumentTemplate, patient: Patient, **changes: Any) -> dict[str, Any]:
    values = {
        "template_id": template.pk,
        "signer": "patient",
        "signer_name": patient.full_name,
        "signature": signature_data_url(),
        "witnessed": "on",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def png_url(image: Image.Image, fmt: str = "PNG") -> str:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_the_front_desk_signs_and_the_exact_version_is_stored(
    client_for: Callable[[User], Client], fran: User, clinic: Clinic, patient: Patient
) -> None:
    templates = publish_standard(clinic)
    client = client_for(fran)
    page = client.get(reverse("billing:sign_consent", args=[patient.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "It is not approved by the FDA" in body and "experimental" in body
    assert "My right to stop" in body and 'data-signature-pad="id_signature"' in body
    assert "ivmt/signature.js" in body and "<script>" not in body  # CSP: no inline script
    response = client.post(
        reverse("billing:sign_consent", args=[patient.pk]), form(templates["consent"], patient)
    )
    assert response.status_code == 302
    signed = SignedDocument.objects.get()
    assert (signed.kind, signed.template_id, signed.template_version) == (
        "consent",
        templates["consent"].pk,
        1,
    )
    assert signed.witnessed_by == fran and signed.signer_name == patient.full_name
    assert bytes(signed.signature_png).startswith(b"\x89PNG")
    event = AuditEvent.objects.filter(action="billing.document_sign").get()
    assert event.patient_id == patient.pk and patient.family_name not in event.detail


def test_the_pdf_copy_has_the_wording_the_name_the_time_the_witness_and_the_signature(
    client_for: Callable[[User], Client], fran: User, clinic: Clinic, patient: Patient
) -> None:
    document = sign_consents(patient, clinic=clinic, witness=fran)[0]
    response = client_for(fran).get(reverse("billing:document_pdf", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for expected in (
        "Consent to intravenous micronutrient therapy (IVMT)",
        "Version 1",
        "IVMT is experimental",
        "may refuse or stop the treatment at any time",
        "PATEL, Pat",
        "Signed by the patient: Pat Patel",
        "Date and time: 2026-11-23 08:00",
        "Witnessed by: Fran Test",
    ):
        assert expected in text, expected
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    assert images[0].image is not None and images[0].image.size == (600, 200)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"signature": ""}, "Sign in the box"),
        ({"signature": None}, "Sign in the box"),
        ({"signature": "data:image/svg+xml;base64,PHN2Zz4="}, "must be drawn in the box"),
        ({"signature": "data:image/png;base64,@@@@"}, "could not be read"),
        (
            {"signature": "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()},
            "must be drawn in the box",
        ),
        (
            {
                "signature": "data:image/png;base64,"
                + base64.b64encode(b"\x89PNG\r\n\x1a\nxx").decode()
            },
            "could not be read",
        ),
        ({"signature": signature_data_url(ink=False)}, "box is empty"),
        ({"signature": signature_data_url(width=50, height=20)}, "between 200×80"),
        ({"signature": signature_data_url(width=3000, height=900)}, "between 200×80"),
        ({"signature": "data:image/png;base64," + "A" * 500_000}, "too large"),
        ({"signer_name": ""}, "required"),
        ({"signer_name": "Someone Else"}, "must be the patient"),
        (
            {"signer": "representative", "signer_name": "<script>alert(1)</script>"},
            "cannot contain &lt; or &gt;",
        ),
        (
            {"signer": "representative", "signer_name": '=HYPERLINK("http://x")'},
            "cannot start with =",
        ),
        ({"signer": "representative", "signer_name": "Ann\u202eTest"}, "control characters"),
        ({"signer": "nobody"}, "Select a valid choice"),
        ({"witnessed": None}, "Confirm that you witnessed"),
        ({"template_id": "abc"}, "Enter a whole number"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_signed(
    client_for: Callable[[User], Client],
    fran: User,
    clinic: Clinic,
    patient: Patient,
    changes: dict[str, Any],
    message: str,
) -> None:
    templates = publish_standard(clinic)
    response = client_for(fran).post(
        reverse("billing:sign_waiver", args=[patient.pk]),
        form(templates["waiver"], patient, **changes),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SignedDocument.objects.exists()


def test_a_jpeg_or_a_png_with_a_trailing_payload_is_re_encoded_or_refused(
    fran: User, clinic: Clinic, patient: Patient
) -> None:
    templates = publish_standard(clinic)
    image = Image.open(io.BytesIO(base64.b64decode(signature_data_url().split(",")[1])))
    jpeg = png_url(image.convert("RGB"), "JPEG")
    with pytest.raises(Exception, match="must be drawn in the box"):
        services.document_sign(
            actor=actor_for(fran, clinic),
            patient=patient,
            template_id=templates["waiver"].pk,
            signer_name=patient.full_name,
            signer="patient",
            signature_data_url=jpeg,
            witnessed=True,
        )
    payload = signature_data_url() + base64.b64encode(b"<script>evil()</script>").decode()
    raw = base64.b64decode(signature_data_url().split(",")[1]) + b"<script>evil()</script>"
    payload = "data:image/png;base64," + base64.b64encode(raw).decode()
    document = services.document_sign(
        actor=actor_for(fran, clinic),
        patient=patient,
        template_id=templates["waiver"].pk,
        signer_name=patient.full_name,
        signer="patient",
        signature_data_url=payload,
        witnessed=True,
    )
    assert b"evil" not in bytes(document.signature_png)


def test_a_version_published_while_signing_is_a_conflict(
    client_for: Callable[[User], Client],
    fran: User,
    morgan: User,
    clinic: Clinic,
    patient: Patient,
) -> None:
    templates = publish_standard(clinic)
    services.document_template_publish(
        actor=actor_for(morgan, clinic),
        kind="waiver",
        title="Financial waiver",
        body="A new wording of the waiver, long enough to count as one.",
    )
    response = client_for(fran).post(
        reverse("billing:sign_waiver", args=[patient.pk]), form(templates["waiver"], patient)
    )
    assert response.status_code == 409
    assert "A new version of this document was published" in response.content.decode()
    assert not SignedDocument.objects.exists()


def test_a_representative_signs_under_their_own_name(
    fran: User, clinic: Clinic, patient: Patient
) -> None:
    templates = publish_standard(clinic)
    document = services.document_sign(
        actor=actor_for(fran, clinic),
        patient=patient,
        template_id=templates["consent"].pk,
        signer_name="Maria Patel",
        signer="representative",
        signature_data_url=signature_data_url(),
        witnessed=True,
    )
    assert document.signer == "representative"


def test_signing_before_anything_is_published_sends_back_with_the_reason(
    client_for: Callable[[User], Client], fran: User, patient: Patient
) -> None:
    response = client_for(fran).get(reverse("billing:sign_consent", args=[patient.pk]), follow=True)
    assert "has not published a treatment consent yet" in response.content.decode()


@pytest.mark.parametrize("role_user", ["priya", "morgan"])
def test_pharmacists_and_the_manager_cannot_sign_for_a_patient(
    client_for: Callable[[User], Client],
    clinic: Clinic,
    patient: Patient,
    role_user: str,
    request: pytest.FixtureRequest,
) -> None:
    templates = publish_standard(clinic)
    user = request.getfixturevalue(role_user)
    response = client_for(user).post(
        reverse("billing:sign_consent", args=[patient.pk]), form(templates["consent"], patient)
    )
    assert response.status_code == 403
    assert not SignedDocument.objects.exists()


def test_a_patients_documents_are_invisible_to_other_clinics(
    client_for: Callable[[User], Client],
    lena: User,
    fran: User,
    clinic: Clinic,
    other_clinic: Clinic,
    patient: Patient,
) -> None:
    document = sign_consents(patient, clinic=clinic, witness=fran)[0]
    client = client_for(lena)
    for name, arg in (
        ("billing:document_pdf", document.pk),
        ("billing:document", document.pk),
        ("billing:consents", patient.pk),
        ("billing:sign_consent", patient.pk),
    ):
        assert client.get(reverse(name, args=[arg])).status_code == 404, name
    assert client.post(reverse("billing:document_withdraw", args=[document.pk])).status_code == 404
    templates = publish_standard(other_clinic)
    assert (
        client.post(
            reverse("billing:sign_consent", args=[patient.pk]), form(templates["consent"], patient)
        ).status_code
        == 404
    )
    denied = AuditEvent.objects.filter(user=lena, outcome="denied")
    assert denied.filter(action="billing.document_view", object_id=str(document.pk)).exists()
    assert SignedDocument.objects.filter(clinic=other_clinic).count() == 0
    document.refresh_from_db()
    assert document.withdrawn_at is None


def test_the_consents_page_shows_what_blocks_a_course(
    client_for: Callable[[User], Client], nadia: User, clinic: Clinic, patient: Patient
) -> None:
    sign_consents(patient, clinic=clinic, kinds=("consent",))
    body = client_for(nadia).get(reverse("billing:consents", args=[patient.pk])).content.decode()
    assert "A course cannot start yet. The financial-responsibility waiver is not signed" in body
    assert "Sign the financial-responsibility waiver" in body
