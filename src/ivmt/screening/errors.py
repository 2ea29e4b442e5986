"""Errors a screening write raises; views show ``error.messages`` and change nothing."""

from django.core.exceptions import ValidationError


class ScreeningError(ValidationError):
    """A refused screening action (a decision not allowed, a stale form, a bad value).

    A ``ValidationError`` so that pages handle it like any other bad input; ``code="conflict"``
    marks a stale-version refusal (HTTP 409).
    """
