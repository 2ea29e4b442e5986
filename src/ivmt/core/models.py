"""The clinic-scoped base model and the append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class ClinicScopedModel(models.Model):
    """Every clinical row belongs to exactly one clinic (one clinic is one tenant)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk changes would rewrite history without touching the hash chain: refuse them."""

    def update(self, **kwargs: Any) -> int:
        raise AuditTamperingError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTamperingError("audit events cannot be deleted")


class AuditTamperingError(Exception):
    pass


class AuditEvent(models.Model):
    """One read or change of patient data, a sign-in, or a refused attempt.

    Rows are insert-only. Each row stores the SHA-256 of its own content and of the row
    before it, so that an edited or deleted row breaks the chain (``ivmt audit verify``).
    Messages never hold secrets or clinical free text: only what was done to which object.
    """

    class Outcome(models.TextChoices):
        OK = "ok", "Allowed"
        DENIED = "denied", "Denied"

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    clinic = models.ForeignKey(
        "accounts.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The patient is stored as a plain id: the audit trail outlives any patient row and the
    # core may not import the patients app.
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects: ClassVar[models.Manager[AuditEvent]] = models.Manager.from_queryset(
        AppendOnlyQuerySet
    )()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["clinic", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditTamperingError("audit events cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTamperingError("audit events cannot be deleted")

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable form."""
        return {
            "at": self.at.isoformat(),
            "user": self.user_id,
            "username": self.username,
            "clinic": self.clinic_id,
            "patient": self.patient_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
            "ip": self.ip,
            "detail": self.detail,
        }

    def compute_hash(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256((self.prev_hash + payload).encode()).hexdigest()


class AuditChainHead(models.Model):
    """A single row holding the newest hash: locking it serialises writers of the chain."""

    last_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.last_hash[:12]
