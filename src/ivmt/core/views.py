from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ivmt.core.access import actor_from_request, requires
from ivmt.core.forms import AuditFilterForm
from ivmt.core.selectors import AuditFilter, audit_events


@requires("audit.view")
@require_http_methods(["GET", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filtered by POST so that MRNs and names stay out of URLs and logs."""
    actor = actor_from_request(request)
    form = AuditFilterForm(request.POST or None)
    filters, page = AuditFilter(), 1
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            patient_id = None
            if data["mrn"]:
                from django.apps import apps

                # Read through the app registry: the core may not import the patients app.
                patient_model = apps.get_model("patients", "Patient")
                patient_id = (
                    patient_model.objects.filter(
                        clinic=actor.clinic, mrn__iexact=data["mrn"].strip()
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
                if patient_id is None:
                    messages.warning(request, "No patient with that MRN in this clinic.")
                    patient_id = -1
            filters = AuditFilter(
                patient_id=patient_id,
                username=data["username"].strip(),
                day_from=data["day_from"],
                day_to=data["day_to"],
                denied_only=data["denied_only"],
            )
            page = data["page"] or 1
        else:
            status = 400
    events, has_more = audit_events(actor=actor, filters=filters, page=page)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "events": events,
            "page": page,
            "has_more": has_more,
            "mrns": _mrns(actor.clinic.pk, {e.patient_id for e in events if e.patient_id}),
        },
        status=status,
    )


def _mrns(clinic_id: int, patient_ids: set[int]) -> dict[int, str]:
    """MRNs for the patient ids on one page, in one query (read through the app registry:
    the core may not import the patients app)."""
    from django.apps import apps

    patient_model = apps.get_model("patients", "Patient")
    rows = patient_model.objects.filter(clinic_id=clinic_id, pk__in=patient_ids)
    return dict(rows.values_list("pk", "mrn"))
