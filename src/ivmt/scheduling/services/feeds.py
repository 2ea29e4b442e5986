"""Patients' calendar feeds: a subscribable address per patient, behind a random token.

The token (256 bits, URL-safe) is shown once, when the feed is made; only its SHA-256 is
stored. Making a new feed revokes the old one; revoking ends it at once (the address then
answers 404, like any unknown token).
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.patients.models import Patient
from ivmt.scheduling.models import CalendarFeed

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _patient(actor: Actor, patient_id: int) -> Patient:
    patient = Patient.objects.select_for_update().filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        raise PermissionDenied("That patient is not in your clinic.")
    return patient


def _revoke_live(actor: Actor, patient: Patient) -> int:
    revoked = 0
    for feed in CalendarFeed.objects.select_for_update().filter(
        patient=patient, revoked_at__isnull=True
    ):
        feed.revoked_at = timezone.now()
        feed.revoked_by = actor.user
        feed.save(update_fields=["revoked_at", "revoked_by"])
        revoked += 1
    return revoked


def calendar_feed_create(*, actor: Actor, patient_id: int) -> str:
    """Make the patient's feed (revoking any earlier one); returns the token, shown once."""
    actor.require("scheduling.book", patient_id=patient_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        patient = _patient(actor, patient_id)
        _revoke_live(actor, patient)
        feed = CalendarFeed.objects.create(
            clinic=actor.clinic,
            patient=patient,
            token_hash=token_hash(token),
            created_by=actor.user,
        )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="calendar.feed_create",
            patient_id=patient.pk,
            object_type="calendarfeed",
            object_id=feed.pk,
            ip=actor.ip,
        )
    return token


def calendar_feed_revoke(*, actor: Actor, patient_id: int) -> int:
    """Revoke the patient's feed; returns how many were live (0 or 1)."""
    actor.require("scheduling.book", patient_id=patient_id)
    with transaction.atomic():
        patient = _patient(actor, patient_id)
        revoked = _revoke_live(actor, patient)
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="calendar.feed_revoke",
            patient_id=patient.pk,
            object_type="patient",
            object_id=patient.pk,
            ip=actor.ip,
            detail=f"{revoked} revoked",
        )
    return revoked
