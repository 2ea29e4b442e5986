"""Reads of billing data. Patient data is scoped to the actor's clinic and audited; another
clinic's record answers 404 (no hint that it exists) and the attempt is audited.

``consent_gate`` is the orders app's question before a course is signed; it takes no actor
(the calling service audits its own act), never raises, and runs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ivmt.accounts.models import User
from ivmt.billing.models import (
    BillingSettings,
    Charge,
    DocumentKind,
    DocumentTemplate,
    Package,
    PatientPackage,
    Payment,
    ProviderNumber,
    SignedDocument,
)
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.patients.models import Patient

ZERO = Decimal("0.00")
# The next visit: a patient with a dose planned within this many days is asked to (re-)sign.
NEXT_VISIT_DAYS = 14
MAX_SUPERBILL_DAYS = 366


def billing_settings(clinic_id: int) -> BillingSettings:
    """The clinic's billing settings (defaults, unsaved, until the manager saves them)."""
    found = BillingSettings.objects.filter(clinic_id=clinic_id).first()
    return found or BillingSettings(clinic_id=clinic_id)


def _denied(actor: Actor, action: str, object_type: str, object_id: int) -> Http404:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditEvent.Outcome.DENIED,
        ip=actor.ip,
        detail="not in this clinic or does not exist",
    )
    return Http404("Not found.")


def _read(actor: Actor, action: str, patient_id: int, obj: object = None, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=type(obj).__name__.lower() if obj is not None else "patient",
        object_id=getattr(obj, "pk", patient_id),
        ip=actor.ip,
        detail=detail,
    )


def patient_for_billing(*, actor: Actor, patient_id: int, capability: str, action: str) -> Patient:
    """The patient of the actor's clinic for a billing page; 404 (audited) otherwise.

    Billing pages are opened by roles that may not read charts (the manager), so this checks
    the page's own capability rather than ``patients.view``.
    """
    actor.require(capability, patient_id=patient_id)
    patient = Patient.objects.filter(clinic=actor.clinic, pk=patient_id).first()
    if patient is None:
        raise _denied(actor, action, "patient", patient_id)
    _read(actor, action, patient.pk)
    return patient


