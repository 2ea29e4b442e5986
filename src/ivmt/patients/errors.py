"""Errors a patient-chart write can raise; views turn them into messages, never a 500."""

from django.core.exceptions import ValidationError


class EditConflict(ValidationError):
    """Someone else saved this record after you opened it; nothing was overwritten."""
