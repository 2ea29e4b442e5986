"""“Optimise this day”: make a plan, read it, accept or discard it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ivmt.core.access import actor_from_request, requires
from ivmt.scheduling import selectors, services
from ivmt.scheduling.forms import OptimiseForm
from ivmt.scheduling.views._common import status_of

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
            status=status_of(error),
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