def patient_of_ledger_row(*, actor: Actor, what: str, object_id: int) -> int:
    """The patient of a charge or payment of the actor's clinic; 404 (audited) otherwise."""
    model = Charge if what == "charge" else Payment
    patient_id = (
        model.objects.filter(clinic=actor.clinic, pk=object_id)
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise _denied(actor, f"billing.{what}_void", what, object_id)
    return int(patient_id)


# Consents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentGate:
    allowed: bool
    reason: str  # every unmet condition in plain language; "" when allowed
    missing: tuple[str, ...]  # document kinds still to sign: "consent", "waiver"


@dataclass(frozen=True)
class DocumentState:
    kind: str
    label: str
    required: bool
    current: DocumentTemplate | None
    signed: SignedDocument | None  # the latest signature, unless it was withdrawn
    withdrawn: bool = False  # the latest signature was withdrawn (older ones do not revive)

    @property
    def up_to_date(self) -> bool:
        return (
            self.current is not None
            and self.signed is not None
            and self.signed.template_version == self.current.version
        )

    @property
    def problem(self) -> str:
        """Why this document blocks a course ("" when it does not)."""
        if not self.required or self.up_to_date:
            return ""
        if self.current is None:
            return f"the clinic has not published a {self.label.lower()} yet"
        if self.withdrawn:
            return f"the patient withdrew the {self.label.lower()}; it needs signing again"
        if self.signed is None:
            return f"the {self.label.lower()} is not signed"
        return (
            f"the {self.label.lower()} was signed in version {self.signed.template_version}; "
            f"version {self.current.version} needs signing"
        )


def current_templates(clinic_id: int) -> dict[str, DocumentTemplate]:
    """The newest published version of each kind (one query)."""
    newest: dict[str, DocumentTemplate] = {}
    for template in DocumentTemplate.objects.filter(clinic_id=clinic_id).order_by(
        "kind", "-version"
    ):
        newest.setdefault(template.kind, template)
    return newest


def document_states(*, patient: Patient) -> list[DocumentState]:
    """The consent and the waiver of ``patient``: current version, latest signature (3 queries)."""
    settings = billing_settings(patient.clinic_id)
    templates = current_templates(patient.clinic_id)
    latest: dict[str, SignedDocument] = {}
    for document in (
        SignedDocument.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .defer("signature_png")
        .order_by("-signed_at", "-id")
    ):
        latest.setdefault(document.kind, document)
    states = []
    for kind, label in DocumentKind.choices:
        found = latest.get(kind)
        withdrawn = found is not None and found.withdrawn_at is not None
        states.append(
            DocumentState(
                kind=kind,
                label=str(label),
                required=kind == DocumentKind.CONSENT or settings.waiver_required,
                current=templates.get(kind),
                signed=None if withdrawn else found,
                withdrawn=withdrawn,
            )
        )
    return states


def consent_gate(*, patient: Patient) -> ConsentGate:
    """May a course start for ``patient``? Only when the treatment consent — and the waiver,
    unless the clinic made it optional — are signed in their current version and not withdrawn.
    """
    states = document_states(patient=patient)
    problems = [s for s in states if s.problem]
    reason = "; ".join(s.problem for s in problems)
    return ConsentGate(
        allowed=not problems,
        reason=reason[:1].upper() + reason[1:],
        missing=tuple(s.kind for s in problems),
    )


@dataclass(frozen=True)
class ToSign:
    patient: Patient
    problems: tuple[str, ...]
    next_dose: date | None


def consents_to_sign(*, actor: Actor, limit: int = 20) -> list[ToSign]:
    """Patients whose next visit (a dose within 14 days) or a draft course waits for a
    signature or a re-signature, soonest first. Four queries whatever their number."""
    from ivmt.orders.models import CourseOrder, PlannedDose

    if not actor.may("billing.consent_sign"):
        return []
    settings = billing_settings(actor.clinic.pk)
    templates = current_templates(actor.clinic.pk)
    required = [DocumentKind.CONSENT] + ([DocumentKind.WAIVER] if settings.waiver_required else [])
    today = timezone.localdate(timezone=actor.clinic.zone)
    upcoming: dict[int, date | None] = {}
    for patient_id, day in (
        PlannedDose.objects.filter(
            clinic=actor.clinic,
            status=PlannedDose.Status.PLANNED,
            date__gte=today,
            date__lte=today + timedelta(days=NEXT_VISIT_DAYS),
        )
        .order_by("date")
        .values_list("patient_id", "date")
    ):
        upcoming.setdefault(patient_id, day)
    for patient_id in CourseOrder.objects.filter(
        clinic=actor.clinic, status=CourseOrder.Status.DRAFT
    ).values_list("patient_id", flat=True):
        upcoming.setdefault(patient_id, None)
    if not upcoming:
        return []
    signed: dict[tuple[int, str], int | None] = {}
    for patient_id, kind, version, withdrawn_at in (
        SignedDocument.objects.filter(clinic=actor.clinic, patient_id__in=list(upcoming))
        .order_by("-signed_at", "-id")
        .values_list("patient_id", "kind", "template_version", "withdrawn_at")
    ):
        # The latest signature counts; a withdrawn one means "not signed" (None).
        signed.setdefault((patient_id, kind), None if withdrawn_at else version)
    waiting: dict[int, tuple[str, ...]] = {}
    for patient_id in upcoming:
        problems = []
        for kind in required:
            current = templates.get(kind)
            have = signed.get((patient_id, kind))
            label = DocumentKind(kind).label.lower()
            if current is None:
                continue  # nothing published to sign: shown to the manager, not per patient
            if have is None:
                problems.append(f"{label}: not signed")
            elif have < current.version:
                problems.append(f"{label}: re-sign version {current.version}")
        if problems:
            waiting[patient_id] = tuple(problems)
    patients = Patient.objects.filter(clinic=actor.clinic, pk__in=list(waiting)).in_bulk()
    rows = [
        ToSign(patients[pid], waiting[pid], upcoming[pid]) for pid in waiting if pid in patients
    ]
    rows.sort(key=lambda r: (r.next_dose is None, r.next_dose or today, r.patient.family_name))
    return rows[:limit]


def signed_documents(*, patient: Patient) -> list[SignedDocument]:
    """Every signature of the patient, newest first (the caller has read the patient)."""
    return list(
        SignedDocument.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("witnessed_by", "template")
        .defer("signature_png")
        .order_by("-signed_at", "-id")
    )


def signed_document_get(*, actor: Actor, document_id: int) -> SignedDocument:
    """One signed document of the actor's clinic, audited; 404 (audited) otherwise."""
    actor.require("billing.consent_view")
    document = (
        SignedDocument.objects.filter(clinic=actor.clinic, pk=document_id)
        .select_related("patient", "template", "witnessed_by")
        .first()
    )
    if document is None:
        raise _denied(actor, "billing.document_view", "signeddocument", document_id)
    _read(actor, "billing.document_view", document.patient_id, document)
    return document


def template_get(*, actor: Actor, template_id: int) -> DocumentTemplate:
    template = DocumentTemplate.objects.filter(clinic=actor.clinic, pk=template_id).first()
    if template is None:
        raise Http404("No such document.")
    return template


def templates_all(*, actor: Actor) -> QuerySet[DocumentTemplate]:
    actor.require("billing.documents")
    return DocumentTemplate.objects.filter(clinic=actor.clinic).select_related("published_by")


# Charges, payments, balances -----------------------------------------------------------------


@dataclass
class Account:
    patient: Patient
    charges: list[Charge]
    payments: list[Payment]
    packages: list[PatientPackage]

    @property
    def charged(self) -> Decimal:
        return sum((c.amount for c in self.charges if not c.is_void), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments if not p.is_void), ZERO)

    @property
    def balance(self) -> Decimal:
        """What the patient owes (negative: in credit). Exact: sums of stored cents."""
        return self.charged - self.paid


