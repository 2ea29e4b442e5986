"""Referral and directory pages. Thin: parse the form, call a service or selector, render.

The directory search is a GET (its terms are names of businesses and cities, not patient
data); every term reaches the database as a bound parameter.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.core.access import actor_from_request, requires
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient
from ivmt.referrals import selectors, services
from ivmt.referrals.forms import EntryForm, ReferralForm, SearchForm, StatusForm
from ivmt.referrals.letter import referral_letter_pdf
from ivmt.referrals.models import DirectoryEntry


def _fail(form: forms.BaseForm, error: ValidationError) -> int:
    form.add_error(None, error)
    return 409 if isinstance(error, EditConflict) else 400


def _choices(request: HttpRequest) -> list[tuple[int, str]]:
    actor = actor_from_request(request)
    return [(e.pk, f"{e.name}, {e.city}") for e in selectors.nutritionists(actor=actor)]


def _patient_page(
    request: HttpRequest, patient: Patient, status: int = 200, **extra: Any
) -> HttpResponse:
    referrals = selectors.referrals_for_patient(patient=patient)
    context = {
        "patient": patient,
        "referrals": [
            (r, StatusForm(initial={"version": r.version, "status": r.status}, prefix=f"r{r.pk}"))
            for r in referrals
        ],
        "offer": selectors.intake_offer(patient=patient),
        "form": ReferralForm(choices=_choices(request)),
        "has_open": any(r.is_open for r in referrals),
        **extra,
    }
    return render(request, "referrals/patient.html", context, status=status)


@requires("referrals.view")
def patient_referrals(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, action="referral.list")
    return _patient_page(request, patient)


@requires("referrals.manage")
@require_POST
def referral_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, action="referral.list")
    form = ReferralForm(request.POST, choices=_choices(request))
    if form.is_valid():
        try:
            services.referral_create(
                actor=actor,
                patient=patient,
                nutritionist_id=form.cleaned_data["nutritionist"],
                question=form.cleaned_data["question"],
            )
        except ValidationError as error:
            return _patient_page(request, patient, _fail(form, error), form=form)
        messages.success(request, "Referral recorded as sent: print the letter for the patient.")
        return redirect("referrals:patient", patient_id=patient.pk)
    return _patient_page(request, patient, 400, form=form)


@requires("referrals.manage")
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    referral = selectors.referral_get(
        actor=actor, referral_id=referral_id, action="referral.status"
    )
    form = StatusForm(request.POST, prefix=f"r{referral.pk}")
    if form.is_valid():
        try:
            services.referral_update_status(
                actor=actor,
                referral_id=referral.pk,
                expected_version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                appointment_on=form.cleaned_data["appointment_on"],
            )
        except ValidationError as error:
            status = _fail(form, error)
            return _patient_page(
                request, referral.patient, status, failed=referral.pk, failed_form=form
            )
        messages.success(request, "Referral updated.")
        return redirect("referrals:patient", patient_id=referral.patient_id)
    return _patient_page(request, referral.patient, 400, failed=referral.pk, failed_form=form)


@requires("referrals.view")
def referral_letter(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    referral = selectors.referral_get(
        actor=actor, referral_id=referral_id, action="referral.letter"
    )
    history = selectors.letter_history(patient=referral.patient)
    pdf = referral_letter_pdf(referral, history, actor.clinic.zone)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-{referral.patient.mrn}.pdf"'
    return response


@requires("referrals.view")
def overdue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    rows = selectors.overdue_referrals(actor=actor, limit=200)
    return render(
        request,
        "referrals/overdue.html",
        {"rows": rows, "accepted": selectors.accepted_without_referral(actor=actor, limit=200)},
    )


@requires("directory.view")
def directory(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = SearchForm(request.GET or None)
    status = 200
    entries: list[DirectoryEntry] = []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        terms = form.cleaned_data if form.is_bound else {}
        entries = selectors.directory_search(
            actor=actor,
            name=terms.get("name", ""),
            city=terms.get("city", ""),
            kind=terms.get("kind", ""),
            compounds=terms.get("compounds", ""),
        )
    return render(
        request,
        "referrals/directory.html",
        {"form": form, "entries": entries, "own": selectors.own_clinic_entry(actor=actor)},
        status=status,
    )


@requires("directory.manage")
@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = EntryForm(request.POST or None, may_share=actor.may("directory.share"))
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("version", None)
        try:
            services.directory_entry_create(actor=actor, values=values)
        except ValidationError as error:
            _fail(form, error)
        else:
            messages.success(request, "Added to the directory.")
            return redirect("referrals:directory")
    return render(
        request,
        "referrals/entry_form.html",
        {"form": form, "title": "Add to the directory"},
        status=400 if request.method == "POST" else 200,
    )


@requires("directory.manage")
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    entry = selectors.entry_get_own(actor=actor, entry_id=entry_id)
    if entry.represents_clinic:
        return redirect("referrals:own_entry")
    return _entry_form(request, entry, f"Edit {entry.name}")


def _entry_form(request: HttpRequest, entry: DirectoryEntry | None, title: str) -> HttpResponse:
    actor = actor_from_request(request)
    initial: dict[str, Any] = {}
    if entry is not None:
        initial = {f: getattr(entry, f) for f in services.ENTRY_FIELDS}
        initial["version"] = entry.version
    else:
        initial = {
            "kind": DirectoryEntry.Kind.PRESCRIBER,
            "offers_ivmt": True,
            "name": actor.clinic.name,
            "address": actor.clinic.address,
            "phone": actor.clinic.phone,
        }
    form = EntryForm(request.POST or None, initial=initial, may_share=actor.may("directory.share"))
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version", None)
        try:
            if entry is None:
                services.directory_entry_create(actor=actor, values=values, represents_clinic=True)
            else:
                services.directory_entry_update(
                    actor=actor, entry_id=entry.pk, expected_version=version or 0, values=values
                )
        except ValidationError as error:
            return render(
                request,
                "referrals/entry_form.html",
                {"form": form, "title": title},
                status=_fail(form, error),
            )
        messages.success(request, "Directory entry saved.")
        return redirect("referrals:directory")
    return render(
        request,
        "referrals/entry_form.html",
        {"form": form, "title": title, "own": entry is None or entry.represents_clinic},
        status=400 if request.method == "POST" else 200,
    )


@requires("directory.share")
@require_http_methods(["GET", "POST"])
def own_entry(request: HttpRequest) -> HttpResponse:
    """The clinic's own entry: how other clinics, pharmacies and patients find its prescribers."""
    actor = actor_from_request(request)
    entry = selectors.own_clinic_entry(actor=actor)
    return _entry_form(request, entry, "Your clinic's own directory entry")
