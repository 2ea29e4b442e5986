"""Chairs, nurse shifts, the clinic's scheduling settings, appointments and their history,
patients' calendar feeds, and the optimiser's proposals for a day.

Times of an appointment are stored in UTC (``starts_at``, ``ends_at``); shifts and breaks, like
the clinic's opening hours, are wall-clock times of a date in the clinic's time zone.

No double booking, twice over: the services check every slot (with the nurse's cap of
concurrent patients, which no index can express), and the database refuses two live
appointments overlapping on one chair, for one patient, or two IV placements at once by one
nurse. Those three rules are exclusion constraints over time ranges on PostgreSQL and triggers
on SQLite (migration ``0003``); they are not in ``Meta.constraints`` because neither form is
portable. ``moving`` lets the optimiser's accepted plan swap appointments inside one
transaction: rows being moved are set aside first, then put down one by one in their new
places, each checked against everything already in place (see ``services/optimise.py``).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from ivmt.core.models import ClinicScopedModel

# Appointments that hold their chair, nurse and patient: a no-show or a cancellation frees them.
LIVE_STATUSES = ("booked", "arrived", "infusing", "done")
# Every appointment starts and lasts a whole number of these minutes (the day view's rows).
GRID_MINUTES = 5


def on_grid(minutes: float) -> int:
    """``minutes`` rounded up to the calendar grid (a 42-minute infusion books 45)."""
    return math.ceil(minutes / GRID_MINUTES) * GRID_MINUTES


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


class SchedulingSettings(ClinicScopedModel):
    """How the clinic books: visit phases, nurse limits, interval tolerance, reminders.

    A visit is IV placement + the infusion the order prescribes + observation afterwards; the
    nurse is busy during the placement and responsible for the patient throughout.
    """

    placement_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="Nurse time to place the IV, in minutes (multiples of 5).",
    )
    observation_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(0), MaxValueValidator(120)],
        help_text="Rest and observation after the infusion, in minutes (multiples of 5).",
    )
    max_patients_per_nurse = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text="Patients one nurse looks after at the same time.",
    )
    one_iv_start_at_a_time = models.BooleanField(
        default=True, help_text="A nurse places one IV at a time (never two placements at once)."
    )
    interval_tolerance_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
        help_text="Days a dose may move from the protocol interval to find a free chair.",
    )
    reminder_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="Send the reminder e-mail this many hours before the appointment.",
    )
    optimiser_seconds = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Time the day optimiser may think, in seconds.",
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "scheduling settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_scheduling_settings_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Scheduling settings (version {self.version})"

    def visit_minutes(self, infusion_minutes: float) -> int:
        """Chair time of a visit: placement + infusion (on the grid) + observation."""
        return self.placement_minutes + on_grid(infusion_minutes) + self.observation_minutes


class NurseShift(ClinicScopedModel):
    """A nurse's working hours on one date (clinic wall-clock times), with breaks."""

    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    starts = models.TimeField()
    ends = models.TimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "starts", "nurse_id"]
        indexes = [models.Index(fields=["clinic", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["nurse", "day"], name="one_shift_per_nurse_per_day"),
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nurse_id} on {self.day:%Y-%m-%d} {self.starts:%H:%M}–{self.ends:%H:%M}"


class ShiftBreak(ClinicScopedModel):
    """A break inside a shift: the nurse places no IV then (a colleague watches her patients)."""

    shift = models.ForeignKey(NurseShift, on_delete=models.CASCADE, related_name="breaks")
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["shift", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="break_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


class Appointment(ClinicScopedModel):
    """One visit: an infusion of a planned dose on a chair with a nurse, or a review visit."""

    class Kind(models.TextChoices):
        INFUSION = "infusion", "Infusion"
        REVIEW = "review", "Review visit"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        INFUSING = "infusing", "Infusing"
        DONE = "done", "Done"
        NO_SHOW = "no_show", "Did not come"
        CANCELLED = "cancelled", "Cancelled"

    # Which status may follow which (the day's workflow; no-show and cancel end it).
    MOVES: dict[str, tuple[str, ...]] = {
        "booked": ("arrived", "no_show", "cancelled"),
        "arrived": ("infusing", "cancelled"),
        "infusing": ("done",),
        "done": (),
        "no_show": (),
        "cancelled": (),
    }

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INFUSION)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    dose = models.ForeignKey(
        "orders.PlannedDose",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    review = models.ForeignKey(
        "orders.PlannedReview", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chair = models.ForeignKey(
        Chair, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # End of the IV placement: the nurse places no other IV before it (when the clinic says so;
    # otherwise equal to ``starts_at``, an empty range that overlaps nothing).
    placement_ends_at = models.DateTimeField()
    # The time the patient asked for; the optimiser keeps patients near it.
    preferred_start = models.DateTimeField()
    placement_minutes = models.PositiveSmallIntegerField()
    infusion_minutes = models.PositiveSmallIntegerField()
    observation_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    status_reason = models.CharField(max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Set only inside the transaction that applies an optimised day (see the module docstring).
    moving = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["chair", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(placement_ends_at__gte=models.F("starts_at"))
                & models.Q(placement_ends_at__lte=models.F("ends_at")),
                name="appointment_placement_inside_visit",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="infusion")
                | (models.Q(chair__isnull=False) & models.Q(dose__isnull=False)),
                name="infusion_has_chair_and_dose",
            ),
            models.UniqueConstraint(
                fields=["dose"],
                condition=models.Q(status__in=LIVE_STATUSES, dose__isnull=False),
                name="one_live_appointment_per_dose",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:appointment", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at) / timedelta(minutes=1))

    def may_move_to(self, status: str) -> bool:
        return status in self.MOVES.get(self.status, ())


class AppointmentEvent(ClinicScopedModel):
    """The history of an appointment, shown on its page (the audit trail has the same facts
    without the reasons, which may be free text)."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        MOVED = "moved", "Moved"
        OPTIMISED = "optimised", "Moved by the accepted day plan"
        RELINKED = "relinked", "Kept for the changed order"
        STATUS = "status", "Status changed"
        MESSAGE = "message", "Message sent"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(max_length=200)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["appointment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}: {self.summary}"


class CalendarFeed(ClinicScopedModel):
    """A patient's subscribable calendar of their appointments.

    The address carries a random token shown once; only its SHA-256 is stored, so a copy of
    the database does not give the feeds away. Revoking ends it at once.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} ({'revoked' if self.revoked_at else 'live'})"


class DayPlanProposal(ClinicScopedModel):
    """The optimiser's plan for one day, kept until a person accepts or discards it.

    ``snapshot`` lists (appointment id, version) of the day's live appointments when the plan
    was made: accepting refuses if the day changed since. ``moves`` holds, per moved
    appointment, where it is and where it would go; ``figures`` the objective of the current
    plan, of first-come-first-served and of the proposal, with the lower bound.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPLIED = "applied", "Accepted and applied"
        DISCARDED = "discarded", "Discarded"

    day = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    snapshot = models.JSONField(default=list)
    moves = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    unplaced = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "day"])]

    def __str__(self) -> str:
        return f"Plan for {self.day:%Y-%m-%d} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:proposal", args=[self.pk])
