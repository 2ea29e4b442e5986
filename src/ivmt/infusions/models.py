"""Chair-side charting: one chart per planned dose, from arrival to the nurse's signature.

* :class:`InfusionPolicy` — the clinic's hold limits (clinic policy, defaults and allowed ranges
  in ``clinical/data/vital_signs.toml``) and which optional vital signs it charts.
* :class:`Wristband` — the patient's identification band: a random 80-bit code printed as a
  Code 128 barcode. Like the bag code, it is unguessable on purpose: the MRN alone is printed
  on letters and forms, so anyone could make a band that scans as another patient.
* :class:`InfusionChart` — the visit: check-in (arrival, pre-visit advice, pre-dose screening,
  holds), identification (wristband and bag scanned), the IV, the run (start, end, billing
  facts), flush and removal, the signature. Editable under an optimistic ``version`` until
  signed; immutable afterwards (corrections are :class:`ChartAmendment` rows).
* :class:`VitalSigns`, :class:`RateEvent`, :class:`Observation` — timestamped rows charted
  during the visit; never edited.
* :class:`AdverseEvent` — a serious or severe reaction, with actions and outcome; physicians
  see open ones on their dashboard until one acknowledges it.
* :class:`NextDoseAdvice` — after minor side effects, the clinical core's proposal for the
  next dose; a physician accepts it (a new signed order version) or dismisses it.

Lock order of every service here: patient → chart → (the pharmacy continues: compounding
record). Billing, called at signing, locks the patient first too.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.side_effects import side_effect
from ivmt.core.models import ClinicScopedModel

# Crockford base32 without I, L, O, U, as the pharmacy's bag codes: read aloud or typed from a
# worn band without confusion.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WRISTBAND_CODE_LENGTH = 16  # 80 random bits


def new_wristband_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(WRISTBAND_CODE_LENGTH))


class InfusionPolicy(ClinicScopedModel):
    """A clinic's hold limits and optional vital signs (changed by the medical director)."""

    # Hold limit id → value as a decimal string; ids missing here use the data's default.
    hold_limits = models.JSONField(default=dict, blank=True)
    # Ids of the optional vital signs the clinic charts (blood pressure and pulse always).
    charted_vitals = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "infusion policies"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_infusion_policy_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Infusion policy (version {self.version})"


