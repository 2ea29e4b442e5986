"""Users, clinics and who holds which role where."""

from __future__ import annotations

import zoneinfo
from datetime import date, time

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ivmt.core.roles import Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class User(AbstractUser):
    """A person who signs in. Roles are per clinic, on ``Membership``."""

    title = models.CharField(max_length=20, blank=True, help_text="e.g. Dr, RN, PharmD")

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip() or self.username
        return f"{self.title} {name}".strip() if self.title else name

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.username[:2].upper()


class Clinic(models.Model):
    """One site, and one tenant: every clinical row belongs to exactly one clinic."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Sign staff out after this many minutes without a request.",
    )
    require_staff_2fa = models.BooleanField(
        default=False, help_text="Staff must use a TOTP authenticator to sign in."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def is_open_on(self, day: date) -> bool:
        """Open when the weekday has hours and the date is not a closed day."""
        hours = {h.weekday for h in self.opening_hours.all()}
        if day.weekday() not in hours:
            return False
        return not self.closed_days.filter(date=day).exists()


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField(default=time(8, 0))
    closes = models.TimeField(default=time(17, 0))

    class Meta:
        ordering = ["clinic", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="one_opening_per_weekday"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["clinic", "date"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="one_closure_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class Membership(models.Model):
    """A user's role in one clinic. A user may belong to several clinics."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_medical_director = models.BooleanField(
        default=False, help_text="A physician who approves the clinic's clinical knowledge."
    )
    # A patient's portal account is linked to their own chart, and only to that.
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_role_per_clinic"),
            models.CheckConstraint(
                condition=~models.Q(is_medical_director=True) | models.Q(role=Role.PHYSICIAN),
                name="medical_director_is_physician",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"
