"""A patient's infusions and wristband, adverse events, next-dose advice, the policy page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.clinical.vital_signs import hold_limits, vital, vitals
from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.infusions import selectors, services
from ivmt.infusions.forms import (
    AcknowledgeForm,
    AdverseEventUpdateForm,
    DismissForm,
    PolicyForm,
    WristbandForm,
)
from ivmt.infusions.labels import wristband_pdf
from ivmt.infusions.views._common import side_effect_names, status_for
from ivmt.orders.views import add_errors
from ivmt.patients.selectors import patient_get

# A patient's infusions and wristband ------------------------------------------------------


@requires("infusions.view")
def patient_infusions(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="infusion.history")
    return render(
        request,
        "infusions/patient.html",
        {"patient": patient, "charts": selectors.patient_infusions(actor=actor, patient=patient)},
    )


@requires("infusions.wristband")
@require_http_methods(["GET", "POST"])
def wristband(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's wristband: made on the first POST, replaced (with a reason) later."""
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="wristband.view")
    band = selectors.current_wristband(patient=patient)
    form = WristbandForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            reason = form.cleaned_data["replace_reason"]
            if band is not None and not reason.strip():
                form.add_error("replace_reason", "Say why the wristband is replaced.")
            else:
                try:
                    services.wristband_issue(actor=actor, patient=patient, replace_reason=reason)
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(
                        request,
                        "A new wristband was made; the old code no longer scans."
                        if band is not None
                        else "Wristband made: print it and put it on the patient's wrist.",
                    )
                    return redirect("infusions:wristband", patient_id=patient.pk)
    return render(
        request,
        "infusions/wristband.html",
        {"patient": patient, "band": band, "form": form},
        status=status,
    )


@requires("infusions.wristband")
def wristband_document(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="wristband.print")
    band = selectors.current_wristband(patient=patient)
    if band is None:
        messages.error(request, "Make the wristband first.")
        return redirect("infusions:wristband", patient_id=patient.pk)
    response = HttpResponse(wristband_pdf(patient, band.code), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="wristband.pdf"'
    return response


# Adverse events ----------------------------------------------------------------------------


@requires("infusions.view")
def adverse_event_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "infusions/adverse_events.html",
        {"events": selectors.adverse_events(actor=actor), "names": side_effect_names()},
    )


def _event_page(
    request: HttpRequest, actor: Actor, event_id: int, status: int = 200, **bound: Any
) -> HttpResponse:
    event = selectors.adverse_event_get(actor=actor, event_id=event_id)
    context = {
        "event": event,
        "patient": event.patient,
        "name": side_effect_names().get(event.side_effect_id, event.side_effect_id),
        "update_form": AdverseEventUpdateForm(
            initial={"version": event.version, "outcome": event.outcome}
        ),
        "ack_form": AcknowledgeForm(initial={"version": event.version}),
        **bound,
    }
    return render(request, "infusions/adverse_event.html", context, status=status)


@requires("infusions.view")
def adverse_event(request: HttpRequest, event_id: int) -> HttpResponse:
    return _event_page(request, actor_from_request(request), event_id)


@requires("infusions.chart")
@require_POST
def adverse_event_update(request: HttpRequest, event_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.adverse_event_get(actor=actor, event_id=event_id, action="adverse_event.form")
    form = AdverseEventUpdateForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.adverse_event_update(
                actor=actor,
                event_id=event_id,
                expected_version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"],
                outcome_note=form.cleaned_data["outcome_note"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = status_for(error)
        else:
            messages.success(request, "Outcome recorded.")
            return redirect("infusions:adverse_event", event_id=event_id)
    return _event_page(request, actor, event_id, status, update_form=form)


@requires("infusions.review")
@require_POST
def adverse_event_acknowledge(request: HttpRequest, event_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.adverse_event_get(actor=actor, event_id=event_id, action="adverse_event.form")
    form = AcknowledgeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.adverse_event_acknowledge(
                actor=actor,
                event_id=event_id,
                expected_version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
            status = status_for(error)
        else:
            messages.success(request, "Acknowledged.")
            return redirect("infusions:adverse_event", event_id=event_id)
    return _event_page(request, actor, event_id, status, ack_form=form)


# Next-dose advice --------------------------------------------------------------------------


@requires("infusions.review")
def advice_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "infusions/advice_list.html",
        {"advice": selectors.pending_advice(actor=actor, limit=100), "names": side_effect_names()},
    )


def _advice_page(
    request: HttpRequest, actor: Actor, advice_id: int, status: int = 200, **bound: Any
) -> HttpResponse:
    advice = selectors.advice_get(actor=actor, advice_id=advice_id)
    return render(
        request,
        "infusions/advice.html",
        {
            "advice": advice,
            "patient": advice.patient,
            "names": side_effect_names(),
            "dismiss_form": DismissForm(),
            **bound,
        },
        status=status,
    )


@requires("infusions.review")
def advice(request: HttpRequest, advice_id: int) -> HttpResponse:
    return _advice_page(request, actor_from_request(request), advice_id)


@requires("infusions.review")
@require_POST
def advice_accept(request: HttpRequest, advice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.advice_get(actor=actor, advice_id=advice_id, action="advice.form")
    try:
        order = services.advice_accept(actor=actor, advice_id=advice_id)
    except ValidationError as error:
        messages.error(request, "Not accepted: " + " ".join(error.messages))
        return _advice_page(request, actor, advice_id, status_for(error))
    messages.success(
        request, f"Accepted: revision {order.revision} of the course is signed for the next doses."
    )
    return redirect("orders:detail", order_id=order.pk)


@requires("infusions.review")
@require_POST
def advice_dismiss(request: HttpRequest, advice_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    selectors.advice_get(actor=actor, advice_id=advice_id, action="advice.form")
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.advice_dismiss(
                actor=actor, advice_id=advice_id, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Advice dismissed; the order stays as it is.")
            return redirect("infusions:advice_list")
    return _advice_page(request, actor, advice_id, 400, dismiss_form=form)


# Policy ------------------------------------------------------------------------------------


@requires("infusions.configure")
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    current = services.policy_for(actor.clinic)
    initial: dict[str, Any] = {
        "version": current.version,
        "charted_vitals": [v for v in current.charted if not vital(v).always],
        **{f"limit__{k}": v for k, v in current.hold_limits.items()},
    }
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.infusion_policy_update(
                    actor=actor,
                    expected_version=form.cleaned_data["version"],
                    hold_limits=form.limits(),  # type: ignore[arg-type]  # Decimals from the form
                    charted_vitals=form.cleaned_data["charted_vitals"],
                )
            except ValidationError as error:
                add_errors(form, error)
                status = status_for(error)
            else:
                messages.success(request, "Infusion policy saved.")
                return redirect("infusions:policy")
    return render(
        request,
        "infusions/policy.html",
        {"form": form, "limits": hold_limits(), "vitals": vitals(), "current": current},
        status=status,
    )
