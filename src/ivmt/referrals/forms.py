"""Referral and directory forms: bounds at the boundary; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from ivmt.referrals.models import DirectoryEntry, Referral


class ReferralForm(forms.Form):
    nutritionist = forms.TypedChoiceField(coerce=int, choices=())
    question = forms.CharField(
        label="Question for the nutritionist",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nutritionist"].choices = choices  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(choices=Referral.Status.choices)
    appointment_on = forms.DateField(
        label="Appointment date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SearchForm(forms.Form):
    name = forms.CharField(max_length=80, required=False)
    city = forms.CharField(max_length=80, required=False)
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *DirectoryEntry.Kind.choices], required=False
    )
    compounds = forms.CharField(label="Compounds or offers", max_length=80, required=False)


class EntryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    kind = forms.ChoiceField(choices=DirectoryEntry.Kind.choices)
    name = forms.CharField(max_length=120)
    organisation = forms.CharField(max_length=120, required=False)
    address = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=80)
    state = forms.CharField(max_length=40, required=False)
    postal_code = forms.CharField(max_length=12, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    compounds = forms.CharField(label="What they compound or offer", max_length=300, required=False)
    offers_ivmt = forms.BooleanField(label="Offers or compounds IVMT", required=False)
    shared = forms.BooleanField(label="Share this entry with other clinics", required=False)

    def __init__(self, *args: Any, may_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["shared"]
