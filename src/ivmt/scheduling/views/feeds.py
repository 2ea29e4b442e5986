"""Patients' calendar feeds: made and revoked by staff, fetched by calendar apps without sign-in."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ivmt.core.access import actor_from_request, client_ip, public, requires
from ivmt.patients.selectors import patient_get
from ivmt.scheduling import selectors, services
from ivmt.scheduling.forms import FeedForm
from ivmt.scheduling.ics import calendar_bytes

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
