"""The patient chart's rows. Each carries its clinic, so every query can be scoped by it."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from ivmt.core.models import ClinicScopedModel


class Patient(ClinicScopedModel):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    mrn = models.CharField("MRN", max_length=20)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=255, blank=True)
    # Optimistic concurrency: a save carrying an older version is refused, never merged.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_per_clinic")
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


class PatientIndication(ClinicScopedModel):
    """Why the patient is referred for IVMT: a code from the clinical core's indication list."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="indications")
    code = models.CharField(max_length=40)
    # Blank for "other", which has no code of its own until a clinician records one.
    icd10 = models.CharField("ICD-10", max_length=10, blank=True)
    is_primary = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "code"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "code"], name="indication_once_per_patient")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.icd10})"


class Condition(ClinicScopedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RESOLVED = "resolved", "Resolved"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    description = models.CharField(max_length=200)
    icd10 = models.CharField("ICD-10", max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    onset = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "description"]

    def __str__(self) -> str:
        return self.description


class Medication(ClinicScopedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=120)
    # The catalogue code (ivmt.clinical.medications) screening reads; blank = not coded, which
    # screening reports for a physician to review rather than passing it silently.
    drug_code = models.CharField("coded as", max_length=40, blank=True)
    dose = models.CharField(max_length=120, blank=True, help_text="e.g. 125 mcg once daily")
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stopped_on", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}".strip()

    @property
    def is_current(self) -> bool:
        return self.stopped_on is None


class Allergy(ClinicScopedModel):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe (anaphylaxis)"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(max_length=120)
    # The catalogue code (ivmt.clinical.allergens) screening reads; blank = not coded.
    allergen_code = models.CharField("coded as", max_length=40, blank=True)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.UNKNOWN)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class LabResult(ClinicScopedModel):
    """One analyte result. The value is kept as entered and in the analyte's canonical unit.

    Results are never edited: an erroneous result is marked entered-in-error with a reason and a
    corrected one is recorded beside it.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="lab_results")
    analyte = models.CharField(max_length=32)
    loinc = models.CharField("LOINC", max_length=16)
    value_entered = models.DecimalField(max_digits=12, decimal_places=4)
    unit_entered = models.CharField(max_length=24)
    value = models.DecimalField(max_digits=16, decimal_places=6)
    unit = models.CharField(max_length=24)
    reference_low = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True)
    flag = models.CharField(max_length=1, blank=True)
    collected_at = models.DateTimeField()
    lab_name = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["analyte", "-collected_at", "-id"]
        indexes = [models.Index(fields=["patient", "analyte", "collected_at"])]

    def __str__(self) -> str:
        return f"{self.analyte} {self.value} {self.unit} {self.flag}".strip()
