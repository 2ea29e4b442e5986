from __future__ import annotations

from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ivmt.accounts import services
from ivmt.accounts.forms import (
    ClinicSettingsForm,
    ClosedDayForm,
    OpeningHoursForm,
    StaffMemberForm,
    TokenForm,
)
from ivmt.accounts.middleware import SESSION_CLINIC
from ivmt.accounts.models import Membership, OpeningHours, User
from ivmt.core.access import actor_from_request, client_ip, public, requires, signed_in
from ivmt.core.audit import audit_record

login_view = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", redirect_authenticated_user=True
    )
)
logout_view = public(auth_views.LogoutView.as_view())


@signed_in
@require_http_methods(["GET", "POST"])
def choose_clinic(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("clinic")
    if request.method == "POST":
        raw = request.POST.get("clinic", "")
        chosen = memberships.filter(clinic_id=int(raw)).first() if raw.isdigit() else None
        if chosen is None:
            messages.error(request, "You do not work at that clinic.")
            return redirect("accounts:choose_clinic")
        request.session[SESSION_CLINIC] = chosen.clinic_id
        audit_record(
            user=request.user,
            clinic_id=chosen.clinic_id,
            action="clinic.switch",
            ip=client_ip(request),
        )
        messages.success(request, f"You are now working at {chosen.clinic.name}.")
        return redirect("home:dashboard")
    return render(request, "accounts/choose_clinic.html", {"memberships": memberships})


@signed_in
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Pair a TOTP app: show the key as a QR code, confirm with one code, hand out backup codes."""
    user = cast(User, request.user)
    device = TOTPDevice.objects.filter(
        user=user, confirmed=False
    ).first() or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
            static.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(10)]
            for code in codes:
                static.token_set.create(token=code)
            otp_login(request, device)
            audit_record(user=user, clinic_id=None, action="2fa.enrol", ip=client_ip(request))
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error(
            "token", "That code is not right. Check the time on your phone and try again."
        )
    qr = segno.make(device.config_url, micro=False).svg_data_uri(scale=4)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": qr, "secret": device.bin_key.hex()},
    )


@signed_in
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            audit_record(
                user=request.user, clinic_id=None, action="2fa.verify", ip=client_ip(request)
            )
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            return redirect(target or "home:dashboard")
        audit_record(
            user=request.user,
            clinic_id=None,
            action="2fa.verify",
            outcome="denied",
            ip=client_ip(request),
        )
        form.add_error("token", "That code is not right.")
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@requires("clinic.configure")
@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    clinic = actor.clinic
    hours = {h.weekday: h for h in clinic.opening_hours.all()}
    initial: dict[str, object] = {}
    for value, _ in OpeningHours.Weekday.choices:
        h = hours.get(value)
        initial[f"open_{value}"] = h is not None
        initial[f"opens_{value}"] = h.opens if h else None
        initial[f"closes_{value}"] = h.closes if h else None
    settings_form = ClinicSettingsForm(instance=clinic, prefix="clinic")
    hours_form = OpeningHoursForm(initial=initial, prefix="hours")
    closed_form = ClosedDayForm(prefix="closed")
    if request.method == "POST":
        section = request.POST.get("section")
        try:
            if section == "clinic":
                settings_form = ClinicSettingsForm(request.POST, instance=clinic, prefix="clinic")
                # The ModelForm writes into the instance while validating: keep a fresh copy.
                if settings_form.is_valid():
                    fresh = type(clinic).objects.get(pk=clinic.pk)
                    services.clinic_update(
                        actor=actor, clinic=fresh, changes=settings_form.cleaned_data
                    )
                    messages.success(request, "Clinic settings saved.")
                    return redirect("accounts:clinic_settings")
                clinic.refresh_from_db()
            elif section == "hours":
                hours_form = OpeningHoursForm(request.POST, prefix="hours")
                if hours_form.is_valid():
                    services.opening_hours_set(actor=actor, weekly=hours_form.weekly_hours())
                    messages.success(request, "Opening hours saved.")
                    return redirect("accounts:clinic_settings")
            elif section == "closed":
                closed_form = ClosedDayForm(request.POST, prefix="closed")
                if closed_form.is_valid():
                    services.closed_day_add(
                        actor=actor,
                        day=closed_form.cleaned_data["date"],
                        reason=closed_form.cleaned_data["reason"],
                    )
                    messages.success(request, "Closed day added.")
                    return redirect("accounts:clinic_settings")
            elif section == "reopen":
                raw = request.POST.get("closed_day", "")
                if not raw.isdigit():
                    raise ValidationError("Choose a closed day to remove.")
                services.closed_day_remove(actor=actor, closed_day_id=int(raw))
                messages.success(request, "Closed day removed.")
                return redirect("accounts:clinic_settings")
            else:
                messages.error(request, "Unknown settings section.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "accounts/clinic_settings.html",
        {
            "settings_form": settings_form,
            "hours_form": hours_form,
            "closed_form": closed_form,
            "closed_days": clinic.closed_days.all(),
            "weekdays": OpeningHours.Weekday.choices,
        },
        status=200 if request.method == "GET" else 400,
    )


@requires("staff.manage")
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_member_add(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{form.cleaned_data['username']} added.")
            return redirect("accounts:staff")
    members = (
        Membership.objects.filter(clinic=actor.clinic)
        .select_related("user")
        .order_by("role", "user__last_name")
    )
    return render(
        request,
        "accounts/staff.html",
        {"members": members, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires("staff.manage")
@require_POST
def staff_set_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        services.membership_set_active(
            actor=actor, membership_id=membership_id, active=request.POST.get("active") == "1"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:staff")
