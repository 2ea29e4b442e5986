"""Pharmacy rows: the clinic's compounding settings, stock lots, and one record per bag.

* :class:`StockLot` — one received lot of one ingredient (vials or bags of ``unit_volume_ml``),
  with its expiry, unit cost and the exact volume still on hand (Decimal mL). Single-dose
  containers are drawn in whole units, so their on-hand volume stays a multiple of the unit.
* :class:`CompoundingRecord` — one bag (or syringe) made for one planned dose: who prepared and
  who verified it, when preparation started, its beyond-use moment, its state, and a random
  ``bag_code`` printed as the label's barcode. ``bag_code`` is unguessable on purpose: the row id
  would let anyone who holds one label guess the next patient's.
* :class:`CompoundingLine` — a component as drawn up; :class:`LotDraw` — how much of it came from
  which lot (the recall reads these).

States: prepared → verified → dispensed → administered, or wasted (with a reason) from any state
before administered. The allowed moves are in :data:`CompoundingRecord.MOVES`; services apply
them under a row lock.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db import models
from django.urls import reverse

from ivmt.core.models import ClinicScopedModel

# Crockford base32 without I, L, O, U: easy to read aloud and to type from a damaged label.
BAG_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BAG_CODE_LENGTH = 16  # 80 random bits


def new_bag_code() -> str:
    return "".join(secrets.choice(BAG_CODE_ALPHABET) for _ in range(BAG_CODE_LENGTH))


class PharmacySettings(ClinicScopedModel):
    """How this clinic compounds: the USP <797> category and storage that set every BUD."""

    class Category(models.TextChoices):
        IMMEDIATE_USE = "immediate_use", "Immediate use (start within 4 h)"
        CATEGORY_1 = "category_1", "Category 1 (segregated compounding area)"
        CATEGORY_2_ASEPTIC = "category_2_aseptic", "Category 2, aseptic (cleanroom suite)"
        CATEGORY_2_NONSTERILE = (
            "category_2_nonsterile",
            "Category 2, non-sterile starting component",
        )

    class Storage(models.TextChoices):
        ROOM = "room_temperature", "Room temperature (20–25 °C)"
        FRIDGE = "refrigerated", "Refrigerated (2–8 °C)"

    category = models.CharField(
        max_length=32, choices=Category.choices, default=Category.IMMEDIATE_USE
    )
    storage = models.CharField(max_length=20, choices=Storage.choices, default=Storage.ROOM)
    currency = models.CharField(max_length=3, default="USD")
    expiring_soon_days = models.PositiveSmallIntegerField(default=30)
    low_stock_horizon_days = models.PositiveSmallIntegerField(default=14)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "pharmacy settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_pharmacy_settings_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}, {self.get_storage_display()}"


class StockLot(ClinicScopedModel):
    ingredient_id = models.CharField(max_length=40)
    lot_number = models.CharField(max_length=40)
    # The last day the lot may be used; it is good until the end of that day in the clinic's
    # time zone (a label's "EXP" date means use through that date).
    expiry_date = models.DateField()
    unit_volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    single_use = models.BooleanField()
    units_received = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=10, decimal_places=2)
    on_hand_ml = models.DecimalField(max_digits=12, decimal_places=2)
    supplier = models.CharField(max_length=120, blank=True)
    quarantined = models.BooleanField(default=False)
    quarantine_reason = models.CharField(max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ingredient_id", "expiry_date", "id"]
        indexes = [models.Index(fields=["clinic", "ingredient_id", "expiry_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "ingredient_id", "lot_number"], name="lot_unique_per_ingredient"
            ),
            models.CheckConstraint(
                condition=models.Q(on_hand_ml__gte=0), name="stock_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ingredient_id} lot {self.lot_number}"

    def usable_until(self, zone: tzinfo) -> datetime:
        """The first moment the lot is expired: midnight after its expiry date, clinic time."""
        return datetime.combine(self.expiry_date + timedelta(days=1), time(0), tzinfo=zone)

    @property
    def on_hand_text(self) -> str:
        """On-hand stock for display: whole containers when single-use ("12 × 10 mL"),
        else the volume left across the lot's vials ("116 mL in 30 mL vials")."""
        size = f"{self.unit_volume_ml.normalize():f} mL"
        if self.single_use:
            return f"{int(self.on_hand_ml // self.unit_volume_ml)} × {size}"
        return f"{self.on_hand_ml.normalize():f} mL in {size} vials"


