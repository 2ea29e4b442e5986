"""Template helpers: Bootstrap classes on form widgets, plain decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

from ivmt.clinical import labs
from ivmt.clinical.errors import ClinicalError

register = template.Library()


@register.filter
def bs(field: forms.BoundField) -> SafeString:
    """Render a widget with the Bootstrap class its kind needs, and ARIA error links."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        css = ""
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    attrs: dict[str, Any] = {}
    if css:
        attrs["class"] = css + (" is-invalid" if field.errors else "")
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def plain(value: Any) -> str:
    """A Decimal without trailing zeros (2.100000 → 2.1), for display only."""
    try:
        return f"{value.normalize():f}"
    except AttributeError:
        return str(value)


@register.filter
def lab(value: Decimal | None, analyte_code: str) -> str:
    """A canonical-unit lab value rounded to the places the knowledge base gives that unit."""
    if value is None:
        return ""
    unit = labs.analyte(analyte_code).canonical_unit
    return f"{labs.round_for_display(analyte_code, value, unit).normalize():f}"


@register.filter
def lab_as_reported(result: Any) -> str:
    """A result as the lab reported it (value and unit entered), rounded for display."""
    try:
        shown = labs.round_for_display(result.analyte, result.value_entered, result.unit_entered)
    except ClinicalError:
        shown = result.value_entered
    return f"{shown.normalize():f} {result.unit_entered}"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def analyte_name(code: str) -> str:
    try:
        return labs.analyte(code).name
    except ClinicalError:
        return code
