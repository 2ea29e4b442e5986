"""Checks of free text typed into billing and referral forms.

Text may end up in a CSV opened by a spreadsheet or in a PDF: a leading ``= + - @`` (or a tab
or carriage return) would make a spreadsheet run it as a formula, and control characters have no
place in a name or a reference. Such text is refused with a clear message rather than silently
changed. Angle brackets are refused in names and references (never needed there); everything
is escaped again wherever it is shown.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKUP = re.compile(r"[<>]")


def clean_text(value: str, label: str, *, max_length: int, required: bool = True) -> str:
    """``value`` stripped; raises ValidationError when empty (if required), too long, starting
    like a spreadsheet formula, or holding control characters or angle brackets."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(f"{label} is required.")
        return ""
    if len(value) > max_length:
        raise ValidationError(f"{label} is too long (at most {max_length} characters).")
    if value.startswith(_FORMULA_START):
        raise ValidationError(
            f"{label} cannot start with = + - or @ (a spreadsheet would run it as a formula)."
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValidationError(f"{label} contains invisible control characters.")
    if _MARKUP.search(value):
        raise ValidationError(f"{label} cannot contain < or >.")
    return value


def clean_prose(value: str, label: str, *, max_length: int) -> str:
    """Free text over several lines (a question, a note): no control characters but line
    breaks, no formula start; angle brackets are allowed (every page and PDF escapes them)."""
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_length:
        raise ValidationError(f"{label} is too long (at most {max_length} characters).")
    if value.startswith(_FORMULA_START):
        raise ValidationError(
            f"{label} cannot start with = + - or @ (a spreadsheet would run it as a formula)."
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\n" for ch in value):
        raise ValidationError(f"{label} contains invisible control characters.")
    return value
