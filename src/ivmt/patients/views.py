"""Patient pages. Thin: parse the form, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.patients import selectors, services
from ivmt.patients.errors import EditConflict
from ivmt.patients.forms import (
    AllergyForm,
    CodeAllergyForm,
    CodeMedicationForm,
    ConditionForm,
    EditPatientForm,
    IndicationsForm,
    LabResultForm,
    MarkErrorForm,
    MedicationForm,
    RegisterPatientForm,
    SearchForm,
    StopMedicationForm,
)
from ivmt.patients.models import Patient
from ivmt.patients.trend import trend_svg


def _fail(form: forms.BaseForm, error: ValidationError) -> None:
    form.add_error(None, error)


@requires("patients.view")
@require_http_methods(["GET", "POST"])
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search by POST, so that names and birth dates never appear in URLs or server logs."""
    actor = actor_from_request(request)
    form = SearchForm(request.POST or None)
    term = form.cleaned_data["q"] if request.method == "POST" and form.is_valid() else ""
    patients = selectors.patient_search(actor=actor, term=term)
    return render(request, "patients/list.html", {"form": form, "patients": patients, "term": term})


@requires("patients.register")
@require_http_methods(["GET", "POST"])
def patient_register(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = RegisterPatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient = services.patient_register(
                actor=actor,
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                sex_at_birth=data["sex_at_birth"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
                indication_codes=tuple(data["indications"]),
                primary_indication=data["primary_indication"],
            )
        except ValidationError as error:
            _fail(form, error)
        else:
            messages.success(request, f"{patient.full_name} registered as {patient.mrn}.")
            return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request,
        "patients/register.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires("patients.view")
def patient_chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    chart = selectors.patient_chart(actor=actor, patient_id=patient_id)
    trends = {
        panel.analyte.code: trend_svg(
            [(r.collected_at, r.value, r.flag) for r in panel.oldest_first],
            panel.latest.reference_low if panel.latest else None,
            panel.latest.reference_high if panel.latest else None,
            f"{panel.analyte.name} trend",
        )
        for panel in chart.lab_panels
    }
    panels = [(panel, trends[panel.analyte.code]) for panel in chart.lab_panels]
    return render(
        request,
        "patients/chart.html",
        {
            "patient": chart.patient,
            "panels": panels,
            "age": chart.patient.age_on(timezone.localdate()),
            "stop_form": StopMedicationForm(initial={"stopped_on": timezone.localdate()}),
        },
    )


@requires("patients.edit_demographics")
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, action="patient.edit")
    form = EditPatientForm(
        request.POST or None,
        instance=None if request.POST else patient,
        initial={"version": patient.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.patient_update_demographics(
                actor=actor, patient=patient, expected_version=version, changes=data
            )
        except ValidationError as error:
            _fail(form, error)
            return render(
                request,
                "patients/edit.html",
                {"form": form, "patient": patient},
                status=409 if isinstance(error, EditConflict) else 400,
            )
        messages.success(request, "Details saved.")
        return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request,
        "patients/edit.html",
        {"form": form, "patient": patient},
        status=400 if request.method == "POST" else 200,
    )


def _chart_form(
    request: HttpRequest,
    patient_id: int,
    form_class: type[forms.Form],
    title: str,
    save: Callable[[Actor, Patient, dict[str, Any]], object],
    done: str,
    action: str,
    *,
    pass_patient: bool = False,
) -> HttpResponse:
    """A small chart form on its own page: GET shows it, POST saves and returns to the chart.

    ``pass_patient`` hands the patient to forms whose choices are that chart's own rows.
    """
    actor = actor_from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, action=action)
    extra: dict[str, Any] = {"patient": patient} if pass_patient else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            save(actor, patient, form.cleaned_data)
        except ValidationError as error:
            _fail(form, error)
        else:
            messages.success(request, done)
            return redirect("patients:chart", patient_id=patient.pk)
    return render(
        request,
        "patients/chart_form.html",
        {"form": form, "patient": patient, "title": title},
        status=400 if request.method == "POST" else 200,
    )


@requires("labs.record")
@require_http_methods(["GET", "POST"])
def lab_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        collected = data["collected_at"]
        if timezone.is_naive(collected):
            collected = timezone.make_aware(collected, actor.clinic.zone)
        return services.lab_result_record(
            actor=actor,
            patient=patient,
            entry=services.LabEntry(
                analyte=data["analyte"],
                value=data["value"],
                unit=data["unit"],
                collected_at=collected,
                reference_low=data["reference_low"],
                reference_high=data["reference_high"],
                lab_name=data["lab_name"],
            ),
        )

    return _chart_form(
        request,
        patient_id,
        LabResultForm,
        "Add a lab result",
        save,
        "Lab result recorded.",
        "lab.form",
    )


@requires("labs.record")
@require_POST
def lab_mark_error(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.lab_result_mark_error(
            actor=actor, patient=patient, result_id=data["result"], reason=data["reason"]
        )

    return _chart_form(
        request,
        patient_id,
        MarkErrorForm,
        "Mark a result as entered in error",
        save,
        "Result marked as entered in error.",
        "lab.form",
    )


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def medication_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.medication_add(actor=actor, patient=patient, **data)

    return _chart_form(
        request,
        patient_id,
        MedicationForm,
        "Add a current medication",
        save,
        "Medication added.",
        "medication.form",
    )


@requires("patients.edit_clinical")
@require_POST
def medication_stop(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.medication_stop(
            actor=actor,
            patient=patient,
            medication_id=data["medication"],
            stopped_on=data["stopped_on"],
        )

    return _chart_form(
        request,
        patient_id,
        StopMedicationForm,
        "Stop a medication",
        save,
        "Medication stopped.",
        "medication.form",
    )


def _code_form(
    request: HttpRequest,
    patient_id: int,
    form_class: type[CodeMedicationForm] | type[CodeAllergyForm],
    title: str,
    save: Callable[[Actor, Patient, dict[str, Any]], object],
) -> HttpResponse:
    """Code an item already on the chart from the catalogue (screening reads only codes)."""
    return _chart_form(
        request,
        patient_id,
        form_class,
        title,
        save,
        "Coded. Screening was updated.",
        "code.form",
        pass_patient=True,
    )


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def medication_code(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.medication_code_set(
            actor=actor,
            patient=patient,
            medication_id=data["medication"],
            drug_code=data["drug_code"],
        )

    return _code_form(request, patient_id, CodeMedicationForm, "Code a medication", save)


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def allergy_code(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.allergy_code_set(
            actor=actor,
            patient=patient,
            allergy_id=data["allergy"],
            allergen_code=data["allergen_code"],
        )

    return _code_form(request, patient_id, CodeAllergyForm, "Code an allergy", save)


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def allergy_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.allergy_add(actor=actor, patient=patient, **data)

    return _chart_form(
        request, patient_id, AllergyForm, "Add an allergy", save, "Allergy added.", "allergy.form"
    )


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def condition_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        return services.condition_add(actor=actor, patient=patient, **data)

    return _chart_form(
        request,
        patient_id,
        ConditionForm,
        "Add a condition",
        save,
        "Condition added.",
        "condition.form",
    )


@requires("patients.edit_clinical")
@require_http_methods(["GET", "POST"])
def indications_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    def save(actor: Actor, patient: Patient, data: dict[str, Any]) -> object:
        services.indications_set(
            actor=actor,
            patient=patient,
            codes=tuple(data["indications"]),
            primary=data["primary_indication"],
        )
        return None

    return _chart_form(
        request,
        patient_id,
        IndicationsForm,
        "Indications for IVMT",
        save,
        "Indications saved.",
        "indications.form",
    )
