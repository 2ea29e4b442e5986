"""The today board (polled by htmx) and check-in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ivmt.core.access import actor_from_request, requires
from ivmt.infusions import selectors, services
from ivmt.infusions.forms import (
    CheckInForm,
    vitals_from,
)
from ivmt.infusions.models import InfusionChart
from ivmt.infusions.views._common import aware, now_text, status_for
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_today
from ivmt.orders.views import add_errors
from ivmt.scheduling.models import Chair

# The board ---------------------------------------------------------------------------------


@requires("infusions.board")
def board(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(request, "infusions/board.html", {"board": selectors.today_board(actor=actor)})


@requires("infusions.board")
def board_rows(request: HttpRequest) -> HttpResponse:
    """The board's live part, polled by htmx with ``X-IVMT-Background: 1`` (the polling does
    not keep an idle session alive: ``ivmt.accounts.middleware``)."""
    actor = actor_from_request(request)
    return render(
        request, "infusions/board_rows.html", {"board": selectors.today_board(actor=actor)}
    )


# Check-in ----------------------------------------------------------------------------------


@requires("infusions.chart")
def check_in_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    todays, nearby = selectors.check_in_candidates(actor=actor)
    return render(
        request,
        "infusions/check_in_list.html",
        {"todays": todays, "nearby": nearby, "today": clinic_today(actor.clinic)},
    )


@requires("infusions.chart")
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, dose_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    dose = selectors.dose_for_check_in(actor=actor, dose_id=dose_id)
    existing = selectors.open_chart_for_dose(dose)
    if existing is not None:
        messages.info(request, f"Dose {dose.number} is already checked in.")
        return redirect("infusions:chart", chart_id=existing.pk)
    policy = services.policy_for(actor.clinic)
    chairs = list(Chair.objects.filter(clinic=actor.clinic, in_service=True).order_by("name"))
    moved = dose.date != clinic_today(actor.clinic)
    form = CheckInForm(
        request.POST or None,
        chairs=chairs,
        charted=policy.charted,
        moved=moved,
        initial={"arrived_at": now_text(actor), "chair": selectors.booked_chair_id(dose)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                chart = services.chart_check_in(
                    actor=actor,
                    entry=services.CheckIn(
                        dose_id=dose.pk,
                        chair_id=data["chair"] or None,
                        arrived_at=aware(actor, data["arrived_at"]),
                        vitals=vitals_from(form),
                        advice_fluids=data["advice_fluids"],
                        advice_warm=data["advice_warm"],
                        moved_reason=data.get("moved_reason", ""),
                    ),
                )
            except ValidationError as error:
                add_errors(form, error)
                status = status_for(error)
            else:
                if chart.status == InfusionChart.Status.HELD:
                    messages.warning(request, "Checked in. The dose is HELD: see why below.")
                else:
                    messages.success(request, "Checked in. Scan the wristband and the bag next.")
                return redirect("infusions:chart", chart_id=chart.pk)
    blocked = ""
    if dose.status != "planned" or dose.order.status not in (
        CourseOrder.Status.SIGNED,
        CourseOrder.Status.SUPERSEDED,
    ):
        blocked = (
            f"Dose {dose.number} cannot be given: the dose is {dose.get_status_display().lower()} "
            f"and its course is {dose.order.get_status_display().lower()}."
        )
    return render(
        request,
        "infusions/check_in.html",
        {
            "dose": dose,
            "patient": dose.patient,
            "form": form,
            "moved": moved,
            "blocked": blocked,
            "vital_fields": [f for f in form if f.name.startswith("vital__")],
        },
        status=status,
    )
