"""Template helpers for order and pharmacy pages."""

from __future__ import annotations

from django import forms, template

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.ingredients import ingredient
from ivmt.orders.presentation import severity_class as _severity_class

register = template.Library()


@register.filter
def get_field(form: forms.BaseForm, name: str) -> forms.BoundField:
    """``form|get_field:name``: a bound field whose name is built at run time."""
    return form[name]


@register.filter
def field_label(form: forms.BaseForm, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name


@register.filter
def severity_class(severity: str) -> str:
    return _severity_class(severity)


@register.filter
def ingredient_name(ingredient_id: str) -> str:
    """The catalogue name of an ingredient id (the id itself if unknown)."""
    try:
        return ingredient(ingredient_id).name
    except ClinicalError:
        return ingredient_id
