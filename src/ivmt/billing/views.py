"""Billing pages. Thin: parse the form, call a service or selector, render.

A refused form answers 400 (409 for a stale one) with the reason and writes nothing.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ivmt.billing import selectors, services
from ivmt.billing.documents import STANDARD
from ivmt.billing.errors import BillingConflict
from ivmt.billing.forms import (
    ChargeForm,
    PackageForm,
    PackageSellForm,
    PaymentForm,
    ProviderNpiForm,
    PublishForm,
    SettingsForm,
    SignForm,
    SuperbillForm,
    VoidForm,
)
from ivmt.billing.models import DocumentKind, SignedDocument
from ivmt.billing.pdfs import signed_document_pdf, superbill_pdf
from ivmt.billing.signature import png_data_url
from ivmt.core.access import Actor, actor_from_request, requires
from ivmt.patients.models import Patient


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _fail(form: forms.BaseForm, error: ValidationError) -> int:
    form.add_error(None, error)
    return 409 if isinstance(error, BillingConflict) else 400


def _today(actor: Actor) -> date:
    return timezone.localdate(timezone=actor.clinic.zone)


def _patient(request: HttpRequest, patient_id: int, capability: str, action: str) -> Patient:
    return selectors.patient_for_billing(
        actor=actor_from_request(request),
        patient_id=patient_id,
        capability=capability,
        action=action,
    )


# Consents ------------------------------------------------------------------------------------


@requires("billing.consent_view")
def consents(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "billing.consent_view", "billing.consents_view")
    return render(
        request,
        "billing/consents.html",
        {
            "patient": patient,
            "states": selectors.document_states(patient=patient),
            "gate": selectors.consent_gate(patient=patient),
            "documents": selectors.signed_documents(patient=patient),
        },
    )


@requires("billing.consent_sign")
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, patient_id: int, kind: str) -> HttpResponse:
    """The tablet page: the wording, the typed name, the drawn signature and the witness."""
    actor = actor_from_request(request)
    patient = _patient(request, patient_id, "billing.consent_sign", "billing.sign_view")
    template = selectors.current_templates(actor.clinic.pk).get(kind)
    if template is None:
        messages.error(
            request,
            f"The clinic has not published a {DocumentKind(kind).label.lower()} yet: the "
            "manager publishes it under Consent documents.",
        )
        return redirect("billing:consents", patient_id=patient.pk)
    form = SignForm(request.POST or None, initial={"template_id": template.pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.document_sign(
                    actor=actor,
                    patient=patient,
                    template_id=data["template_id"],
                    signer_name=data["signer_name"],
                    signer=data["signer"],
                    signature_data_url=data["signature"],
                    witnessed=data["witnessed"],
                )
            except ValidationError as error:
                status = _fail(form, error)
            else:
                messages.success(request, f"{template.title} (version {template.version}) signed.")
                return redirect("billing:consents", patient_id=patient.pk)
        # The drawing is not sent back: the signer signs again after a refusal.
        shown = request.POST.copy()
        shown["signature"] = ""
        shown["template_id"] = str(template.pk)
        form.data = shown
    return render(
        request,
        "billing/sign.html",
        {"patient": patient, "template": template, "form": form},
        status=status,
    )


@requires("billing.consent_view")
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    document = selectors.signed_document_get(actor=actor, document_id=document_id)
    pdf = signed_document_pdf(document, actor.clinic.zone)
    return _pdf(pdf, f"{document.kind}-v{document.template_version}-{document.patient.mrn}.pdf")


@requires("billing.consent_view")
def document_view(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    document: SignedDocument = selectors.signed_document_get(actor=actor, document_id=document_id)
    return render(
        request,
        "billing/document.html",
        {
            "document": document,
            "patient": document.patient,
            "signature": png_data_url(bytes(document.signature_png)),
        },
    )


@requires("billing.consent_sign")
@require_POST
def document_withdraw(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    document = selectors.signed_document_get(actor=actor, document_id=document_id)
    try:
        services.document_withdraw(actor=actor, document_id=document.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Withdrawn: no new course can start until it is signed again.")
    return redirect("billing:consents", patient_id=document.patient_id)


@requires("billing.documents")
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest) -> HttpResponse:
    """The manager's page: every published version; publish a new one."""
    actor = actor_from_request(request)
    current = selectors.current_templates(actor.clinic.pk)
    kind = request.GET.get("kind", DocumentKind.CONSENT)
    if kind not in DocumentKind.values:
        kind = DocumentKind.CONSENT
    start = current.get(kind)
    title, body = (start.title, start.body) if start else STANDARD[DocumentKind(kind)]
    form = PublishForm(request.POST or None, initial={"kind": kind, "title": title, "body": body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                template = services.document_template_publish(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                status = _fail(form, error)
            else:
                messages.success(request, f"{template.title} version {template.version} published.")
                return redirect("billing:documents")
    return render(
        request,
        "billing/documents.html",
        {
            "form": form,
            "templates": list(selectors.templates_all(actor=actor)),
            "current": current,
            "kind": kind,
        },
        status=status,
    )


# Account: charges, payments, packages, superbill ---------------------------------------------


def _account_page(
    request: HttpRequest, patient: Patient, status: int = 200, **forms_: forms.BaseForm
) -> HttpResponse:
    actor = actor_from_request(request)
    today = _today(actor)
    package_choices = [
        (p.pk, f"{p.name} — {p.infusions} infusions, ${p.price}")
        for p in selectors.packages(actor=actor)
        if p.is_active
    ]
    context = {
        "patient": patient,
        "account": selectors.account(patient=patient),
        "visits": selectors.visit_dates(patient=patient)[:20],
        "payment_form": PaymentForm(initial={"received_on": today}),
        "charge_form": ChargeForm(initial={"service_date": today}),
        "package_form": PackageSellForm(initial={"service_date": today}, choices=package_choices),
        "superbill_form": SuperbillForm(
            initial={"first_day": today.replace(day=1), "last_day": today}
        ),
        "void_form": VoidForm(),
        **forms_,
    }
    return render(request, "billing/account.html", context, status=status)


@requires("billing.view")
def account(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "billing.view", "billing.account_view")
    return _account_page(request, patient)


@requires("billing.payment")
@require_POST
def payment_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = _patient(request, patient_id, "billing.payment", "billing.account_view")
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.payment_record(actor=actor, patient=patient, **form.cleaned_data)
        except ValidationError as error:
            return _account_page(request, patient, _fail(form, error), payment_form=form)
        messages.success(request, f"Payment of ${payment.amount} recorded.")
        return redirect("billing:account", patient_id=patient.pk)
    return _account_page(request, patient, 400, payment_form=form)


@requires("billing.charge")
@require_POST
def charge_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = _patient(request, patient_id, "billing.charge", "billing.account_view")
    form = ChargeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            charge = services.charge_add(
                actor=actor,
                patient=patient,
                kind=data["kind"],
                description=data["description"],
                amount=data["amount"],
                service_date=data["service_date"],
                code=data["code"],
            )
        except ValidationError as error:
            return _account_page(request, patient, _fail(form, error), charge_form=form)
        messages.success(request, f"Charge of ${charge.amount} added.")
        return redirect("billing:account", patient_id=patient.pk)
    return _account_page(request, patient, 400, charge_form=form)


@requires("billing.charge")
@require_POST
def package_sell(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = _patient(request, patient_id, "billing.charge", "billing.account_view")
    choices = [(p.pk, p.name) for p in selectors.packages(actor=actor) if p.is_active]
    form = PackageSellForm(request.POST, choices=choices)
    if form.is_valid():
        try:
            services.package_sell(
                actor=actor,
                patient=patient,
                package_id=form.cleaned_data["package"],
                service_date=form.cleaned_data["service_date"],
            )
        except ValidationError as error:
            return _account_page(request, patient, _fail(form, error), package_form=form)
        messages.success(request, "Package sold: the next infusions are charged against it.")
        return redirect("billing:account", patient_id=patient.pk)
    return _account_page(request, patient, 400, package_form=form)


def _void(request: HttpRequest, object_id: int, what: str) -> HttpResponse:
    actor = actor_from_request(request)
    form = VoidForm(request.POST)
    patient_id = selectors.patient_of_ledger_row(actor=actor, what=what, object_id=object_id)
    patient = _patient(request, patient_id, "billing.view", "billing.account_view")
    if form.is_valid():
        try:
            if what == "charge":
                services.charge_void(actor=actor, charge_id=object_id, **form.cleaned_data)
            else:
                services.payment_void(actor=actor, payment_id=object_id, **form.cleaned_data)
        except ValidationError as error:
            return _account_page(request, patient, _fail(form, error), void_form=form)
        messages.success(request, f"The {what} was voided; it stays on record.")
        return redirect("billing:account", patient_id=patient.pk)
    return _account_page(request, patient, 400, void_form=form)


@requires("billing.charge")
@require_POST
def charge_void(request: HttpRequest, charge_id: int) -> HttpResponse:
    return _void(request, charge_id, "charge")


@requires("billing.payment")
@require_POST
def payment_void(request: HttpRequest, payment_id: int) -> HttpResponse:
    return _void(request, payment_id, "payment")


@requires("billing.view")
def superbill(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The superbill PDF of one visit (from = to) or a period, from the form's dates."""
    actor = actor_from_request(request)
    patient = _patient(request, patient_id, "billing.view", "billing.account_view")
    form = SuperbillForm(request.GET)
    if not form.is_valid():
        return _account_page(request, patient, 400, superbill_form=form)
    bill = selectors.superbill(
        actor=actor,
        patient=patient,
        first_day=form.cleaned_data["first_day"],
        last_day=form.cleaned_data["last_day"],
    )
    pdf = superbill_pdf(bill, actor.clinic, actor.clinic.zone)
    return _pdf(pdf, f"superbill-{patient.mrn}-{bill.first_day:%Y%m%d}-{bill.last_day:%Y%m%d}.pdf")


@requires("billing.view")
def balances(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(request, "billing/balances.html", {"rows": selectors.balances(actor=actor)})


# Settings ------------------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest, status: int = 200, **forms_: forms.BaseForm
) -> HttpResponse:
    actor = actor_from_request(request)
    current = selectors.billing_settings(actor.clinic.pk)
    physicians = selectors.physicians(actor=actor)
    initial = {f: getattr(current, f) for f in services.payments.SETTINGS_FIELDS}
    context = {
        "settings_form": SettingsForm(initial={**initial, "version": current.version}),
        "package_form": PackageForm(),
        "npi_form": ProviderNpiForm(choices=[(u.pk, u.display_name) for u in physicians]),
        "packages": selectors.packages(actor=actor),
        "numbers": selectors.provider_numbers(actor=actor),
        "physicians": physicians,
        **forms_,
    }
    return render(request, "billing/settings.html", context, status=status)


@requires("billing.configure")
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    if request.method == "GET":
        return _settings_page(request)
    form = SettingsForm(request.POST)
    if form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            services.billing_settings_update(actor=actor, expected_version=version, values=values)
        except ValidationError as error:
            return _settings_page(request, _fail(form, error), settings_form=form)
        messages.success(request, "Billing settings saved.")
        return redirect("billing:settings")
    return _settings_page(request, 400, settings_form=form)


@requires("billing.configure")
@require_POST
def package_add(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = PackageForm(request.POST)
    if form.is_valid():
        try:
            services.package_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            return _settings_page(request, _fail(form, error), package_form=form)
        messages.success(request, "Package added to the price list.")
        return redirect("billing:settings")
    return _settings_page(request, 400, package_form=form)


@requires("billing.configure")
@require_POST
def provider_npi(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    choices = [(u.pk, u.display_name) for u in selectors.physicians(actor=actor)]
    form = ProviderNpiForm(request.POST, choices=choices)
    if form.is_valid():
        try:
            services.provider_npi_set(
                actor=actor, user_id=form.cleaned_data["physician"], npi=form.cleaned_data["npi"]
            )
        except ValidationError as error:
            return _settings_page(request, _fail(form, error), npi_form=form)
        messages.success(request, "NPI saved.")
        return redirect("billing:settings")
    return _settings_page(request, 400, npi_form=form)
