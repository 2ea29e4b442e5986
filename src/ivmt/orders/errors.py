"""Refusals whose audit row must survive the rollback of the transaction that refused.

A service refuses inside ``transaction.atomic()``; an audit row written there would be rolled
back with everything else, and the refused attempt would leave no trace. A service raises
:class:`AuditedRefusal` instead and wraps its transaction in :func:`audited_refusals`, which
writes the denied row after the rollback and re-raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent


class AuditedRefusal(ValidationError):
    """A ValidationError (shown to the user as is) that also records a denied audit row."""

    def __init__(
        self,
        message: str | dict[str, str],
        *,
        action: str,
        detail: str,
        patient_id: int | None,
        object_type: str,
        object_id: int | str,
    ) -> None:
        super().__init__(message)
        self.audit = {
            "action": action,
            "detail": detail,
            "patient_id": patient_id,
            "object_type": object_type,
            "object_id": object_id,
        }


@contextmanager
def audited_refusals(actor: Actor) -> Iterator[None]:
    """Put outside ``transaction.atomic()``: audits an AuditedRefusal after the rollback."""
    try:
        yield
    except AuditedRefusal as refusal:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            **refusal.audit,  # type: ignore[arg-type]  # the keys match audit_record's
        )
        raise
