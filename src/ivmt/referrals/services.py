"""Writes of the referrals app: directory entries, referrals and their statuses, reminders.

A directory entry is edited only by its owner clinic; sharing needs ``directory.share`` (the
manager). A referral moves sent → appointment made → seen, or to declined; seen and declined
are final. A referral with no change for 30 days is overdue: the dashboard lists it, and the
``referral_reminders`` command marks each such referral reminded (once every 30 days) so that
a person follows it up.

Lock order: patient → referral.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ivmt.billing.text import clean_prose, clean_text
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient
from ivmt.referrals.models import DirectoryEntry, Referral, ReferralEvent

QUIET_DAYS = 30
TEXT_FIELDS = {
    "name": ("The name", 120, True),
    "organisation": ("The organisation", 120, False),
    "address": ("The address", 200, False),
    "city": ("The city", 80, True),
    "state": ("The state", 40, False),
    "postal_code": ("The postal code", 12, False),
    "compounds": ("What they compound or offer", 300, False),
}
ENTRY_FIELDS = (*TEXT_FIELDS, "kind", "phone", "email", "website", "offers_ivmt", "shared")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{2,38}")


def _audit(
    actor: Actor, action: str, obj: Any, patient_id: int | None = None, detail: str = ""
) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        ip=actor.ip,
        detail=detail,
    )


def _clean_entry(actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be set here: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {}
    for field, (label, length, required) in TEXT_FIELDS.items():
        cleaned[field] = clean_text(
            str(values.get(field) or ""), label, max_length=length, required=required
        )
    phone = str(values.get("phone") or "").strip()
    if phone and not _PHONE.fullmatch(phone):
        raise ValidationError("Write the phone number with digits, spaces and + ( ) - only.")
    cleaned["phone"] = phone
    kind = values.get("kind")
    if kind not in DirectoryEntry.Kind.values:
        raise ValidationError("Choose a compounding pharmacy, a prescriber or a nutritionist.")
    cleaned["kind"] = kind
    email = str(values.get("email") or "").strip()
    if email:
        EmailValidator(message="Enter a valid e-mail address.")(email)
    cleaned["email"] = email
    website = str(values.get("website") or "").strip()
    if website:
        URLValidator(schemes=["https", "http"], message="Enter a web address starting https://.")(
            website
        )
    cleaned["website"] = website
    cleaned["offers_ivmt"] = bool(values.get("offers_ivmt"))
    shared = bool(values.get("shared"))
    if shared and not actor.may("directory.share"):
        raise PermissionDenied("Only the clinic's manager shares entries with other clinics.")
    cleaned["shared"] = shared
    return cleaned


def directory_entry_create(
    *, actor: Actor, values: dict[str, Any], represents_clinic: bool = False
) -> DirectoryEntry:
    actor.require("directory.share" if represents_clinic else "directory.manage")
    cleaned = _clean_entry(actor, values)
    with transaction.atomic():
        if (
            represents_clinic
            and DirectoryEntry.objects.filter(clinic=actor.clinic, represents_clinic=True).exists()
        ):
            raise ValidationError("The clinic already has its own entry: edit it.")
        entry = DirectoryEntry.objects.create(
            clinic=actor.clinic,
            represents_clinic=represents_clinic,
            updated_by=actor.user,
            **cleaned,
        )
        _audit(actor, "directory.create", entry, detail=f"{entry.kind}; shared {entry.shared}")
    return entry


def directory_entry_update(
    *, actor: Actor, entry_id: int, expected_version: int, values: dict[str, Any]
) -> DirectoryEntry:
    """Change an entry of the actor's own clinic; another clinic's entry is refused."""
    actor.require("directory.manage")
    cleaned = _clean_entry(actor, values)
    with transaction.atomic():
        entry = (
            DirectoryEntry.objects.select_for_update()
            .filter(clinic=actor.clinic, pk=entry_id)
            .first()
        )
        if entry is None:
            raise PermissionDenied("Only the clinic that added an entry changes it.")
        if entry.represents_clinic:
            actor.require("directory.share")
        if entry.shared and not cleaned["shared"] and not actor.may("directory.share"):
            cleaned["shared"] = True  # only the manager stops sharing
        if entry.version != expected_version:
            raise EditConflict(
                "Someone else changed this entry after you opened it. Nothing was saved: "
                "reload to see their changes."
            )
        changed = sorted(f for f, v in cleaned.items() if getattr(entry, f) != v)
        for field in changed:
            setattr(entry, field, cleaned[field])
        entry.version += 1
        entry.updated_by = actor.user
        entry.save()
        _audit(actor, "directory.update", entry, detail="fields: " + ", ".join(changed))
    return entry


def _offered_at_intake(patient: Patient) -> bool:
    from ivmt.screening.models import Intake

    return Intake.objects.filter(
        patient=patient, nutritionist_referral__in=("offered", "accepted")
    ).exists()


def referral_create(
    *, actor: Actor, patient: Patient, nutritionist_id: int, question: str = ""
) -> Referral:
    """Refer the patient to a nutritionist of the directory (own clinic's or shared).

    Raises ValidationError when the nutritionist is not one the clinic can see, the question is
    too long or hostile, or the patient already has an open referral.
    """
    actor.require("referrals.manage", patient_id=patient.pk)
    if patient.clinic_id != actor.clinic.pk:
        raise PermissionDenied("This patient is not in your clinic.")
    question = clean_prose(question, "The question", max_length=1000)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        nutritionist = DirectoryEntry.objects.filter(
            Q(clinic=actor.clinic) | Q(shared=True),
            pk=nutritionist_id,
            kind=DirectoryEntry.Kind.NUTRITIONIST,
        ).first()
        if nutritionist is None:
            raise ValidationError("Choose a nutritionist from the directory.")
        if Referral.objects.filter(
            clinic=actor.clinic, patient=locked, status__in=Referral.OPEN
        ).exists():
            raise ValidationError(
                "This patient already has an open nutritionist referral: update its status."
            )
        now = timezone.now()
        referral = Referral.objects.create(
            clinic=actor.clinic,
            patient=locked,
            nutritionist=nutritionist,
            question=question,
            offered_at_intake=_offered_at_intake(locked),
            created_by=actor.user,
            created_at=now,
            status_changed_at=now,
        )
        ReferralEvent.objects.create(
            clinic=actor.clinic, referral=referral, status=referral.status, at=now, by=actor.user
        )
        _audit(actor, "referral.create", referral, locked.pk)
    return referral


def referral_update_status(
    *,
    actor: Actor,
    referral_id: int,
    expected_version: int,
    status: str,
    appointment_on: date | None = None,
) -> Referral:
    """Move a referral on. Raises ValidationError for a move not allowed from its status, an
    appointment without a date (or one more than a year away or back), or EditConflict."""
    actor.require("referrals.manage")
    if status not in Referral.Status.values:
        raise ValidationError("Choose a status from the list.")
    today = timezone.localdate(timezone=actor.clinic.zone)
    if status == Referral.Status.APPOINTMENT_MADE:
        if appointment_on is None:
            raise ValidationError({"appointment_on": "Give the appointment's date."})
        if abs((appointment_on - today).days) > 366:
            raise ValidationError(
                {"appointment_on": "The date is more than a year away: check it."}
            )
    else:
        appointment_on = None
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update().filter(clinic=actor.clinic, pk=referral_id).first()
        )
        if referral is None:
            raise PermissionDenied("This referral is not in your clinic.")
        if referral.version != expected_version:
            raise EditConflict(
                "Someone else updated this referral after you opened it. Nothing was saved: "
                "reload to see the change."
            )
        if status not in Referral.MOVES[referral.status]:
            raise ValidationError(
                f"A referral that is '{referral.get_status_display()}' cannot become "
                f"'{Referral.Status(status).label}'."
            )
        now = timezone.now()
        referral.status = status
        if appointment_on is not None:
            referral.appointment_on = appointment_on
        referral.status_changed_at = now
        referral.version += 1
        referral.save()
        ReferralEvent.objects.create(
            clinic=actor.clinic,
            referral=referral,
            status=status,
            appointment_on=appointment_on,
            at=now,
            by=actor.user,
        )
        _audit(actor, "referral.status", referral, referral.patient_id, detail=status)
    return referral


def quiet_since(now: datetime) -> datetime:
    return now - timedelta(days=QUIET_DAYS)


def referral_reminders_mark(*, now: datetime | None = None) -> dict[int, int]:
    """Mark every overdue open referral reminded (at most once per 30 days); returns the count
    per clinic id. Run daily by ``manage.py referral_reminders`` (no actor: a system job, each
    reminder is an audit row without a user)."""
    now = now or timezone.now()
    cutoff = quiet_since(now)
    counts: dict[int, int] = {}
    with transaction.atomic():
        due = list(
            Referral.objects.select_for_update()
            .filter(status__in=Referral.OPEN, status_changed_at__lte=cutoff)
            .exclude(reminded_at__gt=cutoff)
            .order_by("id")
        )
        for referral in due:
            referral.reminded_at = now
            referral.save(update_fields=["reminded_at"])
            ReferralEvent.objects.create(
                clinic_id=referral.clinic_id,
                referral=referral,
                status=referral.status,
                at=now,
                by=None,
                reminder=True,
            )
            audit_record(
                user=None,
                username="system",
                clinic_id=referral.clinic_id,
                action="referral.reminder",
                patient_id=referral.patient_id,
                object_type="referral",
                object_id=referral.pk,
                detail=f"no change for {QUIET_DAYS}+ days",
            )
            counts[referral.clinic_id] = counts.get(referral.clinic_id, 0) + 1
    return counts
