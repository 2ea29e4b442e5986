"""Consents and waivers, the price list, charges, packages and payments of one clinic.

Money is ``Decimal`` with two places (USD cents); nothing is ever stored as a float. Signed
documents, charges and payments are never edited: a mistake is voided with a reason (the row
stays) and, where needed, entered again.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from ivmt.core.models import ClinicScopedModel

ZERO = Decimal("0.00")


class DocumentKind(models.TextChoices):
    CONSENT = "consent", "Treatment consent"
    WAIVER = "waiver", "Financial-responsibility waiver"


class BillingSettings(ClinicScopedModel):
    """The clinic's billing identity, price list and consent policy (one row per clinic)."""

    waiver_required = models.BooleanField(
        default=True,
        help_text="A course needs the financial-responsibility waiver signed as well as the "
        "treatment consent. Untick to make the waiver optional.",
    )
    billing_name = models.CharField(max_length=120, blank=True)
    npi = models.CharField("Organisation NPI", max_length=10, blank=True)
    tax_id = models.CharField("Tax id (EIN)", max_length=10, blank=True)
    place_of_service = models.CharField(max_length=2, default="11", help_text="11 = office")
    compounding_fee = models.DecimalField(max_digits=8, decimal_places=2, default=ZERO)
    infusion_fee = models.DecimalField(
        "Infusion, first hour (96365)", max_digits=8, decimal_places=2, default=ZERO
    )
    additional_hour_fee = models.DecimalField(
        "Infusion, each additional hour (96366)", max_digits=8, decimal_places=2, default=ZERO
    )
    push_fee = models.DecimalField("IV push (96374)", max_digits=8, decimal_places=2, default=ZERO)
    office_visit_fee = models.DecimalField(max_digits=8, decimal_places=2, default=ZERO)
    office_visit_code = models.CharField(
        max_length=5, blank=True, help_text="The E/M code your clinic bills, e.g. 99213."
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic"]
        verbose_name_plural = "billing settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="one_billing_settings_per_clinic")
        ]

    def __str__(self) -> str:
        return f"Billing settings of clinic {self.clinic_id}"


class ProviderNumber(ClinicScopedModel):
    """A physician's individual NPI, printed on superbills for the services they supervise."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    npi = models.CharField("NPI", max_length=10)

    class Meta:
        ordering = ["clinic", "user"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "user"], name="one_npi_per_provider")
        ]

    def __str__(self) -> str:
        return self.npi


class DocumentTemplate(ClinicScopedModel):
    """One published version of a consent or waiver text. Never edited: publish a new version."""

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=20000)
    body_sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="one_template_version_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class SignedDocument(ClinicScopedModel):
    """A patient's signature of one exact template version, with its witness."""

    class Signer(models.TextChoices):
        PATIENT = "patient", "The patient"
        REPRESENTATIVE = "representative", "A legal representative of the patient"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="signed_documents"
    )
    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    template_version = models.PositiveIntegerField()
    signer_name = models.CharField(max_length=210)
    signer = models.CharField(max_length=16, choices=Signer.choices, default=Signer.PATIENT)
    signature_png = models.BinaryField()
    signature_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "kind"])]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} v{self.template_version} signed {self.signed_at:%Y-%m-%d}"
        )

    def get_absolute_url(self) -> str:
        return reverse("billing:document_pdf", args=[self.pk])


class Package(ClinicScopedModel):
    """A prepaid series on the price list, e.g. a loading series of 8 infusions."""

    name = models.CharField(max_length=80)
    infusions = models.PositiveSmallIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="package_name_once_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.infusions} infusions)"


class PatientPackage(ClinicScopedModel):
    """A package a patient bought; infusions it covers are charged at 0.00 against it."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="+")
    infusions_total = models.PositiveSmallIntegerField()
    infusions_used = models.PositiveSmallIntegerField(default=0)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sold_at = models.DateTimeField()

    class Meta:
        ordering = ["-sold_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(infusions_used__lte=models.F("infusions_total")),
                name="package_not_overused",
            )
        ]

    def __str__(self) -> str:
        return f"{self.package.name}: {self.infusions_used}/{self.infusions_total} used"

    @property
    def remaining(self) -> int:
        return self.infusions_total - self.infusions_used


class InfusionBilling(ClinicScopedModel):
    """The charges of one given dose, made once: a second call for the same dose is refused
    by the unique constraint even when two requests race."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    course_order_id = models.BigIntegerField()
    dose_id = models.BigIntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    created_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "dose_id"],
                condition=models.Q(voided_at__isnull=True),
                name="one_billing_per_dose",
            )
        ]

    def __str__(self) -> str:
        return f"Dose {self.dose_id} given {self.started_at:%Y-%m-%d}"


class Charge(ClinicScopedModel):
    """One line of what a patient owes. Immutable once written; voided with a reason."""

    class Kind(models.TextChoices):
        INGREDIENT = "ingredient", "Ingredients"
        COMPOUNDING = "compounding", "Compounding"
        INFUSION = "infusion", "Infusion administration"
        OFFICE_VISIT = "office_visit", "Office visit"
        PACKAGE = "package", "Prepaid package"
        OTHER = "other", "Other"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.CharField(max_length=160)
    code = models.CharField(max_length=8, blank=True)
    code_system = models.CharField(max_length=6, blank=True)  # CPT | HCPCS | ""
    code_verified = models.BooleanField(default=True)
    units = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    # What the line costs on the price list; differs from ``amount`` when a package covers it.
    list_amount = models.DecimalField(max_digits=10, decimal_places=2)
    diagnosis_icd10 = models.CharField(max_length=10, blank=True)
    service_date = models.DateField()
    course_order_id = models.BigIntegerField(null=True, blank=True)
    dose_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    route_id = models.CharField(max_length=40, blank=True)
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    package_use = models.ForeignKey(
        PatientPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    # The package this line sold (kind "package"); ``package_use`` is the one that covered it.
    package_sold = models.OneToOneField(
        PatientPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="sale"
    )
    infusion = models.ForeignKey(
        InfusionBilling, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    codes_version = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-service_date", "id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "service_date"]),
            models.Index(fields=["clinic", "dose_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="charge_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.service_date:%Y-%m-%d} {self.code or self.kind} {self.amount}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class Payment(ClinicScopedModel):
    """Money received for a patient. Immutable once written; voided with a reason."""

    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CARD = "card", "Card"
        INSURANCE = "insurance", "Insurance"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=Method.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reference = models.CharField(max_length=60, blank=True)
    received_on = models.DateField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "received_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.received_on:%Y-%m-%d} {self.method} {self.amount}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
