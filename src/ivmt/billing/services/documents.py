"""Publishing consent and waiver versions; signing and withdrawing them.

A template version is never edited: publishing writes version n+1, and every signature keeps a
link to the exact version signed. The signing form carries the template id it showed; if a newer
version was published meanwhile, the signature is refused (the patient must read what they
sign). The witness is the staff member signed in at the tablet, who confirms it on the form.
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.db import transaction
from django.utils import timezone

from ivmt.billing.documents import body_hash
from ivmt.billing.errors import BillingConflict, BillingError
from ivmt.billing.models import DocumentKind, DocumentTemplate, SignedDocument
from ivmt.billing.services._common import audit, own
from ivmt.billing.signature import signature_png
from ivmt.billing.text import clean_text
from ivmt.core.access import Actor
from ivmt.patients.models import Patient

MAX_BODY = 20000


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) < 40:
        raise BillingError("The wording is too short to be a consent or waiver.")
    if len(body) > MAX_BODY:
        raise BillingError(f"The wording is too long (at most {MAX_BODY} characters).")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n" for ch in body):
        raise BillingError("The wording contains invisible control characters.")
    if "<" in body or ">" in body:
        raise BillingError("The wording cannot contain < or > (write plain text).")
    return body


def document_template_publish(
    *, actor: Actor, kind: str, title: str, body: str
) -> DocumentTemplate:
    """Publish the next version of ``kind``. Patients who signed an older version are asked to
    sign again at their next visit, and a new course needs the new version."""
    actor.require("billing.documents")
    if kind not in DocumentKind.values:
        raise BillingError("Choose the treatment consent or the financial waiver.")
    title = clean_text(title, "The title", max_length=120)
    body = _clean_body(body)
    with transaction.atomic():
        latest = (
            DocumentTemplate.objects.select_for_update()
            .filter(clinic=actor.clinic, kind=kind)
            .order_by("-version")
            .first()
        )
        digest = body_hash(title, body)
        if latest is not None and latest.body_sha256 == digest:
            raise BillingError(
                f"This wording is the same as version {latest.version}: nothing to publish."
            )
        template = DocumentTemplate.objects.create(
            clinic=actor.clinic,
            kind=kind,
            version=(latest.version + 1) if latest else 1,
            title=title,
            body=body,
            body_sha256=digest,
            published_by=actor.user,
            published_at=timezone.now(),
        )
        audit(
            actor,
            "billing.template_publish",
            patient_id=None,
            obj=template,
            detail=f"{kind} v{template.version}",
        )
    return template


def _same_name(typed: str, patient: Patient) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(typed) == norm(patient.full_name)


def document_sign(
    *,
    actor: Actor,
    patient: Patient,
    template_id: int,
    signer_name: str,
    signer: str,
    signature_data_url: str,
    witnessed: bool,
) -> SignedDocument:
    """Record the patient's (or representative's) signature of template ``template_id``.

    Raises BillingError for a missing or unreadable signature, a typed name that is not the
    patient's (when the patient signs), no witness confirmation, or BillingConflict when the
    template shown is no longer the current version.
    """
    actor.require("billing.consent_sign", patient_id=patient.pk)
    own(actor, patient.clinic_id)
    if signer not in SignedDocument.Signer.values:
        raise BillingError("Say who signs: the patient or a legal representative.")
    signer_name = " ".join((signer_name or "").split())
    if signer == SignedDocument.Signer.PATIENT and _same_name(signer_name, patient):
        # The patient's own name as registered is accepted as it is (it is escaped wherever
        # it is shown); any other name typed here is new input and checked as such.
        pass
    else:
        signer_name = clean_text(signer_name, "The signer's full name", max_length=120)
    if signer == SignedDocument.Signer.PATIENT and not _same_name(signer_name, patient):
        raise BillingError(
            f"The typed name must be the patient's full name ({patient.full_name}); a legal "
            "representative signs as a representative."
        )
    if not witnessed:
        raise BillingError("Confirm that you witnessed the signature.")
    png = signature_png(signature_data_url)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        template = DocumentTemplate.objects.filter(clinic=actor.clinic, pk=template_id).first()
        if template is None:
            raise BillingError("That document is not one of this clinic's.")
        current = (
            DocumentTemplate.objects.filter(clinic=actor.clinic, kind=template.kind)
            .order_by("-version")
            .first()
        )
        if current is None or current.pk != template.pk:
            raise BillingConflict(
                "A new version of this document was published while it was being signed: "
                "nothing was saved. Read the new version with the patient and sign again."
            )
        document = SignedDocument.objects.create(
            clinic=actor.clinic,
            patient=locked,
            template=template,
            kind=template.kind,
            template_version=template.version,
            signer_name=signer_name,
            signer=signer,
            signature_png=png,
            signature_sha256=hashlib.sha256(png).hexdigest(),
            signed_at=timezone.now(),
            witnessed_by=actor.user,
        )
        audit(
            actor,
            "billing.document_sign",
            patient_id=patient.pk,
            obj=document,
            detail=f"{template.kind} v{template.version}; signer {signer}",
        )
    return document


def document_withdraw(*, actor: Actor, document_id: int) -> SignedDocument:
    """The patient withdraws a signed consent or waiver (their right to stop). The signature
    stays on record; no new course can be signed until they sign again."""
    actor.require("billing.consent_sign")
    with transaction.atomic():
        document = (
            SignedDocument.objects.select_for_update()
            .filter(clinic=actor.clinic, pk=document_id)
            .first()
        )
        if document is None:
            raise BillingError("That signed document is not one of this clinic's.")
        if document.withdrawn_at is not None:
            raise BillingError("This document was already withdrawn.")
        document.withdrawn_at = timezone.now()
        document.withdrawn_by = actor.user
        document.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit(
            actor,
            "billing.document_withdraw",
            patient_id=document.patient_id,
            obj=document,
            detail=f"{document.kind} v{document.template_version}",
        )
    return document