class CompoundingRecord(ClinicScopedModel):
    class Status(models.TextChoices):
        PREPARED = "prepared", "Prepared, awaiting verification"
        VERIFIED = "verified", "Verified"
        DISPENSED = "dispensed", "Dispensed to the chair"
        ADMINISTERED = "administered", "Administered"
        WASTED = "wasted", "Wasted"

    MOVES: dict[str, tuple[str, ...]] = {
        "prepared": ("verified", "wasted"),
        "verified": ("dispensed", "wasted"),
        "dispensed": ("administered", "wasted"),
        "administered": (),
        "wasted": (),
    }

    class WasteReason(models.TextChoices):
        NO_SHOW = "no_show", "Patient did not come (no-show)"
        BUD_PASSED = "bud_passed", "Beyond-use time passed"
        ORDER_CHANGED = "order_changed", "Order changed or stopped"
        DAMAGED = "damaged", "Damaged, leaking or contaminated"
        ERROR = "error", "Preparation error found"
        HELD = "held", "Dose held by the physician"
        OTHER = "other", "Other"

    dose = models.ForeignKey("orders.PlannedDose", on_delete=models.PROTECT, related_name="bags")
    order = models.ForeignKey("orders.CourseOrder", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    bag_code = models.CharField(max_length=24, unique=True, default=new_bag_code, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREPARED)
    prep_started_at = models.DateTimeField()
    beyond_use_at = models.DateTimeField()
    bud_category = models.CharField(max_length=32)
    bud_storage = models.CharField(max_length=20)
    bud_rule_id = models.CharField(max_length=60)
    bud_status = models.CharField(max_length=12)
    knowledge_version = models.CharField(max_length=64)
    total_volume_ml = models.DecimalField(max_digits=8, decimal_places=2)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispensed_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    administered_at = models.DateTimeField(null=True, blank=True)
    wasted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wasted_at = models.DateTimeField(null=True, blank=True)
    waste_reason = models.CharField(max_length=20, choices=WasteReason.choices, blank=True)
    waste_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            # One live bag per dose: a second one can only follow a wasted one.
            models.UniqueConstraint(
                fields=["dose"],
                condition=~models.Q(status="wasted"),
                name="one_live_bag_per_dose",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True)
                | ~models.Q(verified_by=models.F("prepared_by")),
                name="verifier_is_not_preparer",
            ),
        ]

    def __str__(self) -> str:
        return f"Bag {self.bag_code} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("pharmacy:bag", args=[self.pk])

    def may_move_to(self, status: str) -> bool:
        return status in self.MOVES.get(self.status, ())


class CompoundingLine(ClinicScopedModel):
    """One component of the bag as drawn up (volume from the signed order)."""

    record = models.ForeignKey(CompoundingRecord, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    ingredient_id = models.CharField(max_length=40)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["record", "position"]

    def __str__(self) -> str:
        return f"{self.ingredient_id} {self.volume_ml} mL"


class LotDraw(ClinicScopedModel):
    """What one line took from one lot: the volume used and the volume taken from stock
    (whole containers for single-use lots, so ``taken_ml`` ≥ ``used_ml``)."""

    line = models.ForeignKey(CompoundingLine, on_delete=models.CASCADE, related_name="draws")
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="draws")
    used_ml = models.DecimalField(max_digits=8, decimal_places=2)
    taken_ml = models.DecimalField(max_digits=8, decimal_places=2)
    units_opened = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.used_ml} mL from {self.lot}"
