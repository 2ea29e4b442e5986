"""Billing forms: parse and bound-check at the boundary; the services decide the rest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ivmt.billing.models import Charge, DocumentKind, Payment, SignedDocument
from ivmt.billing.signature import MAX_BYTES

MONEY = {
    "max_digits": 8,
    "decimal_places": 2,
    "min_value": Decimal("0.00"),
    "max_value": Decimal("50000.00"),
}


class SignForm(forms.Form):
    template_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    signer = forms.ChoiceField(
        label="Who signs", choices=SignedDocument.Signer.choices, initial="patient"
    )
    signer_name = forms.CharField(
        label="Full name, typed by the signer",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    signature = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-field": "1"}),
        max_length=MAX_BYTES * 2,
        required=False,
        error_messages={"max_length": "The signature image is too large."},
    )
    witnessed = forms.BooleanField(
        label="I witnessed the signer read and sign this document",
        required=False,
    )


class PublishForm(forms.Form):
    kind = forms.ChoiceField(label="Document", choices=DocumentKind.choices)
    title = forms.CharField(max_length=120)
    body = forms.CharField(
        label="Wording",
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=20000,
        help_text="Plain text; a blank line between paragraphs. Publishing makes a new version: "
        "patients who signed an older one are asked to sign again at their next visit.",
    )


class PaymentForm(forms.Form):
    method = forms.ChoiceField(choices=Payment.Method.choices)
    amount = forms.DecimalField(label="Amount (USD)", **MONEY)  # type: ignore[arg-type]
    reference = forms.CharField(
        max_length=60,
        required=False,
        help_text="Card: the terminal's receipt number or the last four digits — never the "
        "card number. Insurance: the payer and claim number.",
    )
    received_on = forms.DateField(
        label="Received on", widget=forms.DateInput(attrs={"type": "date"})
    )


class ChargeForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in Charge.Kind.choices if k in ("office_visit", "other")]
    )
    description = forms.CharField(max_length=160, required=False)
    code = forms.CharField(label="CPT/HCPCS code", max_length=5, required=False)
    amount = forms.DecimalField(
        label="Amount (USD)",
        required=False,
        help_text="Leave empty for an office visit at the price list's fee.",
        **MONEY,  # type: ignore[arg-type]
    )
    service_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class PackageSellForm(forms.Form):
    package = forms.TypedChoiceField(coerce=int, choices=())
    service_date = forms.DateField(label="Sold on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].choices = choices  # type: ignore[attr-defined]


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=200)


class SuperbillForm(forms.Form):
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            raise forms.ValidationError("The period ends before it starts.")
        if first and last and (last - first).days > 366:
            raise forms.ValidationError("A superbill covers at most a year.")
        return data


class SettingsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    compounding_fee = forms.DecimalField(**MONEY)  # type: ignore[arg-type]
    infusion_fee = forms.DecimalField(label="Infusion, first hour (96365)", **MONEY)  # type: ignore[arg-type]
    additional_hour_fee = forms.DecimalField(
        label="Infusion, each additional hour (96366)",
        **MONEY,  # type: ignore[arg-type]
    )
    push_fee = forms.DecimalField(label="IV push (96374)", **MONEY)  # type: ignore[arg-type]
    office_visit_fee = forms.DecimalField(**MONEY)  # type: ignore[arg-type]
    office_visit_code = forms.CharField(max_length=5, required=False)
    waiver_required = forms.BooleanField(
        label="A course needs the financial waiver signed (untick: optional)", required=False
    )
    billing_name = forms.CharField(max_length=120, required=False)
    npi = forms.CharField(label="Organisation NPI", max_length=10, required=False)
    tax_id = forms.CharField(label="Tax id (EIN, NN-NNNNNNN)", max_length=10, required=False)
    place_of_service = forms.CharField(max_length=2, initial="11")


class PackageForm(forms.Form):
    name = forms.CharField(max_length=80)
    infusions = forms.IntegerField(min_value=1, max_value=52)
    price = forms.DecimalField(label="Price (USD)", **MONEY)  # type: ignore[arg-type]


class ProviderNpiForm(forms.Form):
    physician = forms.TypedChoiceField(coerce=int, choices=())
    npi = forms.CharField(label="NPI", max_length=10)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["physician"].choices = choices  # type: ignore[attr-defined]