class Wristband(ClinicScopedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=24, unique=True, default=new_wristband_code, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_wristband_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Wristband {self.code}"


class InfusionChart(ClinicScopedModel):
    class Status(models.TextChoices):
        ARRIVED = "arrived", "Arrived"
        HELD = "held", "Held"
        READY = "ready", "Identified, bag ready"
        INFUSING = "infusing", "Infusing"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Infusion ended, IV still in"
        DONE = "done", "Done, awaiting signature"
        SIGNED = "signed", "Signed"

    OPEN = ("arrived", "held", "ready", "infusing", "paused", "ended")
    RUNNING = ("infusing", "paused")

    class Site(models.TextChoices):
        HAND = "hand", "Back of the hand"
        FOREARM = "forearm", "Forearm"
        ANTECUBITAL = "antecubital", "Bend of the elbow (antecubital)"

    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    class Device(models.TextChoices):
        CATHETER = "catheter", "Peripheral catheter"
        BUTTERFLY = "butterfly", "Butterfly (winged needle)"

    class SiteCheck(models.TextChoices):
        CLEAN = "clean", "Clean, dry, no redness or swelling"
        REDNESS = "redness", "Redness"
        SWELLING = "swelling", "Swelling"
        BRUISING = "bruising", "Bruising"
        BLEEDING = "bleeding", "Bleeding, pressure applied"
        PAIN = "pain", "Painful"

    class EndReason(models.TextChoices):
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped early"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusion_charts"
    )
    dose = models.ForeignKey(
        "orders.PlannedDose", on_delete=models.PROTECT, related_name="infusion_charts"
    )
    order = models.ForeignKey("orders.CourseOrder", on_delete=models.PROTECT, related_name="+")
    chair = models.ForeignKey(
        "scheduling.Chair", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ARRIVED)

    # Check-in.
    arrived_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Why the dose is given on another day than planned ("" when on its day).
    moved_reason = models.CharField(max_length=200, blank=True)
    advice_fluids = models.BooleanField("Drank plenty of fluids before the visit", default=False)
    advice_warm = models.BooleanField("Dressed warm", default=False)
    screening_run_id = models.BigIntegerField(null=True, blank=True)
    screening_outcome = models.CharField(max_length=20, blank=True)
    # Reasons the dose is held: [{"source": "vitals"|"screening"|"nurse", "code", "message"}].
    holds = models.JSONField(default=list, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    hold_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold_released_at = models.DateTimeField(null=True, blank=True)
    hold_release_reason = models.CharField(max_length=300, blank=True)

    # Positive identification.
    wristband = models.ForeignKey(
        Wristband, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bag = models.ForeignKey(
        "pharmacy.CompoundingRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The IV.
    iv_site = models.CharField("IV site", max_length=12, choices=Site.choices, blank=True)
    iv_side = models.CharField("Side", max_length=5, choices=Side.choices, blank=True)
    iv_device = models.CharField("Device", max_length=10, choices=Device.choices, blank=True)
    iv_gauge = models.PositiveSmallIntegerField("Gauge", null=True, blank=True)
    iv_attempts = models.PositiveSmallIntegerField("Attempts", null=True, blank=True)
    iv_placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    iv_placed_at = models.DateTimeField(null=True, blank=True)

    # The run: what was planned (from the order) and what happened (billing facts, exact).
    volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    planned_duration_min = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    planned_rate_ml_per_h = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    drops_per_ml = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    # "push" (15 min or less, CPT 96374) or "infusion" (96365), from start and stop.
    administration_kind = models.CharField(max_length=10, blank=True)
    running_min = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)

    # Flush, removal, discharge.
    flush_ml = models.DecimalField(
        "Saline flush (mL)", max_digits=6, decimal_places=1, null=True, blank=True
    )
    iv_removed_at = models.DateTimeField(null=True, blank=True)
    site_check = models.CharField(max_length=10, choices=SiteCheck.choices, blank=True)
    bandage = models.BooleanField(default=False)
    discharge_advice = models.BooleanField(default=False)
    not_given_reason = models.CharField(max_length=200, blank=True)

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    charges_note = models.CharField(max_length=300, blank=True)

    # Optimistic concurrency: every write carries the version its author read.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "arrived_at"]),
            models.Index(fields=["clinic", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dose"], name="one_chart_per_dose"),
            # One patient at a time in a chair (the check-in also locks the chair row).
            models.UniqueConstraint(
                fields=["chair"],
                condition=models.Q(
                    status__in=["arrived", "held", "ready", "infusing", "paused", "ended"]
                ),
                name="one_open_chart_per_chair",
            ),
        ]

    def __str__(self) -> str:
        return f"Infusion chart {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("infusions:chart", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def given(self) -> bool:
        return self.started_at is not None

    @property
    def iv_recorded(self) -> bool:
        return bool(self.iv_site)


class VitalSigns(ClinicScopedModel):
    class Phase(models.TextChoices):
        PRE_DOSE = "pre_dose", "Before the dose"
        DURING = "during", "During the infusion"
        AFTER = "after", "After the infusion"

    chart = models.ForeignKey(InfusionChart, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    taken_at = models.DateTimeField()
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    temperature_c = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    spo2_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    # Hold limit ids this reading was outside (clinic policy at the time).
    outside_limits = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"Vitals {self.systolic_mmhg}/{self.diastolic_mmhg} at {self.taken_at:%H:%M}"


class RateEvent(ClinicScopedModel):
    class Kind(models.TextChoices):
        START = "start", "Started"
        SLOW = "slow", "Slowed"
        FASTER = "faster", "Rate increased"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        STOP = "stop", "Stopped"
        COMPLETE = "complete", "Completed"

    chart = models.ForeignKey(InfusionChart, on_delete=models.PROTECT, related_name="rate_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()
    # The pump rate from this moment (0 when paused or stopped).
    rate_ml_per_h = models.DecimalField(max_digits=8, decimal_places=2)
    reason = models.CharField(max_length=200, blank=True)
    # A physician named for a rate faster than the label limits, with the reason.
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%H:%M} ({self.rate_ml_per_h} mL/h)"


class Observation(ClinicScopedModel):
    """A side effect or sign charted during the visit (ids from side_effects.toml)."""

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    chart = models.ForeignKey(InfusionChart, on_delete=models.PROTECT, related_name="observations")
    at = models.DateTimeField()
    side_effect_id = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    note = models.CharField(max_length=300, blank=True)
    # What the nurse did (required for signs of leaking and for serious events).
    action_taken = models.CharField(max_length=500, blank=True)
    stopped_infusion = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.side_effect_id} ({self.severity}) at {self.at:%H:%M}"


class AdverseEvent(ClinicScopedModel):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"
        LIFE_THREATENING = "life_threatening", "Life-threatening"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved at the clinic"
        RESOLVING = "resolving", "Resolving"
        ONGOING = "ongoing", "Ongoing"
        TRANSFERRED = "transferred", "Transferred to emergency care"
        UNKNOWN = "unknown", "Not yet known"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="adverse_events"
    )
    chart = models.ForeignKey(
        InfusionChart, on_delete=models.PROTECT, related_name="adverse_events"
    )
    observation = models.OneToOneField(
        Observation, on_delete=models.PROTECT, related_name="adverse_event"
    )
    side_effect_id = models.CharField(max_length=40)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    occurred_at = models.DateTimeField()
    actions = models.CharField(max_length=500)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    outcome_note = models.CharField(max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    physician_note = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"Adverse event {self.pk}: {self.side_effect_id} ({self.severity})"

    def get_absolute_url(self) -> str:
        return reverse("infusions:adverse_event", args=[self.pk])

    @property
    def side_effect_name(self) -> str:
        """The side effect's name in the knowledge base (the id when it was retired)."""
        try:
            return side_effect(self.side_effect_id).name
        except ClinicalError:
            return self.side_effect_id


class ChartAmendment(ClinicScopedModel):
    """A correction of a signed chart: the original stays on the chart, untouched."""

    chart = models.ForeignKey(InfusionChart, on_delete=models.PROTECT, related_name="amendments")
    # The chart field corrected, or "addendum" for a note added after signing.
    field = models.CharField(max_length=30)
    original = models.CharField(max_length=300, blank=True)
    corrected = models.CharField(max_length=500)
    reason = models.CharField(max_length=300)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField()

    class Meta:
        ordering = ["amended_at", "id"]

    def __str__(self) -> str:
        return f"Amendment of {self.field} on chart {self.chart_id}"


class NextDoseAdvice(ClinicScopedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting a physician"
        ACCEPTED = "accepted", "Accepted into a new order version"
        DISMISSED = "dismissed", "Dismissed"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="next_dose_advice"
    )
    chart = models.OneToOneField(
        InfusionChart, on_delete=models.PROTECT, related_name="next_dose_advice"
    )
    order = models.ForeignKey("orders.CourseOrder", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reasons = models.JSONField(default=list)
    slower = models.BooleanField(default=False)
    dilute = models.BooleanField(default=False)
    changed = models.BooleanField(default=False)
    current_duration_min = models.DecimalField(max_digits=6, decimal_places=1)
    proposed_duration_min = models.DecimalField(max_digits=6, decimal_places=1)
    current_into_saline_ml = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    proposed_into_saline_ml = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    proposed_rate_ml_per_h = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True
    )
    proposed_osmolarity_mosm_per_l = models.DecimalField(max_digits=7, decimal_places=0)
    proposed_magnesium_meq_per_min = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    summary = models.CharField(max_length=600)
    knowledge_version = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)
    resulting_order = models.ForeignKey(
        "orders.CourseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"Next-dose advice {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("infusions:advice", args=[self.pk])
