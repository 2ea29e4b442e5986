"""Outcome rows: questionnaire responses, the changes and verdicts derived from them, the
physician's signed reviews, a clinic's licensed item wording and its research-export key.

``QuestionnaireResponse`` is a clinical record: never edited; an erroneous response is marked
entered-in-error with a reason and a corrected one recorded beside it (as lab results).
``OutcomeChange`` and ``OutcomeVerdict`` are *derived*: rebuilt from a patient's responses by
``services`` whenever one of them is recorded or marked in error, so that the programme page
can aggregate them in the database. They hold no information the responses do not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ivmt.core.models import ClinicScopedModel


class Timepoint(models.TextChoices):
    """Where in the series a response belongs (``clinical/data/assessment_schedule.toml``)."""

    BASELINE = "baseline", "Baseline (before dose 1)"
    VISIT = "visit", "Short check at a visit"
    WEEK_6 = "week_6", "Week-6 review"
    END_OF_LOADING = "end_of_loading", "End of loading"
    MAINTENANCE = "maintenance", "Monthly in maintenance"
    FOLLOW_UP = "follow_up", "Follow-up after the series"
    UNSCHEDULED = "unscheduled", "Unscheduled"


# Time points a verdict (change from baseline) is computed for.
COMPARED_TIMEPOINTS = (Timepoint.WEEK_6, Timepoint.END_OF_LOADING, Timepoint.FOLLOW_UP)


class QuestionnaireResponse(ClinicScopedModel):
    class Source(models.TextChoices):
        STAFF = "staff", "Staff, on the patient's behalf"
        CLINICIAN = "clinician", "Clinician's examination"
        PORTAL = "portal", "Patient, in the portal"

    class AlertAction(models.TextChoices):
        ASSESSED_SAFE = "assessed", "Assessed by the physician today"
        REFERRED = "referred", "Referred for urgent assessment"
        EMERGENCY = "emergency", "Emergency services called"
        ANSWER_CORRECTED = "corrected", "Answer was a recording error (corrected)"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument_id = models.CharField(max_length=40)
    instrument_version = models.PositiveSmallIntegerField()
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices)
    # The dose a visit or maintenance check belongs to; 0 when not tied to a dose (a baseline),
    # so the uniqueness constraint below treats it as a value (NULLs are all distinct).
    dose_number = models.PositiveSmallIntegerField(default=0)
    answered_on = models.DateField(help_text="The day the answers describe, in the clinic's zone.")
    # {item id: whole number or null (unanswered)}; checked by the clinical core before saving.
    answers = models.JSONField()
    score = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    band_id = models.CharField(max_length=40, blank=True)
    band_label = models.CharField(max_length=120, blank=True)
    missing_items = models.PositiveSmallIntegerField(default=0)
    reweighted = models.BooleanField(default=False)
    alert_level = models.CharField(max_length=8, blank=True)
    # [{code, severity, message, rule_id}] as the clinical core returned them.
    alerts = models.JSONField(default=list, blank=True)
    knowledge_version = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=200, blank=True)
    alert_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alert_acknowledged_at = models.DateTimeField(null=True, blank=True)
    alert_action = models.CharField(max_length=10, choices=AlertAction.choices, blank=True)

    class Meta:
        ordering = ["answered_on", "id"]
        indexes = [
            models.Index(fields=["patient", "instrument_id", "answered_on"]),
            models.Index(fields=["clinic", "instrument_id", "timepoint"]),
            models.Index(fields=["clinic", "alert_level"]),
        ]
        constraints = [
            # One current response per instrument and time point (per dose for visits): a
            # second one needs the first marked as entered in error.
            models.UniqueConstraint(
                fields=["patient", "instrument_id", "timepoint", "dose_number"],
                condition=models.Q(entered_in_error=False) & ~models.Q(timepoint="unscheduled"),
                name="one_current_response_per_timepoint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.timepoint} {self.answered_on:%Y-%m-%d}"

    @property
    def needs_physician(self) -> bool:
        """A ``stop`` alert not yet acknowledged by a physician."""
        return self.alert_level == "stop" and self.alert_acknowledged_at is None


class OutcomeChange(ClinicScopedModel):
    """Derived: one instrument's change from baseline at a compared time point."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    indication = models.CharField(max_length=40)
    instrument_id = models.CharField(max_length=40)
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices)
    baseline = models.DecimalField(max_digits=9, decimal_places=4)
    current = models.DecimalField(max_digits=9, decimal_places=4)
    change = models.DecimalField(max_digits=9, decimal_places=4)

    class Meta:
        ordering = ["patient", "timepoint", "instrument_id"]
        indexes = [models.Index(fields=["clinic", "indication", "timepoint", "instrument_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_id", "timepoint"], name="one_change_per_timepoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.timepoint}: {self.change}"


class OutcomeVerdict(ClinicScopedModel):
    """Derived: a response rule applied at a compared time point (clinical core verdict)."""

    class Outcome(models.TextChoices):
        RESPONDER = "responder", "Responder"
        NON_RESPONDER = "non_responder", "Non-responder"
        NOT_ASSESSABLE = "not_assessable", "Not assessable"

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    indication = models.CharField(max_length=40)
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices)
    rule_id = models.CharField(max_length=40)
    is_primary = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    baseline = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    current = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    change_percent = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    explanation = models.CharField(max_length=300)
    knowledge_version = models.CharField(max_length=64)

    class Meta:
        ordering = ["patient", "timepoint", "-is_primary", "rule_id"]
        indexes = [models.Index(fields=["clinic", "is_primary", "timepoint", "indication"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "timepoint", "rule_id"], name="one_verdict_per_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.timepoint}: {self.outcome}"


class InstrumentWording(ClinicScopedModel):
    """The wording of a licensed instrument as the clinic's own copy has it.

    The software ships item ids only for instruments whose licence does not allow
    redistribution; the clinic's manager loads the text of its licensed copy here.
    """

    instrument_id = models.CharField(max_length=40)
    licence_reference = models.CharField(
        max_length=200, help_text="e.g. the licence number or agreement the clinic holds."
    )
    # {item id: text}
    items = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["instrument_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_id"], name="one_wording_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} wording v{self.version}"


class ResearchExportKey(ClinicScopedModel):
    """The clinic's secret for pseudonyms and per-patient date shifts in research exports.

    Stable, so that two exports shift a patient's dates by the same offset and give them the
    same pseudonym; kept in the database (not derived from SECRET_KEY), so rotating the
    deployment secret does not re-identify or re-shuffle earlier exports.
    """

    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic"]
        constraints = [models.UniqueConstraint(fields=["clinic"], name="one_export_key_per_clinic")]

    def __str__(self) -> str:
        return f"Research export key ({self.clinic_id})"


class Review(ClinicScopedModel):
    """A physician's signed week-6 or end-of-loading review and the decision it drove.

    The review point is the course's ``PlannedReview`` (orders); ``order`` is the course version
    reviewed and ``resulting_order`` the version the decision signed (an amendment with the
    new maintenance interval) or stopped. Immutable once written.
    """

    class Kind(models.TextChoices):
        WEEK_6 = "week_6", "Week-6 review"
        END_OF_LOADING = "end_of_loading", "End-of-loading review"

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue the course as ordered"
        MAINTENANCE_14 = "maintenance_14", "Move to maintenance every 2 weeks"
        MAINTENANCE_28 = "maintenance_28", "Move to maintenance monthly (every 4 weeks)"
        STOP = "stop", "Stop the series"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="outcome_reviews"
    )
    order = models.ForeignKey("orders.CourseOrder", on_delete=models.PROTECT, related_name="+")
    review_point = models.CharField(max_length=40, help_text="The protocol's review id.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_on = models.DateField()
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.CharField(max_length=200, blank=True)
    # What the physician saw: [{rule_id, outcome, baseline, current, change_percent, explanation,
    # status, is_primary}] for this time point, as the clinical core computed it.
    verdicts = models.JSONField(default=list, blank=True)
    knowledge_version = models.CharField(max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    resulting_order = models.ForeignKey(
        "orders.CourseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "due_on"], name="one_review_per_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d}: {self.decision}"

    @property
    def ends_loading(self) -> bool:
        return self.decision != self.Decision.CONTINUE
