"""Booking a series: the proposal, the confirmation, the work list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ivmt.core.access import actor_from_request, requires
from ivmt.orders.planning import clinic_today
from ivmt.scheduling import selectors, services
from ivmt.scheduling.forms import SeriesForm, parse_slot
from ivmt.scheduling.views._common import status_of

# Series -------------------------------------------------------------------------------------


@requires("scheduling.book")
@require_http_methods(["GET", "POST"])
def series(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET: propose (with the layout form); POST ``confirm``: book the chosen slots."""
    actor = actor_from_request(request)
    source = request.POST if request.method == "POST" else request.GET
    layout = SeriesForm(source or None, phases=[])
    options: dict[str, Any] = {}
    if source and layout.is_valid():
        options = {
            "preferred": layout.cleaned_data["preferred"],
            "first_day": layout.cleaned_data["first_day"],
            "phase": layout.cleaned_data["phase"] or "",
        }
    plan = selectors.series_plan(actor=actor, order_id=order_id, **options)
    layout = SeriesForm(
        source or None,
        phases=plan.phases,
        initial={"preferred": plan.preferred, "first_day": plan.first_day},
    )
    valid = not source or (layout.is_valid() and layout.check_phase())
    status = 200 if valid else 400
    errors: list[str] = []
    if request.method == "POST" and "confirm" in request.POST and valid:
        picks, errors = _picks(request, plan, actor.clinic.zone)
        if not errors:
            try:
                if picks and plan.current is not None:
                    booked = services.series_book(
                        actor=actor, order_id=plan.current.pk, picks=picks
                    )
                    messages.success(request, f"{len(booked)} appointment(s) booked.")
                elif plan.stale:
                    count = services.stale_appointments_cancel(
                        actor=actor, patient_id=plan.patient.pk
                    )
                    messages.success(request, f"{count} appointment(s) cancelled.")
                else:
                    raise ValidationError("Choose a slot for at least one dose.")
            except ValidationError as error:
                errors = error.messages
                status = status_of(error)
            else:
                url = reverse("scheduling:week")
                first = picks[0].starts_at.date() if picks else clinic_today(actor.clinic)
                return redirect(f"{url}?date={first:%Y-%m-%d}")
        else:
            status = 400
    return render(
        request,
        "scheduling/series.html",
        {"plan": plan, "layout": layout, "errors": errors},
        status=status,
    )


def _picks(
    request: HttpRequest, plan: selectors.SeriesPlan, zone: Any
) -> tuple[list[services.SeriesPick], list[str]]:
    picks: list[services.SeriesPick] = []
    errors: list[str] = []
    for line in plan.lines:
        raw = request.POST.get(f"dose_{line.dose.pk}", "skip")
        try:
            slot = parse_slot(raw, zone)
        except ValueError:
            errors.append(f"Dose {line.dose.number}: choose one of the slots offered.")
            continue
        if slot is not None:
            picks.append(services.SeriesPick(line.dose.pk, slot[0], slot[1]))
    if plan.current is None and picks:
        errors.append("This course has no signed version to book.")
    return picks, errors


@requires("scheduling.book")
@require_GET
def to_book(request: HttpRequest) -> HttpResponse:
    courses, rebook = selectors.series_to_book(actor=actor_from_request(request))
    return render(request, "scheduling/to_book.html", {"courses": courses, "rebook": rebook})
