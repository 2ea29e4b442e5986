"""Writing and verifying the audit trail.

``audit_record`` is the only way rows enter ``AuditEvent``. It locks the chain head so that
concurrent writers link one after another (PostgreSQL row lock; SQLite's IMMEDIATE
transactions already serialise writers).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ivmt.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def audit_record(
    *,
    user: object | None,
    clinic_id: int | None,
    action: str,
    patient_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = AuditEvent.Outcome.OK,
    ip: str | None = None,
    detail: str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event. ``detail`` is a short, non-clinical note (never free text from a chart)."""
    user_id = getattr(user, "pk", None)
    name = username or getattr(user, "username", "") or ""
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, last_hash=GENESIS)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            at=timezone.now(),
            user_id=user_id,
            username=name[:150],
            clinic_id=clinic_id,
            patient_id=patient_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            ip=ip,
            detail=detail[:255],
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_chain_verify() -> ChainReport:
    """Walk the chain oldest first; report the first row whose link or content is wrong."""
    previous = GENESIS
    checked = 0
    last_id = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous:
            return ChainReport(checked, event.pk, "a row before it was removed or changed")
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.pk, "its content was changed after writing")
        previous = event.hash
        last_id = event.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return ChainReport(checked, last_id, "rows after it were removed")
    return ChainReport(checked, None, "")
