"""The day view (with the drag-and-drop move panel) and the week view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ivmt.core.access import actor_from_request, requires
from ivmt.orders.planning import clinic_today
from ivmt.scheduling import selectors
from ivmt.scheduling.views._common import day_from

# Day and week ---------------------------------------------------------------------------------


@requires("scheduling.view")
@require_GET
def day(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    chosen, form = day_from(request)
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
    chosen, form = day_from(request)
    if form.errors:
        return render(request, "scheduling/bad_date.html", {"form": form}, status=400)
    schedule = selectors.week_schedule(actor=actor, day=chosen or clinic_today(actor.clinic))
    return render(request, "scheduling/week.html", {"week": schedule})
