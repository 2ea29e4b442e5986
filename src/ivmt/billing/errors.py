"""Refusals of the billing services (a ``ValidationError`` whose message is for the user)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class BillingError(ValidationError):
    """Bad input or a refused change; nothing was written."""


class BillingConflict(BillingError):
    """The record changed since the form was read (HTTP 409)."""
