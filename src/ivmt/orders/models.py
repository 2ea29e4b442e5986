"""Course orders: what a physician prescribes for a series of IVMT infusions.

A :class:`CourseOrder` is one version of a patient's course: the formula and its chosen volumes
(:class:`OrderLine`), route, planned duration, saline, protocol and start date. A draft is
edited under an optimistic ``version``; signing freezes it and writes the planned doses
(:class:`PlannedDose`) and review points (:class:`PlannedReview`) from the clinical core's
protocol expansion. A change to a signed order is a new draft linked by ``previous`` with a
reason; when that draft is signed, the old version becomes ``superseded`` (its clinical content
never changes — only ``status`` and the ``ended_*`` fields are written after signing).

Trade-off: the volumes are rows (one per formula component) rather than a JSON blob, so that the
pharmacy, the stock forecast and the recall queries read exact Decimals with a unit.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.formulas import Formula, Route, formula
from ivmt.clinical.protocols import Protocol, protocol
from ivmt.core.models import ClinicScopedModel

DEFAULT_OSMOLARITY_LIMIT = "peripheral_900"


class OrderSettings(ClinicScopedModel):
    """Prescribing choices a clinic's medical director makes once for every order."""

    # The peripheral-vein school the osmolarity check uses (ASPEN/ESPEN 900 or INS 600 mOsm/L,
    # REFERENCE.md §3.2): a clinic decision, so it is data here rather than a constant.
    osmolarity_limit_id = models.CharField(max_length=40, default=DEFAULT_OSMOLARITY_LIMIT)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "order settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_order_settings_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Order settings ({self.osmolarity_limit_id})"


class CourseOrder(ClinicScopedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (unsigned)"
        SIGNED = "signed", "Signed"
        SUPERSEDED = "superseded", "Replaced by a later version"
        STOPPED = "stopped", "Stopped"
        DISCARDED = "discarded", "Draft discarded"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="course_orders"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    revision = models.PositiveSmallIntegerField(default=1)
    change_reason = models.CharField(max_length=200, blank=True)

    formula_id = models.CharField(max_length=40)
    route_id = models.CharField(max_length=40)
    duration_min = models.DecimalField(max_digits=6, decimal_places=1)
    # Small-bag route: the mixture is added to a 0.9 % saline bag of this volume (it dilutes
    # what reaches the vein and is part of the osmolarity check).
    into_saline_ml = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    # Piggy-back route: the saline line the bag runs into and that flushes it at the end; its
    # dilution is uncontrolled, so the osmolarity check stays on the mixture.
    flush_saline_ml = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    protocol_id = models.CharField(max_length=40)
    start_date = models.DateField()
    # Per phase id, where the protocol lets the prescriber choose ({"loading": 6}).
    phase_doses = models.JSONField(default=dict, blank=True)
    phase_intervals = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Optimistic concurrency on drafts: a save or a signature carrying an older version is
    # refused (HTTP 409), so nobody signs something other than what they read.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Written once, at signing.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    osmolarity_limit_id = models.CharField(max_length=40, blank=True)
    knowledge_version = models.CharField(max_length=64, blank=True)
    screening_run_id = models.BigIntegerField(null=True, blank=True)
    screening_knowledge_version = models.CharField(max_length=64, blank=True)
    # The warnings the physician saw and signed over: [{code, severity, message}].
    warnings = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)

    # Written when a signed order stops applying (replaced or stopped).
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "status"]),
            models.Index(fields=["clinic", "status", "created_by"]),
        ]
        constraints = [
            # A signed version has at most one live successor (a draft or a signed amendment).
            models.UniqueConstraint(
                fields=["previous"],
                condition=models.Q(status__in=["draft", "signed", "superseded", "stopped"]),
                name="one_live_amendment_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Course order {self.pk} rev {self.revision} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def formula(self) -> Formula | None:
        try:
            return formula(self.formula_id)
        except ClinicalError:
            return None

    @property
    def route(self) -> Route | None:
        found = self.formula
        if found is None:
            return None
        try:
            return found.route(self.route_id)
        except ClinicalError:
            return None

    @property
    def protocol(self) -> Protocol | None:
        try:
            return protocol(self.protocol_id)
        except ClinicalError:
            return None

    def volumes_ml(self) -> dict[str, Decimal]:
        """Chosen volume per ingredient id (reads the prefetched ``lines`` when present)."""
        return {line.ingredient_id: line.volume_ml for line in self.lines.all()}


class OrderLine(ClinicScopedModel):
    """The chosen volume of one formula component (0 mL: an optional component left out)."""

    order = models.ForeignKey(CourseOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    ingredient_id = models.CharField(max_length=40)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "ingredient_id"], name="one_line_per_ingredient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ingredient_id} {self.volume_ml} mL"


class PlannedDose(ClinicScopedModel):
    """Dose ``number`` of a signed course, on ``date``; the pharmacy makes one bag for it."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SUPERSEDED = "superseded", "Replaced by a later order version"
        CANCELLED = "cancelled", "Cancelled"

    order = models.ForeignKey(CourseOrder, on_delete=models.PROTECT, related_name="doses")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="planned_doses"
    )
    number = models.PositiveSmallIntegerField()
    phase_id = models.CharField(max_length=40)
    nominal_date = models.DateField()
    date = models.DateField()
    # Filled by scheduling when an appointment is booked; the pharmacy queue is ordered by it
    # and checks each bag's beyond-use time against it.
    scheduled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        ordering = ["date", "number"]
        indexes = [models.Index(fields=["clinic", "date", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="one_dose_number_per_order")
        ]

    def __str__(self) -> str:
        return f"Dose {self.number} on {self.date:%Y-%m-%d}"


class PlannedReview(ClinicScopedModel):
    """A review point of the course (e.g. the week-6 review), dated like the doses."""

    order = models.ForeignKey(CourseOrder, on_delete=models.CASCADE, related_name="reviews")
    review_id = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    nominal_date = models.DateField()
    date = models.DateField()

    class Meta:
        ordering = ["date", "review_id"]

    def __str__(self) -> str:
        return f"{self.name} on {self.date:%Y-%m-%d}"
