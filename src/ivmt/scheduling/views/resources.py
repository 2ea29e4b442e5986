"""Chairs, the scheduling settings and the nurses' rota (the manager's pages)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.core.access import actor_from_request, requires
from ivmt.orders.planning import clinic_today
from ivmt.scheduling import selectors, services
from ivmt.scheduling.availability import settings_for
from ivmt.scheduling.forms import ChairForm, SchedulingSettingsForm, ShiftForm
from ivmt.scheduling.models import Chair
from ivmt.scheduling.views._common import add_errors, status_of

ROTA_SHOWN = timedelta(weeks=4)

# Chairs, settings and the rota --------------------------------------------------------------


@requires("clinic.configure")
@require_http_methods(["GET", "POST"])
def chairs(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = ChairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chair_add(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Chair added.")
            return redirect("scheduling:chairs")
    return render(
        request,
        "scheduling/chairs.html",
        {"form": form, "chairs": Chair.objects.filter(clinic=actor.clinic)},
        status=400 if request.method == "POST" else 200,
    )


@requires("clinic.configure")
@require_POST
def chair_service(request: HttpRequest, chair_id: int) -> HttpResponse:
    try:
        services.chair_set_in_service(
            actor=actor_from_request(request),
            chair_id=chair_id,
            in_service=request.POST.get("in_service") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("scheduling:chairs")


@requires("scheduling.configure")
@require_http_methods(["GET", "POST"])
def scheduling_settings(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    current = settings_for(actor.clinic)
    form = SchedulingSettingsForm(
        request.POST or None, instance=current, initial={"version": current.version}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.scheduling_settings_update(
                    actor=actor, expected_version=version, changes=data
                )
            except ValidationError as error:
                add_errors(form, error)
                status = status_of(error)
            else:
                messages.success(request, "Scheduling settings saved.")
                return redirect("scheduling:settings")
    return render(request, "scheduling/settings.html", {"form": form}, status=status)


@requires("scheduling.configure")
@require_http_methods(["GET", "POST"])
def shifts(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    today = clinic_today(actor.clinic)
    form = ShiftForm(
        request.POST or None,
        clinic_id=actor.clinic.pk,
        initial={"first": today, "last": today, "starts": "08:00", "ends": "16:30"},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.nurse_shifts_add(
                    actor=actor,
                    pattern=services.ShiftPattern(
                        nurse_id=data["nurse"],
                        first=data["first"],
                        last=data["last"],
                        weekdays=data["weekdays"],
                        starts=data["starts"],
                        ends=data["ends"],
                        breaks=data["breaks"],
                    ),
                    today=today,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"{len(made)} shift(s) added.")
                return redirect("scheduling:shifts")
    rota = selectors.shifts_between(actor=actor, first=today, last=today + ROTA_SHOWN)
    return render(request, "scheduling/shifts.html", {"form": form, "rota": rota}, status=status)


@requires("scheduling.configure")
@require_POST
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    try:
        services.nurse_shift_remove(actor=actor_from_request(request), shift_id=shift_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Shift removed.")
    return redirect("scheduling:shifts")
