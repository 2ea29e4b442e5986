"""Screening pages. Thin: parse the form, call a service or selector, render. Bad input gets
status 400 and the form with its message; a stale edit 409; nothing is written either way."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.clinical import labs
from ivmt.clinical.screening_facts import facts_from_json
from ivmt.clinical.screening_rules import SEVERITY_LABELS, policy_settings
from ivmt.clinical.sources import sources
from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.patients.models import Patient
from ivmt.patients.selectors import patient_get
from ivmt.screening import selectors, services
from ivmt.screening.errors import ScreeningError
from ivmt.screening.facts import clinic_policy
from ivmt.screening.forms import ApproveKnowledgeForm, DecisionForm, IntakeForm, PolicyForm
from ivmt.screening.models import Intake, ScreeningRun


def _status_code(error: ValidationError) -> int:
    return 409 if getattr(error, "code", None) == "conflict" else 400


def _patient_page(
    request: HttpRequest,
    actor: Actor,
    patient: Patient,
    *,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    screening = selectors.screening_status(actor=actor, patient=patient)
    return render(
        request,
        "screening/patient.html",
        {
            "patient": patient,
            "screening": screening,
            "runs": selectors.patient_runs(patient=patient),
            "decision_form": decision_form or DecisionForm(),
            "severity_labels": SEVERITY_LABELS,
        },
        status=status,
    )


@requires("screening.view")
def patient_screening(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="screening.page")
    return _patient_page(request, actor, patient)


@requires("screening.run")
@require_POST
def screen_now(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="screening.page")
    run = services.screening_run_create(actor=actor, patient=patient)
    messages.success(request, f"Screened: {run.get_outcome_display()}.")
    return redirect("screening:patient", patient_id=patient.pk)


@requires("screening.request_labs")
@require_POST
def request_labs(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="screening.page")
    try:
        lab_request = services.lab_request_create(actor=actor, patient=patient)
    except ScreeningError as error:
        messages.error(request, " ".join(error.messages))
        return _patient_page(request, actor, patient, status=400)
    names = "; ".join(labs.analyte(a).name for a in lab_request.analytes)
    messages.success(request, f"Lab request recorded: {names}.")
    return redirect("screening:patient", patient_id=patient.pk)


def _run_page(
    request: HttpRequest, run: ScreeningRun, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "screening/run.html",
        {
            "run": run,
            "patient": run.patient,
            "facts": facts_from_json(run.facts),
            "decision_form": form or DecisionForm(),
            "severity_labels": SEVERITY_LABELS,
        },
        status=status,
    )


@requires("screening.view")
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    return _run_page(request, selectors.run_get(actor=actor, run_id=run_id))


@requires("screening.decide")
@require_POST
def decide(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    run = selectors.run_get(actor=actor, run_id=run_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            signed = services.screening_decide(
                actor=actor,
                run_id=run.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ScreeningError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Decision signed: {signed.get_decision_display()}.")
            return redirect("screening:patient", patient_id=run.patient_id)
    return _run_page(request, run, form, status=400)


@requires("screening.intake")
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="intake.form")
    existing = Intake.objects.filter(patient=patient).first()
    initial: dict[str, Any] = {
        "indications": [i.code for i in patient.indications.all()],
        "primary_indication": next((i.code for i in patient.indications.all() if i.is_primary), ""),
    }
    if existing is not None:
        for name in services.INTAKE_FIELDS:
            initial[name] = getattr(existing, name)
        initial["version"] = existing.version
    form = IntakeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            codes = tuple(data.pop("indications"))
            primary = data.pop("primary_indication")
            version = data.pop("version")
            try:
                services.intake_save(
                    actor=actor,
                    patient=patient,
                    expected_version=version,
                    values=data,
                    indication_codes=codes,
                    primary_indication=primary,
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = _status_code(error)
            else:
                messages.success(request, "Intake saved and the patient screened.")
                return redirect("screening:patient", patient_id=patient.pk)
    return render(
        request,
        "screening/intake.html",
        {
            "form": form,
            "patient": patient,
            "medications": list(patient.medications.all()),
            "allergies": list(patient.allergies.all()),
        },
        status=status,
    )


@requires("screening.queue")
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "screening/queue.html",
        {"runs": selectors.screening_queue(actor=actor), "severity_labels": SEVERITY_LABELS},
    )


def _knowledge_page(
    request: HttpRequest, actor: Actor, form: ApproveKnowledgeForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "screening/knowledge.html",
        {
            "review": selectors.knowledge_review(actor=actor),
            "form": form or ApproveKnowledgeForm(),
            "is_director": actor.is_medical_director and actor.may("knowledge.approve"),
            "severity_labels": SEVERITY_LABELS,
        },
        status=status,
    )


@requires("knowledge.view")
def knowledge(request: HttpRequest) -> HttpResponse:
    return _knowledge_page(request, actor_from_request(request))


@requires("knowledge.approve")
@require_POST
def knowledge_approve(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = ApproveKnowledgeForm(request.POST)
    if form.is_valid():
        try:
            approval = services.knowledge_approve(actor=actor, note=form.cleaned_data["note"])
        except ScreeningError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Knowledge version {approval.version} approved for this clinic."
            )
            return redirect("screening:knowledge")
    return _knowledge_page(request, actor, form, status=400)


@requires("screening.configure")
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    current = clinic_policy(actor.clinic.pk)
    initial = {
        "electrolyte_window_days": current.electrolyte_window_days,
        "egfr_hard_stop_below": current.egfr_hard_stop_below,
        "egfr_caution_below": current.egfr_caution_below,
        "formula_id": current.formula_id,
        "version": current.version,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.screening_policy_update(actor=actor, expected_version=version, values=data)
            except ValidationError as error:
                form.add_error(None, error)
                status = _status_code(error)
            else:
                messages.success(request, "Screening policy saved.")
                return redirect("screening:policy")
    return render(
        request,
        "screening/policy.html",
        {"form": form, "settings": policy_settings(), "policy": current},
        status=status,
    )


@requires("knowledge.view")
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "screening/sources.html", {"sources": sources()})
