"""Scheduling pages. Thin: parse the form, call a selector or a service, render.

A refused write answers its page again with the reasons (HTTP 400; 409 when someone changed the
appointment or the settings meanwhile); nothing is written then. The day view's drag and drop
(``static/ivmt/schedule.js``) only fills the same move form that the appointment page shows,
so moving works without JavaScript too (pick date, time and chair, give the reason).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ivmt.core.access import actor_from_request, client_ip, public, requires
from ivmt.orders.planning import clinic_today
from ivmt.patients.errors import EditConflict
from ivmt.patients.selectors import patient_get
from ivmt.scheduling import selectors, services
from ivmt.scheduling.availability import settings_for
from ivmt.scheduling.forms import (
    CancelForm,
    ChairForm,
    DayForm,
    FeedForm,
    MoveForm,
    OptimiseForm,
    SchedulingSettingsForm,
    SeriesForm,
    ShiftForm,
    StatusForm,
    parse_slot,
)
from ivmt.scheduling.ics import calendar_bytes
from ivmt.scheduling.models import Chair

ROTA_SHOWN = timedelta(weeks=4)


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's error to the form: to its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _status(error: ValidationError) -> int:
    return 409 if isinstance(error, EditConflict) else 400


def _day(request: HttpRequest) -> tuple[date | None, DayForm]:
    form = DayForm(request.GET or None)
    if request.GET and not form.is_valid():
        return None, form
    chosen = form.cleaned_data.get("date") if request.GET else None
    return chosen, form


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
                status = _status(error)
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


# Day and week ---------------------------------------------------------------------------------


@requires("scheduling.view")
@require_GET
def day(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    chosen, form = _day(request)
    if form.errors:
        return render(request, "scheduling/bad_date.html", {"form": form}, status=400)
    schedule = selectors.day_schedule(actor=actor, day=chosen or clinic_today(actor.clinic))
    # The drag-and-drop move panel is built from the schedule's own chairs and shifts.
    return render(
        request,
        "scheduling/day.html",
        {"schedule": schedule, "move_panel": actor.may("scheduling.book")},
    )


@requires("scheduling.view")
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    chosen, form = _day(request)
    if form.errors:
        return render(request, "scheduling/bad_date.html", {"form": form}, status=400)
    schedule = selectors.week_schedule(actor=actor, day=chosen or clinic_today(actor.clinic))
    return render(request, "scheduling/week.html", {"week": schedule})


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
            status = _status(error)
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
            status = _status(error)
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
            status = _status(error)
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
                status = _status(error)
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


# The day's plan -----------------------------------------------------------------------------


@requires("scheduling.optimise")
@require_POST
def optimise(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = OptimiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the day to optimise.")
        return redirect("scheduling:day")
    day_ = form.cleaned_data["date"]
    try:
        proposal = services.day_optimise(actor=actor, day=day_)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('scheduling:day')}?date={day_:%Y-%m-%d}")
    return redirect(proposal)


@requires("scheduling.view")
@require_GET
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    view = selectors.proposal_view(actor=actor_from_request(request), proposal_id=proposal_id)
    return render(request, "scheduling/proposal.html", {"view": view})


@requires("scheduling.optimise")
@require_POST
def proposal_accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    view = selectors.proposal_view(actor=actor, proposal_id=proposal_id)
    try:
        services.day_plan_apply(actor=actor, proposal_id=proposal_id)
    except ValidationError as error:
        return render(
            request,
            "scheduling/proposal.html",
            {"view": view, "errors": error.messages},
            status=_status(error),
        )
    messages.success(request, f"The plan is applied: {len(view.moves)} appointment(s) moved.")
    return redirect(f"{reverse('scheduling:day')}?date={view.proposal.day:%Y-%m-%d}")


@requires("scheduling.optimise")
@require_POST
def proposal_discard(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    view = selectors.proposal_view(actor=actor, proposal_id=proposal_id)
    try:
        services.day_plan_discard(actor=actor, proposal_id=proposal_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "The plan was discarded; nothing moved.")
    return redirect(f"{reverse('scheduling:day')}?date={view.proposal.day:%Y-%m-%d}")


# Calendar feeds -----------------------------------------------------------------------------


@requires("scheduling.book")
@require_POST
def calendar_feed_manage(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Create (shown once) or revoke the patient's calendar feed."""
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="calendar.feed_manage")
    form = FeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to create or revoke the calendar link.")
        return redirect("patients:chart", patient_id=patient.pk)
    if form.cleaned_data["action"] == "revoke":
        services.calendar_feed_revoke(actor=actor, patient_id=patient.pk)
        messages.success(request, "The calendar link is revoked: it no longer works.")
        return redirect("patients:chart", patient_id=patient.pk)
    token = services.calendar_feed_create(actor=actor, patient_id=patient.pk)
    url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
    # Rendered, not redirected: the address is shown this once and kept in no message store.
    return render(request, "scheduling/feed_created.html", {"patient": patient, "url": url})


@public
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's appointments as a calendar, for their calendar app (no sign-in)."""
    content = selectors.calendar_feed_read(token=token, ip=client_ip(request))
    if content is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        calendar_bytes(
            content.appointments, content.clinic, name=f"{content.clinic.name} appointments"
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
