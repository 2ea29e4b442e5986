from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.core.access import actor_from_request, requires
from ivmt.scheduling import services
from ivmt.scheduling.forms import ChairForm
from ivmt.scheduling.models import Chair


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
