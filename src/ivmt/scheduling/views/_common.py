"""Helpers of the scheduling pages: a service's error on its form, 400 or 409, the date asked."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ivmt.patients.errors import EditConflict
from ivmt.scheduling.forms import DayForm


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's error to the form: to its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def status_of(error: ValidationError) -> int:
    return 409 if isinstance(error, EditConflict) else 400


def day_from(request: HttpRequest) -> tuple[date | None, DayForm]:
    form = DayForm(request.GET or None)
    if request.GET and not form.is_valid():
        return None, form
    chosen = form.cleaned_data.get("date") if request.GET else None
    return chosen, form
