"""Screening rows: the clinic's policy, intake answers, runs with their facts and findings,
physician decisions, knowledge approvals and lab requests.

Runs, decisions, approvals and lab requests are written once and never edited (signed clinical
records); a changed chart makes a new run. The intake and the clinic policy are editable records
with an optimistic ``version``: a stale save is refused, never merged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from ivmt.clinical.screening import Finding, by_severity
from ivmt.clinical.screening_rules import policy_defaults
from ivmt.core.models import ClinicScopedModel
from ivmt.patients.models import Patient

_DEFAULTS = policy_defaults()
DEFAULT_FORMULA = "seed_recipe"


class ScreeningPolicy(models.Model):
    """A clinic's screening thresholds (clinic policy, not clinical fact: see
    ``clinical/data/screening_rules.toml`` [[policy]] for defaults, ranges and sources)."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.CASCADE, related_name="screening_policy"
    )
    electrolyte_window_days = models.PositiveSmallIntegerField(
        default=int(_DEFAULTS["electrolyte_window_days"])
    )
    egfr_hard_stop_below = models.DecimalField(
        max_digits=5, decimal_places=1, default=_DEFAULTS["egfr_hard_stop_below"]
    )
    egfr_caution_below = models.DecimalField(
        max_digits=5, decimal_places=1, default=_DEFAULTS["egfr_caution_below"]
    )
    formula_id = models.CharField(
        "planned formula",
        max_length=40,
        default=DEFAULT_FORMULA,
        help_text="Screening checks this formula, made up with its stated and default volumes.",
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "screening policies"

    def __str__(self) -> str:
        return f"Screening policy of {self.clinic}"

    def values(self) -> dict[str, Decimal]:
        """The policy as the clinical core takes it."""
        return {
            "electrolyte_window_days": Decimal(self.electrolyte_window_days),
            "egfr_hard_stop_below": self.egfr_hard_stop_below,
            "egfr_caution_below": self.egfr_caution_below,
        }


class Intake(ClinicScopedModel):
    """What the intake interview records beyond the chart: symptoms at baseline, pregnancy and
    breastfeeding, that the medication and allergy lists were gone through with the patient,
    and the nutritionist referral offer (seed 000)."""

    class Pregnancy(models.TextChoices):
        UNKNOWN = "unknown", "Not asked yet"
        NOT_PREGNANT = "not_pregnant", "Not pregnant"
        PREGNANT = "pregnant", "Pregnant"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    class Referral(models.TextChoices):
        NOT_OFFERED = "not_offered", "Not offered yet"
        OFFERED = "offered", "Offered, patient is thinking about it"
        ACCEPTED = "accepted", "Offered and accepted"
        DECLINED = "declined", "Offered and declined"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake")
    symptoms_baseline = models.TextField(max_length=2000, blank=True)
    symptom_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    pregnancy_status = models.CharField(
        max_length=16, choices=Pregnancy.choices, default=Pregnancy.UNKNOWN
    )
    breastfeeding = models.BooleanField(default=False)
    medications_reviewed = models.BooleanField(default=False)
    allergies_reviewed = models.BooleanField(default=False)
    nutritionist_referral = models.CharField(
        max_length=12, choices=Referral.choices, default=Referral.NOT_OFFERED
    )
    referral_recorded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["patient"]

    def __str__(self) -> str:
        return f"Intake of {self.patient}"


class ScreeningRun(ClinicScopedModel):
    """One evaluation of the rules over a snapshot of the patient's facts. Never edited."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Screened on request"
        INTAKE = "intake", "Intake saved"
        CHART_CHANGE = "chart_change", "Chart changed"
        CHECK_IN = "check_in", "Check-in"

    class Outcome(models.TextChoices):
        CLEAR = "clear", "Clear"
        CAUTION = "caution", "Caution"
        PHYSICIAN_REVIEW = "physician_review", "Physician review"
        HARD_STOP = "hard_stop", "Hard stop"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screening_runs")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    trigger_detail = models.CharField(max_length=40, blank=True)
    as_of = models.DateField()
    knowledge_version = models.CharField(max_length=40)
    facts = models.JSONField()
    facts_fingerprint = models.CharField(max_length=64)
    policy = models.JSONField()
    findings = models.JSONField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    hard_stop_count = models.PositiveSmallIntegerField(default=0)
    blocking_count = models.PositiveSmallIntegerField(
        default=0, help_text="Hard stops no physician decision can pass (missing baseline labs)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-id"]), models.Index(fields=["clinic", "-id"])]

    def __str__(self) -> str:
        return f"Screening #{self.pk} of {self.patient_id}: {self.outcome}"

    def finding_list(self) -> tuple[Finding, ...]:
        return tuple(Finding.from_json(f) for f in self.findings)

    def grouped(self) -> list[tuple[str, tuple[Finding, ...]]]:
        return by_severity(self.finding_list())

    def lab_requests_needed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for f in self.finding_list() for a in f.request_labs))

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.findings:
            found[item["severity"]] = found.get(item["severity"], 0) + 1
        return found


class ScreeningDecision(ClinicScopedModel):
    """A physician's signed decision on one run. Never edited; a new run needs a new one."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        OVERRIDE = "override", "Hard stop overridden"
        DECLINE = "decline", "Declined"

    run = models.OneToOneField(ScreeningRun, on_delete=models.PROTECT, related_name="decision")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(max_length=2000, blank=True)
    overridden_rules = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} (run {self.run_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A signed screening decision cannot be changed.")
        super().save(*args, **kwargs)


class KnowledgeApproval(ClinicScopedModel):
    """The clinic's medical director approved this knowledge version for use with patients."""

    # The approved knowledge version (``ivmt.clinical.knowledge.knowledge_version()``).
    version = models.CharField(max_length=40)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "version"], name="knowledge_approved_once_per_clinic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} approved for {self.clinic_id}"


class LabRequest(ClinicScopedModel):
    """A one-click lab request note made from a screening finding (missing baseline labs)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="lab_requests")
    run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    analytes = models.JSONField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Lab request for {self.patient_id}: {', '.join(self.analytes)}"
