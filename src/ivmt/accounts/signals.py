"""Sign-in events enter the audit trail (the username tried, never the password)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ivmt.accounts.models import Membership
from ivmt.core.access import client_ip
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent


def _home_clinic(user_id: int | None = None, username: str = "") -> int | None:
    """The clinic whose manager should see this sign-in event: the user's only clinic, if one."""
    memberships = Membership.objects.filter(is_active=True)
    if user_id is not None:
        memberships = memberships.filter(user_id=user_id)
    elif username:
        memberships = memberships.filter(user__username=username)
    else:
        return None
    clinics = list(memberships.values_list("clinic_id", flat=True)[:2])
    return clinics[0] if len(clinics) == 1 else None


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
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        user=None,
        username=username,
        clinic_id=_home_clinic(username=username),
        action="login",
        outcome=AuditEvent.Outcome.DENIED,
        ip=client_ip(request) if request else None,
    )
