"""Per-request clinic selection, the idle time-out and enforced two-factor sign-in."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from ivmt.accounts.models import Membership
from ivmt.core.access import client_ip
from ivmt.core.audit import audit_record
from ivmt.core.roles import STAFF_ROLES

SESSION_CLINIC = "ivmt_clinic_id"
SESSION_LAST_SEEN = "ivmt_last_seen"
DEFAULT_IDLE_MINUTES = 15
# Requests a page makes by itself (htmx polling of a board) must not keep a session alive.
BACKGROUND_HEADER = "HTTP_X_IVMT_BACKGROUND"


class ClinicMiddleware:
    """Set ``request.membership`` to the user's role in the clinic they are working in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            chosen = request.session.get(SESSION_CLINIC)
            active = Membership.objects.filter(user=request.user, is_active=True).select_related(
                "clinic"
            )
            if chosen is not None:
                request.membership = active.filter(clinic_id=chosen).first()  # type: ignore[attr-defined]
            else:
                only = list(active[:2])
                if len(only) == 1:
                    request.membership = only[0]  # type: ignore[attr-defined]
                    request.session[SESSION_CLINIC] = only[0].clinic_id
        membership = request.membership  # type: ignore[attr-defined]
        # Times are stored in UTC and shown, and typed, in the clinic's own time zone.
        if membership is not None:
            timezone.activate(membership.clinic.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Sign out a session idle for longer than its clinic allows (default 15 minutes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            membership = getattr(request, "membership", None)
            minutes = membership.clinic.idle_timeout_minutes if membership else DEFAULT_IDLE_MINUTES
            now = time.time()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if last_seen is not None and now - float(last_seen) > minutes * 60:
                audit_record(
                    user=request.user,
                    clinic_id=membership.clinic_id if membership else None,
                    action="logout.idle",
                    ip=client_ip(request),
                )
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if not request.META.get(BACKGROUND_HEADER):
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


# Pages a signed-in user who still owes a second factor may open.
TWO_FACTOR_EXEMPT = ("accounts:two_factor_verify", "accounts:two_factor_setup", "accounts:logout")


class TwoFactorRequiredMiddleware:
    """A user with an authenticator must use it; a clinic may require one for all staff."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
            exempt = {reverse(name) for name in TWO_FACTOR_EXEMPT}
            if request.path not in exempt and not request.path.startswith("/static/"):
                from django_otp import user_has_device

                if user_has_device(user, confirmed=True):
                    return redirect("accounts:two_factor_verify")
                membership = getattr(request, "membership", None)
                if (
                    membership is not None
                    and membership.clinic.require_staff_2fa
                    and membership.role in STAFF_ROLES
                ):
                    return redirect("accounts:two_factor_setup")
        return self.get_response(request)
