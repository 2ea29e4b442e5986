from __future__ import annotations

from typing import Any

from django import forms


class AuditFilterForm(forms.Form):
    mrn = forms.CharField(label="Patient MRN", max_length=20, required=False)
    username = forms.CharField(label="User name", max_length=150, required=False)
    day_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    day_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    denied_only = forms.BooleanField(label="Refused attempts only", required=False)
    page = forms.IntegerField(
        min_value=1, max_value=100000, required=False, widget=forms.HiddenInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("day_from"), data.get("day_to")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return data
