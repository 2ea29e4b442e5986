"""Infusion chairs. Appointments, shifts and series booking build on these."""

from __future__ import annotations

from django.db import models

from ivmt.core.models import ClinicScopedModel


class Chair(ClinicScopedModel):
    name = models.CharField(max_length=40, help_text="As staff call it, e.g. 'Chair 3 (window)'")
    in_service = models.BooleanField(default=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["clinic", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="chair_name_unique_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name
