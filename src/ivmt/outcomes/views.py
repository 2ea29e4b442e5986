"""Outcome pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ivmt.clinical import instruments as catalogue
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.instruments import Instrument
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.core.access import actor_from_request, requires
from ivmt.core.audit import audit_record
from ivmt.orders.models import CourseOrder
from ivmt.outcomes import reviews, selectors, services
from ivmt.outcomes.export import research_export_csv
from ivmt.outcomes.forms import (
    AcknowledgeAlertForm,
    MarkErrorForm,
    QuestionnaireForm,
    ReviewDecisionForm,
    WordingForm,
    item_label,
)
from ivmt.outcomes.models import InstrumentWording, QuestionnaireResponse, Review, Timepoint
from ivmt.outcomes.programme import PHASE_LABELS, programme_figures
from ivmt.patients.errors import EditConflict
from ivmt.patients.selectors import patient_get


def _instrument(instrument_id: str) -> Instrument:
    try:
        return catalogue.instrument(instrument_id)
    except ClinicalError:
        raise Http404("No such instrument.") from None


@requires("outcomes.view")
@require_GET
def patient_outcomes(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    outcomes = selectors.patient_outcomes(actor=actor, patient_id=patient_id)
    return render(
        request,
        "outcomes/patient.html",
        {
            "o": outcomes,
            "patient": outcomes.patient,
            "timepoints": dict(Timepoint.choices),
            "instruments": {i.id: i for i in catalogue.instruments()},
            "today": outcomes.today,
        },
    )


@requires("outcomes.record")
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, patient_id: int, instrument_id: str) -> HttpResponse:
    """Fill one instrument on the patient's behalf; GET ``timepoint``/``dose`` pre-fill it."""
    actor = actor_from_request(request)
    measure = _instrument(instrument_id)
    patient = patient_get(actor=actor, patient_id=patient_id, action="outcomes.form")
    wording = selectors.wording_for(actor.clinic.pk).get(measure.id, {})
    initial: dict[str, object] = {}
    if request.GET.get("timepoint") in Timepoint.values:
        initial["timepoint"] = request.GET["timepoint"]
    if (request.GET.get("dose") or "").isdigit() and len(request.GET["dose"]) <= 3:
        initial["dose_number"] = int(request.GET["dose"])
    form = QuestionnaireForm(measure, wording, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.response_record(
                actor=actor,
                patient=patient,
                instrument_id=measure.id,
                answers=form.answers(),
                timepoint=data["timepoint"],
                answered_on=data["answered_on"],
                dose_number=data.get("dose_number") or 0,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            shown = (
                "not scored"
                if response.score is None
                else f"score {plain(round_half_up(response.score, measure.score_places))}"
            )
            text = f"{measure.short_name} recorded ({shown}"
            text += f", {response.band_label})." if response.band_label else ")."
            messages.success(request, text)
            for alert in response.alerts:
                if alert["severity"] == "stop":
                    messages.error(request, alert["message"])
                elif alert["severity"] == "warning":
                    messages.warning(request, alert["message"])
            return redirect("outcomes:patient", patient_id=patient.pk)
    return render(
        request,
        "outcomes/record.html",
        {
            "form": form,
            "patient": patient,
            "measure": measure,
            "needs_wording": measure.wording == "clinic_supplied" and not wording,
        },
        status=400 if request.method == "POST" else 200,
    )


def _response_page(
    request: HttpRequest,
    response: QuestionnaireResponse,
    *,
    error_form: MarkErrorForm | None = None,
    ack_form: AcknowledgeAlertForm | None = None,
    status: int = 200,
) -> HttpResponse:
    measure = _instrument(response.instrument_id)
    wording = selectors.wording_for(response.clinic_id).get(measure.id, {})
    rows = []
    for item in measure.items:
        value = response.answers.get(item.id)
        option = measure.option_label(value) if isinstance(value, int) else None
        rows.append((item_label(measure, item, wording), value, option))
    return render(
        request,
        "outcomes/response.html",
        {
            "response": response,
            "patient": response.patient,
            "measure": measure,
            "rows": rows,
            "error_form": error_form or MarkErrorForm(),
            "ack_form": ack_form or AcknowledgeAlertForm(),
        },
        status=status,
    )


@requires("outcomes.view")
@require_GET
def response_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _response_page(request, selectors.response_get(actor=actor, response_id=response_id))


@requires("outcomes.record")
@require_POST
def response_mark_error(request: HttpRequest, response_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    response = selectors.response_get(actor=actor, response_id=response_id)
    form = MarkErrorForm(request.POST)
    if form.is_valid():
        try:
            services.response_mark_error(
                actor=actor,
                patient=response.patient,
                response_id=response.pk,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Response marked as entered in error.")
            return redirect("outcomes:response", response_id=response.pk)
    return _response_page(request, response, error_form=form, status=400)


@requires("outcomes.review")
@require_POST
def alert_acknowledge(request: HttpRequest, response_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    response = selectors.response_get(actor=actor, response_id=response_id)
    form = AcknowledgeAlertForm(request.POST)
    if form.is_valid():
        try:
            services.alert_acknowledge(
                actor=actor,
                patient=response.patient,
                response_id=response.pk,
                action=form.cleaned_data["action"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Alert acknowledged.")
            return redirect("outcomes:response", response_id=response.pk)
    return _response_page(request, response, ack_form=form, status=400)


@requires("outcomes.programme")
@require_GET
def programme(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    figures = programme_figures(actor=actor)
    return render(
        request,
        "outcomes/programme.html",
        {
            "p": figures,
            "phase_labels": [PHASE_LABELS.get(c, c) for c in figures.phase_columns],
            "timepoints": dict(Timepoint.choices),
        },
    )


@requires("outcomes.export")
@require_GET
def research_export(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    text, _rows = research_export_csv(actor=actor)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="ivmt-outcomes-{stamp}.csv"'
    return response


@requires("knowledge.view")
@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    loaded = {w.instrument_id: w for w in InstrumentWording.objects.filter(clinic=actor.clinic)}
    return render(
        request,
        "outcomes/instruments.html",
        {"instruments": catalogue.instruments(), "loaded": loaded},
    )


@requires("outcomes.configure")
@require_http_methods(["GET", "POST"])
def wording_edit(request: HttpRequest, instrument_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    measure = _instrument(instrument_id)
    if measure.wording != "clinic_supplied":
        raise Http404("This instrument ships its own wording.")
    current = InstrumentWording.objects.filter(
        clinic=actor.clinic, instrument_id=measure.id
    ).first()
    form = WordingForm(
        measure,
        dict(current.items) if current else {},
        request.POST or None,
        initial={
            "licence_reference": current.licence_reference if current else "",
            "version": current.version if current else None,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.wording_load(
                    actor=actor,
                    instrument_id=measure.id,
                    licence_reference=form.cleaned_data["licence_reference"],
                    items=form.texts(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationError as error:
                form.add_error(None, error)
                if isinstance(error, EditConflict):
                    status = 409
            else:
                messages.success(request, f"Wording of {measure.short_name} saved.")
                return redirect("outcomes:instruments")
    return render(
        request, "outcomes/wording.html", {"form": form, "measure": measure}, status=status
    )


@requires("outcomes.review")
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    items = reviews.review_queue(actor=actor)
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="outcome.review_queue",
        ip=actor.ip,
        detail=f"{len(items)} reviews listed",
    )
    return render(
        request,
        "outcomes/queue.html",
        {
            "items": items,
            "alerts": selectors.open_alerts(actor=actor),
            "kinds": dict(Review.Kind.choices),
        },
    )


@requires("outcomes.review")
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, review_point_id: int) -> HttpResponse:
    """The one-page review: verdicts, trend charts with doses marked, and the decision."""
    actor = actor_from_request(request)
    point = reviews.review_point_get(actor=actor, point_id=review_point_id)
    outcomes = selectors.patient_outcomes(actor=actor, patient_id=point.order.patient_id)
    kind = reviews.review_kinds()[point.review_id]
    signed = reviews.signed_review(point)
    open_for_decision = signed is None and point.order.status == CourseOrder.Status.SIGNED
    options = reviews.decision_options(actor=actor, point=point) if open_for_decision else []
    form = ReviewDecisionForm(
        [(o.decision, o.label) for o in options if o.allowed], request.POST or None
    )
    status = 200
    if request.method == "POST":
        status = 400
        if not open_for_decision:
            form.add_error(None, "This review is already signed or the course changed.")
        elif form.is_valid():
            try:
                done = reviews.review_sign(
                    actor=actor,
                    point_id=point.pk,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, f"{done.get_kind_display()} signed: {done.get_decision_display()}."
                )
                return redirect("outcomes:review", review_point_id=point.pk)
    row = next((r for r in outcomes.plan if r.assessment.timepoint == kind), None)
    return render(
        request,
        "outcomes/review.html",
        {
            "point": point,
            "o": outcomes,
            "patient": outcomes.patient,
            "kind": kind,
            "kind_label": Review.Kind(kind).label,
            "verdicts": [v for v in outcomes.verdicts if v.timepoint == kind],
            "plan_row": row,
            "options": options,
            "form": form,
            "signed": signed,
            "instruments": {i.id: i for i in catalogue.instruments()},
            "today": outcomes.today,
        },
        status=status,
    )