def account(*, patient: Patient) -> Account:
    """The patient's charges, payments and packages (4 queries; the caller audited the read)."""
    return Account(
        patient=patient,
        charges=list(
            Charge.objects.filter(clinic_id=patient.clinic_id, patient=patient)
            .select_related("provider", "performed_by", "package_use__package")
            .order_by("-service_date", "infusion_id", "id")
        ),
        payments=list(
            Payment.objects.filter(clinic_id=patient.clinic_id, patient=patient)
            .select_related("received_by")
            .order_by("-received_on", "-id")
        ),
        packages=list(
            PatientPackage.objects.filter(clinic_id=patient.clinic_id, patient=patient)
            .select_related("package")
            .order_by("-sold_at")
        ),
    )


def balance_of(*, patient: Patient) -> Decimal:
    return account(patient=patient).balance


@dataclass(frozen=True)
class BalanceRow:
    patient: Patient
    charged: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.charged - self.paid


def balances(*, actor: Actor, limit: int = 50) -> list[BalanceRow]:
    """Patients who owe money, largest balance first (3 queries; summed exactly in Decimal)."""
    actor.require("billing.view")
    charged: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for patient_id, amount in Charge.objects.filter(
        clinic=actor.clinic, voided_at__isnull=True
    ).values_list("patient_id", "amount"):
        charged[patient_id] += amount
    for patient_id, amount in Payment.objects.filter(
        clinic=actor.clinic, voided_at__isnull=True
    ).values_list("patient_id", "amount"):
        paid[patient_id] += amount
    owing = {pid for pid in charged if charged[pid] - paid[pid] > 0}
    patients = Patient.objects.filter(clinic=actor.clinic, pk__in=list(owing)).in_bulk()
    rows = [BalanceRow(patients[pid], charged[pid], paid[pid]) for pid in owing if pid in patients]
    rows.sort(key=lambda r: (-r.balance, r.patient.family_name))
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="billing.balances",
        ip=actor.ip,
        detail=f"{len(rows)} balances",
    )
    return rows[:limit]


def packages(*, actor: Actor) -> list[Package]:
    return list(Package.objects.filter(clinic=actor.clinic).order_by("name"))


def provider_numbers(*, actor: Actor) -> dict[int, str]:
    return dict(ProviderNumber.objects.filter(clinic=actor.clinic).values_list("user_id", "npi"))


def physicians(*, actor: Actor) -> list[User]:
    return list(
        User.objects.filter(
            memberships__clinic=actor.clinic, memberships__role="physician"
        ).order_by("last_name", "first_name")
    )


# Superbill -----------------------------------------------------------------------------------


@dataclass
class Superbill:
    patient: Patient
    settings: BillingSettings
    first_day: date
    last_day: date
    charges: list[Charge]
    payments: list[Payment]
    diagnoses: list[str]
    providers: list[tuple[str, str]]  # (name, NPI or "")
    unverified_codes: list[str] = field(default_factory=list)

    @property
    def total_charged(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total_charged - self.total_paid


def superbill(*, actor: Actor, patient: Patient, first_day: date, last_day: date) -> Superbill:
    """Charges (not voided) with service dates in ``first_day``..``last_day`` and payments
    received in that span. Raises ValueError for a span backwards or over a year."""
    if last_day < first_day:
        raise ValueError("The period ends before it starts.")
    if (last_day - first_day).days > MAX_SUPERBILL_DAYS:
        raise ValueError("A superbill covers at most a year.")
    charges = list(
        Charge.objects.filter(
            clinic=actor.clinic,
            patient=patient,
            voided_at__isnull=True,
            service_date__gte=first_day,
            service_date__lte=last_day,
        )
        .select_related("provider")
        .order_by("service_date", "infusion_id", "id")
    )
    payments = list(
        Payment.objects.filter(
            clinic=actor.clinic,
            patient=patient,
            voided_at__isnull=True,
            received_on__gte=first_day,
            received_on__lte=last_day,
        ).order_by("received_on", "id")
    )
    numbers = provider_numbers(actor=actor)
    providers: dict[int, tuple[str, str]] = {}
    for charge in charges:
        if charge.provider is not None:
            providers[charge.provider.pk] = (
                charge.provider.display_name,
                numbers.get(charge.provider.pk, ""),
            )
    diagnoses = sorted({c.diagnosis_icd10 for c in charges if c.diagnosis_icd10})
    unverified = sorted({c.code for c in charges if c.code and not c.code_verified})
    _read(actor, "billing.superbill", patient.pk, detail=f"{first_day}..{last_day}")
    return Superbill(
        patient=patient,
        settings=billing_settings(actor.clinic.pk),
        first_day=first_day,
        last_day=last_day,
        charges=charges,
        payments=payments,
        diagnoses=diagnoses,
        providers=list(providers.values()),
        unverified_codes=unverified,
    )


def visit_dates(*, patient: Patient) -> list[date]:
    """Service dates with charges (newest first), for choosing a visit's superbill."""
    return list(
        Charge.objects.filter(clinic_id=patient.clinic_id, patient=patient, voided_at__isnull=True)
        .order_by("-service_date")
        .values_list("service_date", flat=True)
        .distinct()
    )
