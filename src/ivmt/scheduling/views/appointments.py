"""One appointment: its page, move (with the instant check), cancel, the day's statuses, a
no-show's bag, its calendar file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ivmt.core.access import actor_from_request, requires
from ivmt.scheduling import selectors, services
from ivmt.scheduling.forms import CancelForm, MoveForm, StatusForm
from ivmt.scheduling.ics import calendar_bytes
from ivmt.scheduling.views._common import add_errors, status_of

# One appointment ------------------------------------------------------------------------------


def _appointment_page(
    request: HttpRequest,
    appointment_id: int,
    *,
    move: MoveForm | None = None,
    cancel: CancelForm | None = None,
    status_form: StatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_from_request(request)
    detail = selectors.appointment_detail(actor=actor, appointment_id=appointment_id)
    appointment = detail.appointment
    zone = actor.clinic.zone
    initial = MoveForm.initial_for(appointment, zone)
    return render(
        request,
        "scheduling/appointment.html",
        {
            "detail": detail,
            "appointment": appointment,
            "move": move or MoveForm(initial=initial, clinic_id=actor.clinic.pk, zone=zone),
            "cancel": cancel or CancelForm(initial={"version": appointment.version}),
            "status_form": status_form or StatusForm(initial={"version": appointment.version}),
        },
        status=status,
    )


@requires("scheduling.view")
@require_GET
def appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_page(request, appointment_id)


@requires("scheduling.book")
@require_POST
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.appointment_get(actor=actor, appointment_id=appointment_id, action="appointment.move")
    form = MoveForm(request.POST, clinic_id=actor.clinic.pk, zone=actor.clinic.zone)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.appointment_move(
                actor=actor,
                appointment_id=appointment_id,
                expected_version=data["version"],
                starts_at=form.starts_at(),
                chair_id=data["chair"],
                nurse_id=data["nurse"],
                reason=data["reason"],
                patient_asked=data["patient_asked"],
                interval_reason=data["interval_reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = status_of(error)
        else:
            messages.success(request, "Appointment moved.")
            if request.POST.get("back") == "day":
                url = reverse("scheduling:day")
                return redirect(f"{url}?date={form.cleaned_data['date']:%Y-%m-%d}")
            return redirect("scheduling:appointment", appointment_id=appointment_id)
    return _appointment_page(request, appointment_id, move=form, status=status)


@requires("scheduling.book")
@require_POST
def appointment_check(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The move form's instant check (htmx): the conflicts of the chosen slot, or none."""
    actor = actor_from_request(request)
    visit = selectors.appointment_get(
        actor=actor, appointment_id=appointment_id, action="appointment.check"
    )
    form = MoveForm(request.POST, clinic_id=actor.clinic.pk, zone=actor.clinic.zone)
    form.is_valid()
    slot_fields = ("date", "time", "chair", "nurse")
    errors = [e for f in slot_fields for e in form.errors.get(f, [])]
    conflicts: list[str] = []
    if not errors:
        conflicts = selectors.move_check(
            actor=actor,
            appointment=visit,
            starts_at=form.starts_at(),
            chair_id=form.cleaned_data["chair"],
            nurse_id=form.cleaned_data["nurse"],
        )
    return render(
        request,
        "scheduling/move_check.html",
        {"errors": errors, "conflicts": conflicts},
    )


@requires("scheduling.book")
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.appointment_get(
        actor=actor, appointment_id=appointment_id, action="appointment.cancel"
    )
    form = CancelForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.appointment_cancel(
                actor=actor,
                appointment_id=appointment_id,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = status_of(error)
        else:
            messages.success(request, "Appointment cancelled; the dose can be booked again.")
            return redirect("scheduling:appointment", appointment_id=appointment_id)
    return _appointment_page(request, appointment_id, cancel=form, status=status)


@requires("scheduling.checkin")
@require_POST
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.appointment_get(
        actor=actor, appointment_id=appointment_id, action="appointment.status"
    )
    form = StatusForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            visit = services.appointment_set_status(
                actor=actor,
                appointment_id=appointment_id,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = status_of(error)
        else:
            messages.success(request, f"Marked: {visit.get_status_display().lower()}.")
            return redirect("scheduling:appointment", appointment_id=appointment_id)
    return _appointment_page(request, appointment_id, status_form=form, status=status)


@requires("pharmacy.compound")
@require_POST
def no_show_waste(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.appointment_get(actor=actor, appointment_id=appointment_id, action="bag.waste")
    try:
        services.no_show_bag_waste(actor=actor, appointment_id=appointment_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The bag is recorded as wasted (no-show).")
    return redirect("scheduling:appointment", appointment_id=appointment_id)


@requires("scheduling.view")
@require_GET
def appointment_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    visit = selectors.appointment_get(
        actor=actor, appointment_id=appointment_id, action="appointment.calendar"
    )
    response = HttpResponse(
        calendar_bytes([visit], actor.clinic), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
