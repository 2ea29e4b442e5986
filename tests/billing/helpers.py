"""Reaching a patient whose consent and waiver are signed, with the billing services only.

For every test that signs a new course (orders, pharmacy, infusion tests): the orders service
refuses a new course without them (``ivmt.billing.selectors.consent_gate``)::

    from tests.billing.helpers import sign_consents

    sign_consents(patient, clinic=clinic)

It publishes the standard wording once per clinic (as a manager made for the purpose when the
clinic has none), then has the front desk witness the patient's signature of both documents.
"""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

from ivmt.accounts.models import Clinic, Membership, User
from ivmt.billing import services
from ivmt.billing.documents import STANDARD
from ivmt.billing.models import DocumentKind, DocumentTemplate, SignedDocument
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients.models import Patient


def signature_data_url(width: int = 600, height: int = 200, *, ink: bool = True) -> str:
    """A PNG data URL like the signature pad sends: a transparent pad with a drawn stroke."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line(
            [(30, 150), (120, 40), (200, 160), (300, 50), (420, 150), (560, 60)],
            fill=(16, 36, 62, 255),
            width=4,
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _member(clinic: Clinic, role: Role, username: str) -> User:
    membership = Membership.objects.filter(clinic=clinic, role=role).select_related("user").first()
    if membership is not None:
        return membership.user
    user = User.objects.filter(username=username).first() or User.objects.create(
        username=username, first_name=username.capitalize(), last_name="Helper"
    )
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return user


def actor(user: User, clinic: Clinic) -> Actor:
    membership = Membership.objects.get(user=user, clinic=clinic)
    return Actor(user=user, clinic=clinic, role=Role(membership.role), ip="127.0.0.1")


def publish_standard(clinic: Clinic, *, manager: User | None = None) -> dict[str, DocumentTemplate]:
    """Publish the standard consent and waiver for ``clinic`` unless it has published them."""
    manager = manager or _member(clinic, Role.MANAGER, f"billing-manager-{clinic.pk}")
    published = {}
    for kind in DocumentKind.values:
        current = (
            DocumentTemplate.objects.filter(clinic=clinic, kind=kind).order_by("-version").first()
        )
        if current is None:
            title, body = STANDARD[DocumentKind(kind)]
            current = services.document_template_publish(
                actor=actor(manager, clinic), kind=kind, title=title, body=body
            )
        published[kind] = current
    return published


def sign_consents(
    patient: Patient, *, clinic: Clinic, witness: User | None = None, kinds: tuple[str, ...] = ()
) -> list[SignedDocument]:
    """The patient signs the current consent and waiver (or only ``kinds``), witnessed by the
    front desk (``witness``, or a front-desk member of the clinic)."""
    templates = publish_standard(clinic)
    witness = witness or _member(clinic, Role.FRONT_DESK, f"billing-desk-{clinic.pk}")
    return [
        services.document_sign(
            actor=actor(witness, clinic),
            patient=patient,
            template_id=templates[kind].pk,
            signer_name=patient.full_name,
            signer="patient",
            signature_data_url=signature_data_url(),
            witnessed=True,
        )
        for kind in (kinds or tuple(DocumentKind.values))
    ]
