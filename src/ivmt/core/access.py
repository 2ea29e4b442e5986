"""The acting person (user + clinic + role) and the view guard that checks the policy table.

Views are wrapped in ``@requires("capability")``; services receive the ``Actor`` and call
``actor.require(...)`` again, so that a command or a future API that bypasses the views is
still checked. Every refusal is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.core.policy import role_may
from ivmt.core.roles import Role

if TYPE_CHECKING:
    from ivmt.accounts.models import Clinic, User

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def client_ip(request: HttpRequest) -> str | None:
    # No proxy headers are trusted: a deployment behind a proxy sets REMOTE_ADDR there.
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Actor:
    user: User
    clinic: Clinic
    role: Role
    is_medical_director: bool = False
    ip: str | None = None

    def may(self, capability: str) -> bool:
        return role_may(self.role, capability)

    def require(self, capability: str, *, patient_id: int | None = None) -> None:
        """Raise PermissionDenied (and audit the refusal) unless the role holds ``capability``."""
        if not self.may(capability):
            audit_record(
                user=self.user,
                clinic_id=self.clinic.pk,
                action=capability,
                patient_id=patient_id,
                outcome=AuditEvent.Outcome.DENIED,
                ip=self.ip,
                detail=f"role {self.role} lacks {capability}",
            )
            raise PermissionDenied(f"Your role ({self.role.label}) may not do this.")


def actor_from_request(request: HttpRequest) -> Actor:
    membership = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied("Choose a clinic first.")
    return Actor(
        user=cast("User", request.user),
        clinic=membership.clinic,
        role=Role(membership.role),
        is_medical_director=membership.is_medical_director,
        ip=client_ip(request),
    )


def requires(capability: str) -> Callable[[ViewFunc], ViewFunc]:
    """Guard a view: signed-in, a current clinic, and a role that holds ``capability``."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "membership", None) is None:
                return redirect("accounts:choose_clinic")
            actor_from_request(request).require(capability)
            return view(request, *args, **kwargs)

        guarded.capability = capability  # type: ignore[attr-defined]  # read by the access matrix test
        return cast(ViewFunc, guarded)

    return decorate


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view that anyone may open (sign-in pages); the access matrix test skips it."""
    view.capability = None  # type: ignore[attr-defined]  # read by the access matrix test
    return view


def signed_in(view: ViewFunc) -> ViewFunc:
    """Mark a view for any signed-in user, with or without a clinic (clinic chooser, 2FA)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    guarded.capability = "signed_in"  # type: ignore[attr-defined]  # read by the access matrix test
    return cast(ViewFunc, guarded)
