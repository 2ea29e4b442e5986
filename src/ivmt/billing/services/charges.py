"""Charges: made automatically when an infusion is signed, added by hand, voided.

``charges_create_for_infusion`` is the hook the infusion-charting app (issue 6) calls inside
its own signing transaction. It writes, for one given dose:

* one ingredient line per component of the bag, at the pharmacy's cost
  (``ivmt.clinical.cost.bag_cost`` over ``ivmt.pharmacy.selectors.price_list``), each with
  its HCPCS code and units where ``billing_codes.toml`` has one;
* the compounding fee of the clinic's price list;
* the administration: 96374 (15 minutes or less) or 96365 plus 96366 per additional hour,
  from the charted start and stop (``ivmt.clinical.billing_codes.administration_codes``);

each with the patient's primary ICD-10 indication. When the patient holds a package with
infusions left, the lines are written at 0.00 against it (``list_amount`` keeps the price) and
one infusion of the package is used. Amounts are rounded half-up to cents per line; totals are
sums of the rounded lines, so a superbill adds up exactly.

Lock order: patient → patient package → (the unique constraint on the dose's billing row).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ivmt.accounts.models import Membership, User
from ivmt.billing.errors import BillingError
from ivmt.billing.models import Charge, InfusionBilling, PatientPackage
from ivmt.billing.services._common import audit, money, own, settings_for
from ivmt.billing.text import clean_text
from ivmt.clinical import billing_codes
from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.cost import bag_cost
from ivmt.clinical.cost import money as round_cents
from ivmt.clinical.errors import ClinicalError
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.patients.models import Patient
from ivmt.pharmacy.selectors import price_list

# A chart may be signed a little after the infusion ended, never before it.
CLOCK_SKEW = timedelta(minutes=5)
# DESIGN: an infusion charted more than 30 days back is a wrong date, not late charting.
LATEST_BACKDATE = timedelta(days=30)
MANUAL_KINDS = (Charge.Kind.OFFICE_VISIT, Charge.Kind.OTHER)


def _primary_icd10(patient: Patient) -> str:
    found = patient.indications.filter(is_primary=True).values_list("icd10", flat=True).first()
    return found or ""


def _check_times(started_at: datetime, ended_at: datetime) -> timedelta:
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise BillingError("The start and stop of the infusion need a time zone.")
    now = timezone.now()
    if ended_at > now + CLOCK_SKEW:
        raise BillingError("The infusion cannot end in the future.")
    if started_at < now - LATEST_BACKDATE:
        raise BillingError("The infusion started more than 30 days ago: check the date.")
    try:
        billing_codes.administration_codes(ended_at - started_at)
    except ClinicalError as error:
        raise BillingError(str(error)) from error
    return ended_at - started_at


def _line(
    *,
    patient: Patient,
    kind: str,
    description: str,
    amount: Decimal,
    service_date: date,
    actor: Actor,
    icd10: str,
    code: str = "",
    code_system: str = "",
    code_verified: bool = True,
    units: int = 1,
    **extra: object,
) -> Charge:
    return Charge(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=kind,
        description=description[:160],
        code=code,
        code_system=code_system,
        code_verified=code_verified,
        units=units,
        amount=amount,
        list_amount=amount,
        diagnosis_icd10=icd10,
        service_date=service_date,
        codes_version=billing_codes.billing_codes_version(),
        created_by=actor.user,
        created_at=timezone.now(),
        **extra,
    )


def charges_create_for_infusion(
    *,
    actor: Actor,
    patient: Patient,
    course_order_id: int,
    dose_id: int,
    started_at: datetime,
    ended_at: datetime,
    route: str,
    administered_by: User,
) -> list[Charge]:
    """The charges of one signed infusion (see the module docstring); returns them in order.

    Raises PermissionDenied (role, or another clinic's patient) or BillingError: times not
    aware, stop not after start, in the future or more than 8 h long; the dose not of this
    patient and course order; the dose already charged; a bag ingredient with no price in the
    pharmacy's price list; ``administered_by`` not a nurse or physician of the clinic.
    """
    actor.require("billing.charge_infusion", patient_id=patient.pk)
    own(actor, patient.clinic_id)
    duration = _check_times(started_at, ended_at)
    administration = billing_codes.administration_codes(duration)
    if not Membership.objects.filter(
        user=administered_by,
        clinic=actor.clinic,
        role__in=(Role.NURSE, Role.PHYSICIAN),
        is_active=True,
    ).exists():
        raise BillingError("The infusion must be given by a nurse or physician of this clinic.")
    route = clean_text(route, "The route", max_length=40)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        dose = (
            PlannedDose.objects.select_related("order__signed_by")
            .filter(clinic=actor.clinic, pk=dose_id, patient=locked, order_id=course_order_id)
            .first()
        )
        if dose is None:
            raise BillingError("That dose is not one of this patient's course order.")
        order: CourseOrder = dose.order
        if order.status == CourseOrder.Status.DRAFT:
            raise BillingError("An unsigned course order cannot be charged.")
        settings = settings_for(actor.clinic.pk)
        try:
            bag = compose_bag(order.formula_id, order.volumes_ml())
            cost = bag_cost(bag, price_list(clinic_id=actor.clinic.pk))
        except ClinicalError as error:
            raise BillingError(
                f"The ingredient cost cannot be worked out: {error} "
                "The pharmacy records prices when it receives stock."
            ) from error
        zone = actor.clinic.zone
        service_date = timezone.localtime(started_at, zone).date()
        icd10 = _primary_icd10(locked)
        try:
            with transaction.atomic():
                billing = InfusionBilling.objects.create(
                    clinic=actor.clinic,
                    patient=locked,
                    course_order_id=order.pk,
                    dose_id=dose.pk,
                    started_at=started_at,
                    ended_at=ended_at,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            raise BillingError("This dose has already been charged.") from None
        common = {
            "patient": locked,
            "service_date": service_date,
            "actor": actor,
            "icd10": icd10,
            "course_order_id": order.pk,
            "dose_id": dose.pk,
            "started_at": started_at,
            "ended_at": ended_at,
            "route_id": route,
            "provider": order.signed_by,
            "performed_by": administered_by,
            "infusion": billing,
        }
        lines: list[Charge] = []
        for bag_line, cost_line in zip(bag.lines, cost.lines, strict=True):
            code = billing_codes.drug_code(bag_line.ingredient.id)
            lines.append(
                _line(
                    kind=Charge.Kind.INGREDIENT,
                    description=(
                        f"{bag_line.ingredient.name}, {bag_line.volume_ml.normalize():f} mL"
                    ),
                    amount=round_cents(cost_line.cost),
                    code=code.code if code else "",
                    code_system="HCPCS" if code else "",
                    code_verified=code.verified if code else True,
                    units=code.units(active_mg=bag_line.active_mg, volume_ml=bag_line.volume_ml)
                    if code
                    else 1,
                    **common,  # type: ignore[arg-type]  # the keys match _line's
                )
            )
        lines.append(
            _line(
                kind=Charge.Kind.COMPOUNDING,
                description="Sterile compounding of the IVMT bag",
                amount=settings.compounding_fee,
                **common,  # type: ignore[arg-type]
            )
        )
        fees = {
            "96365": settings.infusion_fee,
            "96366": settings.additional_hour_fee,
            "96374": settings.push_fee,
        }
        for service in administration:
            lines.append(
                _line(
                    kind=Charge.Kind.INFUSION,
                    description=service.code.description,
                    amount=fees[service.code.code] * service.units,
                    code=service.code.code,
                    code_system="CPT",
                    code_verified=service.code.verified,
                    units=service.units,
                    **common,  # type: ignore[arg-type]
                )
            )
        package = (
            PatientPackage.objects.select_for_update()
            .filter(clinic=actor.clinic, patient=locked, infusions_used__lt=F("infusions_total"))
            .order_by("sold_at", "id")
            .first()
        )
        if package is not None:
            for line in lines:
                line.amount = Decimal("0.00")
                line.package_use = package
            package.infusions_used += 1
            package.save(update_fields=["infusions_used"])
        for line in lines:
            line.save()
        total = sum((line.amount for line in lines), Decimal(0))
        codes = ", ".join(f"{s.code.code}x{s.units}" for s in administration)
        audit(
            actor,
            "billing.charge_infusion",
            patient_id=locked.pk,
            obj=billing,
            detail=f"dose {dose.pk}; {codes}; {len(lines)} lines; total {total}"
            + ("; package" if package else ""),
        )
    return lines


def charge_add(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    description: str,
    amount: object,
    service_date: date,
    code: str = "",
) -> Charge:
    """A charge added by hand: an office visit (at the price list's fee when ``amount`` is
    None) or another item. Refused for a date in the future or more than a year back."""
    actor.require("billing.charge", patient_id=patient.pk)
    own(actor, patient.clinic_id)
    if kind not in MANUAL_KINDS:
        raise BillingError("Choose an office visit or another item.")
    settings = settings_for(actor.clinic.pk)
    if kind == Charge.Kind.OFFICE_VISIT:
        amount = settings.office_visit_fee if amount in (None, "") else amount
        code = code or settings.office_visit_code
        description = description or "Office visit"
    value = money(amount, "The amount", allow_zero=False)
    description = clean_text(description, "The description", max_length=160)
    code = clean_text(code, "The code", max_length=5, required=False).upper()
    if code and not (code.isalnum() and len(code) == 5):
        raise BillingError("A CPT or HCPCS code has five letters or digits, e.g. 99213.")
    today = timezone.localdate(timezone=actor.clinic.zone)
    if service_date > today:
        raise BillingError("The service date cannot be in the future.")
    if service_date < today - timedelta(days=366):
        raise BillingError("The service date is more than a year ago: check the year.")
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        charge = _line(
            patient=locked,
            kind=kind,
            description=description,
            amount=value,
            service_date=service_date,
            actor=actor,
            icd10=_primary_icd10(locked),
            code=code,
            code_system="CPT" if code and code.isdigit() else ("HCPCS" if code else ""),
            code_verified=not code or code == settings.office_visit_code,
            provider=None,
        )
        charge.save()
        audit(
            actor, "billing.charge_add", patient_id=locked.pk, obj=charge, detail=f"{kind} {value}"
        )
    return charge


def charge_void(*, actor: Actor, charge_id: int, reason: str) -> Charge:
    """Void a charge entered in error; the row stays, with who, when and why.

    A line of an infusion voids the infusion's lines together (and gives back the package
    infusion it used), so that the dose can be charged again from a corrected chart.
    """
    actor.require("billing.charge")
    reason = clean_text(reason, "The reason", max_length=200)
    if len(reason) < 5:
        raise BillingError("Give the reason in a few words.")
    with transaction.atomic():
        charge = (
            Charge.objects.select_for_update().filter(clinic=actor.clinic, pk=charge_id).first()
        )
        if charge is None:
            raise BillingError("That charge is not one of this clinic's.")
        if charge.voided_at is not None:
            raise BillingError("This charge was already voided.")
        if charge.package_sold_id is not None:
            raise BillingError("A package sale is voided with the package, not line by line.")
        now = timezone.now()
        together = [charge]
        if charge.infusion_id is not None:
            together = list(
                Charge.objects.select_for_update()
                .filter(infusion_id=charge.infusion_id, voided_at__isnull=True)
                .order_by("id")
            )
            InfusionBilling.objects.filter(pk=charge.infusion_id).update(voided_at=now)
            if charge.package_use_id is not None:
                package = PatientPackage.objects.select_for_update().get(pk=charge.package_use_id)
                package.infusions_used -= 1
                package.save(update_fields=["infusions_used"])
        for line in together:
            line.voided_at = now
            line.voided_by = actor.user
            line.void_reason = reason
            line.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit(
            actor,
            "billing.charge_void",
            patient_id=charge.patient_id,
            obj=charge,
            detail=f"{charge.kind}; {len(together)} line(s)",
        )
    return charge
