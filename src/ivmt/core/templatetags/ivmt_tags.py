"""Template helpers: Bootstrap classes on form widgets, plain decimals."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

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
