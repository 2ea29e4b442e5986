"""The directory (shared between clinics when its owner says so) and tracked referrals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from ivmt.core.models import ClinicScopedModel


class DirectoryEntry(ClinicScopedModel):
    """A compounding pharmacy, a prescriber who offers IVMT, or a nutritionist.

    ``clinic`` is the owner: only it edits the entry. Other clinics see it when ``shared``.
    ``represents_clinic`` marks the clinic's own entry (at most one per clinic), which a clinic
    shares so that patients and pharmacies elsewhere can find a prescriber (seed 001).
    """

    class Kind(models.TextChoices):
        PHARMACY = "pharmacy", "Compounding pharmacy"
        PRESCRIBER = "prescriber", "Prescriber offering IVMT"
        NUTRITIONIST = "nutritionist", "Nutritionist or dietitian"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    compounds = models.CharField(
        "What they compound or offer",
        max_length=300,
        blank=True,
        help_text="e.g. Myers' cocktail, preservative-free ascorbic acid, magnesium chloride",
    )
    offers_ivmt = models.BooleanField("Offers or compounds IVMT", default=False)
    shared = models.BooleanField("Shared with other clinics", default=False)
    represents_clinic = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "city", "id"]
        verbose_name_plural = "directory entries"
        indexes = [models.Index(fields=["kind", "city"]), models.Index(fields=["shared"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(represents_clinic=True),
                name="one_own_entry_per_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Referral(ClinicScopedModel):
    """A nutritionist referral, from the offer made at intake (seed 000) to its outcome."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        APPOINTMENT_MADE = "appointment_made", "Appointment made"
        SEEN = "seen", "Seen by the nutritionist"
        DECLINED = "declined", "Declined"

    OPEN = ("sent", "appointment_made")
    MOVES: dict[str, tuple[str, ...]] = {
        "sent": ("appointment_made", "seen", "declined"),
        "appointment_made": ("appointment_made", "seen", "declined"),
        "seen": (),
        "declined": (),
    }

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    nutritionist = models.ForeignKey(DirectoryEntry, on_delete=models.PROTECT, related_name="+")
    question = models.TextField("Question for the nutritionist", max_length=1000, blank=True)
    offered_at_intake = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    appointment_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status", "status_changed_at"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("referrals:patient", args=[self.patient_id])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReferralEvent(ClinicScopedModel):
    """One status change of a referral (who, when, to what). Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=Referral.Status.choices)
    appointment_on = models.DateField(null=True, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminder = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} at {self.at:%Y-%m-%d}"
