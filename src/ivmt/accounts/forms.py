from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from ivmt.accounts.models import Clinic, OpeningHours
from ivmt.core.roles import Role

TIME_ZONE_CHOICES = sorted((z, z) for z in zoneinfo.available_timezones() if "/" in z)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app (or a backup code)",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isalnum():
            raise forms.ValidationError("The code has only letters and digits.")
        return token


class ClinicSettingsForm(forms.ModelForm[Clinic]):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = Clinic
        fields = [
            "name",
            "time_zone",
            "address",
            "phone",
            "idle_timeout_minutes",
            "require_staff_2fa",
        ]


class OpeningHoursForm(forms.Form):
    """One row per weekday: closed, or open from–to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in OpeningHours.Weekday.choices:
            self.fields[f"open_{value}"] = forms.BooleanField(
                label=f"Open on {label}", required=False
            )
            self.fields[f"opens_{value}"] = forms.TimeField(
                label=f"{label} opens",
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"closes_{value}"] = forms.TimeField(
                label=f"{label} closes",
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, label in OpeningHours.Weekday.choices:
            if data.get(f"open_{value}"):
                opens, closes = data.get(f"opens_{value}"), data.get(f"closes_{value}")
                if opens is None or closes is None:
                    raise forms.ValidationError(f"{label}: give both opening and closing times.")
                if closes <= opens:
                    raise forms.ValidationError(f"{label}: closing time must be after opening.")
        return data

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (label, self[f"open_{value}"], self[f"opens_{value}"], self[f"closes_{value}"])
            for value, label in OpeningHours.Weekday.choices
        ]

    def weekly_hours(self) -> dict[int, tuple[Any, Any]]:
        return {
            value: (self.cleaned_data[f"opens_{value}"], self.cleaned_data[f"closes_{value}"])
            for value, _ in OpeningHours.Weekday.choices
            if self.cleaned_data.get(f"open_{value}")
        }


class ClosedDayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=120, required=False)


class StaffMemberForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        max_length=150,
        error_messages={"invalid": "Use 3–150 letters, digits and . @ + - _"},
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    title = forms.CharField(max_length=20, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.PATIENT])
    is_medical_director = forms.BooleanField(required=False, label="Medical director")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Only used when the user is new.",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_medical_director") and data.get("role") != Role.PHYSICIAN:
            raise forms.ValidationError("Only a physician can be the medical director.")
        password = data.get("password")
        if password:
            validate_password(password)
        return data
