"""Sign-in events enter the audit trail (the username tried, never the password)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ivmt.core.access import client_ip
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        user=user, clinic_id=None, action="login", ip=client_ip(request) if request else None
    )


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            user=user, clinic_id=None, action="logout", ip=client_ip(request) if request else None
        )


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        user=None,
        username=str(credentials.get("username", ""))[:150],
        clinic_id=None,
        action="login",
        outcome=AuditEvent.Outcome.DENIED,
        ip=client_ip(request) if request else None,
    )
