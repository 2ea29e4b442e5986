"""Demo consents, waivers and the price list (``ivmt.demo.EXTENSIONS``, before the pharmacy's
demo, whose courses need them).

Through the same services the pages use: Manager Morgan sets the price list (compounding
$35, infusion $95 for the first hour, $30 per additional hour, push $60, office visit $120 as
99213; the ingredient cost of a seed-recipe bag comes from the pharmacy's stock prices, about
$20 — inside the seed article's $5–25) and a prepaid loading series; publishes the consent
(version 1) and the waiver; Front-desk Fran witnesses every patient signing both — except demo
patient 17 (index 16, who has Dr Diaz's unsigned draft), who has signed nothing. After the
pharmacy's demo, ``publish_second_version`` publishes consent version 2 (adds low potassium to
the risks, from the migraine article) and every patient signs it — except index 16 and index 12
(the pharmacy demo's first course, with a dose this week), who still has to re-sign at the
next visit. Both show on Fran's dashboard.
"""

from __future__ import annotations

import base64
import io
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from ivmt.billing import services
from ivmt.billing.documents import CONSENT_BODY, CONSENT_TITLE, WAIVER_BODY, WAIVER_TITLE
from ivmt.billing.models import DocumentTemplate, SignedDocument
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients.models import Patient

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

UNSIGNED_INDEX = 16
RESIGN_INDEX = 12  # the pharmacy demo's first course: a dose this week
CONSENT_V1 = CONSENT_BODY.replace("- low potassium;\n", "")


def drawn_signature(rng: random.Random) -> str:
    """A signature-like stroke, as the tablet's pad would send it (PNG data URL)."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, y = 40, rng.randint(90, 130)
    points = [(x, y)]
    while x < 540:
        x += rng.randint(18, 45)
        y = max(30, min(170, y + rng.randint(-60, 60)))
        points.append((x, y))
    draw.line(points, fill=(16, 36, 62, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _sign(fran: Actor, patient: Patient, template: DocumentTemplate, rng: random.Random) -> None:
    services.document_sign(
        actor=fran,
        patient=patient,
        template_id=template.pk,
        signer_name=patient.full_name,
        signer="patient",
        signature_data_url=drawn_signature(rng),
        witnessed=True,
    )


def load(ctx: DemoContext) -> None:
    if DocumentTemplate.objects.filter(clinic=ctx.clinic).exists():
        return
    morgan = Actor(user=ctx.users["morgan"], clinic=ctx.clinic, role=Role.MANAGER)
    fran = Actor(user=ctx.users["fran"], clinic=ctx.clinic, role=Role.FRONT_DESK)
    rng = random.Random(9)  # noqa: S311  # demo signatures, not security
    settings = services.billing_settings_update(
        actor=morgan,
        expected_version=1,
        values={
            "compounding_fee": Decimal("35.00"),
            "infusion_fee": Decimal("95.00"),
            "additional_hour_fee": Decimal("30.00"),
            "push_fee": Decimal("60.00"),
            "office_visit_fee": Decimal("120.00"),
            "office_visit_code": "99213",
            "billing_name": "Riverside Integrative Medicine LLC",
            "npi": "1234567893",
            "tax_id": "12-3456789",
            "place_of_service": "11",
            "waiver_required": True,
        },
    )
    assert settings.npi  # noqa: S101  # the demo's own values
    services.provider_npi_set(actor=morgan, user_id=ctx.users["diaz"].pk, npi="1245319599")
    services.package_create(
        actor=morgan, name="Loading series (8 infusions)", infusions=8, price=Decimal("900.00")
    )
    consent_v1 = services.document_template_publish(
        actor=morgan, kind="consent", title=CONSENT_TITLE, body=CONSENT_V1
    )
    waiver = services.document_template_publish(
        actor=morgan, kind="waiver", title=WAIVER_TITLE, body=WAIVER_BODY
    )
    for index, patient in enumerate(ctx.patients):
        if index == UNSIGNED_INDEX:
            continue
        _sign(fran, patient, consent_v1, rng)
        _sign(fran, patient, waiver, rng)


def publish_second_version(ctx: DemoContext) -> None:
    """Consent version 2, signed by every patient of the clinic but two (called by
    ``demo_charges``, after the pharmacy's demo has signed its courses under version 1)."""
    morgan = Actor(user=ctx.users["morgan"], clinic=ctx.clinic, role=Role.MANAGER)
    fran = Actor(user=ctx.users["fran"], clinic=ctx.clinic, role=Role.FRONT_DESK)
    rng = random.Random(10)  # noqa: S311  # demo signatures, not security
    consent_v2 = services.document_template_publish(
        actor=morgan, kind="consent", title=CONSENT_TITLE, body=CONSENT_BODY
    )
    waiver = DocumentTemplate.objects.get(clinic=ctx.clinic, kind="waiver")
    skipped = {ctx.patients[UNSIGNED_INDEX].pk, ctx.patients[RESIGN_INDEX].pk}
    signed_waiver = set(
        SignedDocument.objects.filter(clinic=ctx.clinic, kind="waiver").values_list(
            "patient_id", flat=True
        )
    )
    for patient in Patient.objects.filter(clinic=ctx.clinic).exclude(pk__in=skipped):
        if patient.pk not in signed_waiver:  # patients other demos registered since
            _sign(fran, patient, waiver, rng)
        _sign(fran, patient, consent_v2, rng)
