"""Writes to course orders. Each is one audited change inside one transaction.

Lock order (every service that locks more than one row takes them in this order, so two
services can never wait on each other): the patient row, then course orders (the previous
version before its amendment), then planned doses. The pharmacy continues the same order:
planned dose, then compounding record, then stock lots by ascending id.

Signing is the one clinical decision here. It re-computes the plan and the schedule from the
stored draft (never from what a browser sent), asks the screening gate, refuses a draft that
changed since the physician read it (``expected_version``), and needs a written reason when
the plan carries a warning of severity ``warning`` or ``stop``. The reason is stored on the
order and shown on it; the audit row carries only the warning codes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.formulas import formula as formula_by_id
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.clinical.limits import osmolarity_limit
from ivmt.clinical.protocols import Schedule
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.errors import AuditedRefusal, audited_refusals
from ivmt.orders.models import CourseOrder, OrderLine, OrderSettings, PlannedDose, PlannedReview
from ivmt.orders.planning import (
    OrderInput,
    clinic_calendar,
    clinic_today,
    course_schedule,
    infusion_plan,
    order_input,
    osmolarity_limit_id,
    warnings_needing_reason,
)
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient
from ivmt.screening.selectors import screening_gate

# DESIGN: how far ahead a course may start; further is a typo in the year.
MAX_START_AHEAD = timedelta(days=366)
# Bag states in which a dose counts as made from the version it was made to (the pharmacy app
# owns bags and imports this app, so the names are written here rather than imported).
BAG_IN_HAND = ("dispensed", "administered")
BAG_IN_PHARMACY = ("prepared", "verified")
LIVE_STATUSES = (CourseOrder.Status.DRAFT, CourseOrder.Status.SIGNED)


def _audit(
    actor: Actor,
    action: str,
    order: CourseOrder,
    detail: str = "",
    outcome: str = AuditEvent.Outcome.OK,
) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=order.patient_id,
        object_type="courseorder",
        object_id=order.pk,
        ip=actor.ip,
        detail=detail,
        outcome=outcome,
    )


def _own(actor: Actor, clinic_id: int) -> None:
    # Selectors scope by clinic already; this guards services called from elsewhere.
    if clinic_id != actor.clinic.pk:
        raise PermissionDenied("This record is not in your clinic.")


def _check_start(actor: Actor, chosen: OrderInput, previous: CourseOrder | None) -> None:
    today = clinic_today(actor.clinic)
    same_series = previous is not None and chosen.start_date == previous.start_date
    if chosen.start_date < today and not same_series:
        raise ValidationError(
            {"start_date": "The course cannot start in the past; choose today or later."}
        )
    if chosen.start_date > today + MAX_START_AHEAD:
        raise ValidationError(
            {"start_date": "The start is more than a year ahead; check the year."}
        )


def _checked(
    actor: Actor, chosen: OrderInput, previous: CourseOrder | None = None
) -> tuple[InfusionPlan, Schedule]:
    """The plan and schedule of ``chosen``; any clinical error becomes a ValidationError."""
    _check_start(actor, chosen, previous)
    try:
        plan = infusion_plan(chosen, osmolarity_limit_id(actor.clinic))
        schedule = course_schedule(chosen, clinic_calendar(actor.clinic))
    except ClinicalError as error:
        raise ValidationError(str(error)) from error
    return plan, schedule


def _write_lines(order: CourseOrder, chosen: OrderInput) -> None:
    order.lines.all().delete()
    components = formula_by_id(chosen.formula_id).components
    OrderLine.objects.bulk_create(
        OrderLine(
            clinic_id=order.clinic_id,
            order=order,
            position=position,
            ingredient_id=component.ingredient.id,
            volume_ml=Decimal(chosen.volumes_ml.get(component.ingredient.id, Decimal(0))),
        )
        for position, component in enumerate(components, start=1)
    )


def _apply(order: CourseOrder, chosen: OrderInput) -> None:
    order.formula_id = chosen.formula_id
    order.route_id = chosen.route_id
    order.duration_min = chosen.duration_min
    order.into_saline_ml = chosen.into_saline_ml
    order.flush_saline_ml = chosen.flush_saline_ml
    order.protocol_id = chosen.protocol_id
    order.start_date = chosen.start_date
    order.phase_doses = dict(chosen.phase_doses)
    order.phase_intervals = dict(chosen.phase_intervals)


def course_order_draft(*, actor: Actor, patient: Patient, chosen: OrderInput) -> CourseOrder:
    """Start a new course for ``patient`` as an unsigned draft (revision 1)."""
    actor.require("orders.prescribe", patient_id=patient.pk)
    _own(actor, patient.clinic_id)
    _checked(actor, chosen)
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=patient.pk)
        live = (
            CourseOrder.objects.filter(patient=patient, status__in=LIVE_STATUSES)
            .order_by("-created_at")
            .first()
        )
        if live is not None:
            raise ValidationError(
                "This patient already has a signed course: change that order instead of "
                "starting another."
                if live.status == CourseOrder.Status.SIGNED
                else "This patient already has an unsigned draft: open and finish it, or "
                "discard it first."
            )
        order = CourseOrder(clinic=actor.clinic, patient=patient, created_by=actor.user)
        _apply(order, chosen)
        order.save()
        _write_lines(order, chosen)
        _audit(actor, "order.draft", order)
    return order


def course_order_update(
    *, actor: Actor, order: CourseOrder, expected_version: int, chosen: OrderInput
) -> CourseOrder:
    """Save changes to a draft; EditConflict if someone saved it after ``expected_version``."""
    actor.require("orders.prescribe", patient_id=order.patient_id)
    _own(actor, order.clinic_id)
    with transaction.atomic():
        current = CourseOrder.objects.select_for_update().get(pk=order.pk)
        _refuse_unless_current_draft(current, expected_version)
        _checked(actor, chosen, current.previous)
        _apply(current, chosen)
        current.version += 1
        current.save()
        _write_lines(current, chosen)
        _audit(actor, "order.update", current, detail=f"version {current.version}")
    return current


def _refuse_unless_current_draft(order: CourseOrder, expected_version: int) -> None:
    if order.status != CourseOrder.Status.DRAFT:
        raise ValidationError(
            f"This order is {order.get_status_display().lower()} and can no longer be changed. "
            "A change to a signed order is a new version: use “Change this order”."
        )
    if order.version != expected_version:
        raise EditConflict(
            "Someone changed this draft after you opened it. Nothing was saved: reload to see "
            "the current draft, then make your change again."
        )


def course_order_amend(
    *, actor: Actor, order: CourseOrder, chosen: OrderInput, reason: str
) -> CourseOrder:
    """A new draft version of a signed order, linked to it, with the reason for the change."""
    actor.require("orders.prescribe", patient_id=order.patient_id)
    _own(actor, order.clinic_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"change_reason": "Say why the order changes."})
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=order.patient_id)
        current = CourseOrder.objects.select_for_update().get(pk=order.pk)
        if current.status != CourseOrder.Status.SIGNED:
            raise ValidationError(
                "Only the current signed version of a course can be changed; this one is "
                f"{current.get_status_display().lower()}."
            )
        if current.amendments.filter(status=CourseOrder.Status.DRAFT).exists():
            raise ValidationError(
                "A change to this order is already drafted: open and finish it, or discard it."
            )
        _checked(actor, chosen, current)
        amendment = CourseOrder(
            clinic=actor.clinic,
            patient_id=current.patient_id,
            previous=current,
            revision=current.revision + 1,
            change_reason=reason[:200],
            created_by=actor.user,
        )
        _apply(amendment, chosen)
        try:
            with transaction.atomic():
                amendment.save()
        except IntegrityError:
            raise ValidationError(
                "A change to this order was drafted at the same moment; open that one."
            ) from None
        _write_lines(amendment, chosen)
        _audit(actor, "order.amend", amendment, detail=f"revision {amendment.revision}")
    return amendment


def course_order_discard(*, actor: Actor, order: CourseOrder, expected_version: int) -> None:
    actor.require("orders.prescribe", patient_id=order.patient_id)
    _own(actor, order.clinic_id)
    with transaction.atomic():
        current = CourseOrder.objects.select_for_update().get(pk=order.pk)
        _refuse_unless_current_draft(current, expected_version)
        current.status = CourseOrder.Status.DISCARDED
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
        _audit(actor, "order.discard", current)


def course_order_sign(
    *,
    actor: Actor,
    order: CourseOrder,
    expected_version: int,
    override_reason: str = "",
) -> CourseOrder:
    """Sign a draft: the physician's order for the course. See the module docstring.

    Raises PermissionDenied (not a physician), EditConflict (the draft changed) or
    ValidationError (no approved current screening, a warning without a reason, the start
    passed, another signed course, a bag of the previous version still in the pharmacy).
    """
    actor.require("orders.prescribe", patient_id=order.patient_id)
    _own(actor, order.clinic_id)
    override_reason = override_reason.strip()
    with audited_refusals(actor), transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=order.patient_id)
        current = CourseOrder.objects.select_for_update().get(pk=order.pk)
        _refuse_unless_current_draft(current, expected_version)
        previous = (
            CourseOrder.objects.select_for_update().get(pk=current.previous_id)
            if current.previous_id
            else None
        )
        gate = screening_gate(patient=patient)
        if not gate.allowed:
            raise AuditedRefusal(
                f"Signing needs an approved, current screening of this patient: {gate.reason}",
                action="order.sign",
                detail="no approved current screening",
                patient_id=current.patient_id,
                object_type="courseorder",
                object_id=current.pk,
            )
        # A new course (not an amendment of a running one) needs the treatment consent and the
        # financial waiver signed in their current versions (billing app, issue 9).
        from ivmt.billing.selectors import consent_gate

        consent = consent_gate(patient=patient) if previous is None else None
        if consent is not None and not consent.allowed:
            raise AuditedRefusal(
                f"Signing needs the patient's signed consent documents: {consent.reason}.",
                action="order.sign",
                detail="consent missing: " + ", ".join(consent.missing),
                patient_id=current.patient_id,
                object_type="courseorder",
                object_id=current.pk,
            )
        # The plan is computed from the stored draft, never from the browser's copy.
        chosen = order_input(current)
        plan, schedule = _checked(actor, chosen, previous)
        needs_reason = warnings_needing_reason(plan)
        if needs_reason and not override_reason:
            raise ValidationError(
                {
                    "override_reason": "The plan has warnings that need your written reason "
                    f"to sign ({', '.join(needs_reason)}); give it, or change the order."
                }
            )
        _refuse_second_course(patient, current, previous)
        kept = _retire_previous(actor, previous, current) if previous else set()
        today = clinic_today(actor.clinic)
        PlannedDose.objects.bulk_create(
            PlannedDose(
                clinic_id=current.clinic_id,
                order=current,
                patient_id=current.patient_id,
                number=dose.number,
                phase_id=dose.phase_id,
                nominal_date=dose.nominal_date,
                date=dose.date,
            )
            for dose in schedule.doses
            if dose.number not in kept and (previous is None or dose.date >= today)
        )
        PlannedReview.objects.bulk_create(
            PlannedReview(
                clinic_id=current.clinic_id,
                order=current,
                review_id=review.id,
                name=review.name,
                nominal_date=review.nominal_date,
                date=review.date,
            )
            for review in schedule.reviews
        )
        current.status = CourseOrder.Status.SIGNED
        current.signed_by = actor.user
        current.signed_at = timezone.now()
        current.osmolarity_limit_id = plan.osmolarity_limit.id
        current.knowledge_version = plan.knowledge_version
        current.screening_run_id = gate.run_id
        current.screening_knowledge_version = gate.knowledge_version
        current.warnings = [
            {"code": w.code, "severity": w.severity, "message": w.message} for w in plan.warnings
        ]
        current.override_reason = override_reason if needs_reason else ""
        current.version += 1
        current.save()
        detail = f"revision {current.revision}; screening run {gate.run_id}"
        if needs_reason:
            detail += "; signed over " + ", ".join(needs_reason)
        _audit(actor, "order.sign", current, detail)
    return current


def _refuse_second_course(
    patient: Patient, order: CourseOrder, previous: CourseOrder | None
) -> None:
    others = CourseOrder.objects.filter(patient=patient, status=CourseOrder.Status.SIGNED).exclude(
        pk__in=[order.pk, previous.pk if previous else 0]
    )
    if others.exists():
        raise ValidationError(
            "This patient already has another signed course; change or stop it instead."
        )
    if previous is not None and previous.status != CourseOrder.Status.SIGNED:
        raise ValidationError(
            f"The version this change replaces is {previous.get_status_display().lower()}; "
            "it can no longer be changed."
        )


def _retire_previous(actor: Actor, previous: CourseOrder, amendment: CourseOrder) -> set[int]:
    """Supersede the previous version; the dose numbers that stay with it (bag in hand)."""
    today = clinic_today(actor.clinic)
    planned = PlannedDose.objects.filter(order=previous, status=PlannedDose.Status.PLANNED)
    doses = list(planned.select_for_update().order_by("number"))
    # ``bags`` is the reverse relation the pharmacy app declares on its compounding records.
    in_pharmacy = sorted(
        set(planned.filter(bags__status__in=BAG_IN_PHARMACY).values_list("number", flat=True))
    )
    in_hand = set(planned.filter(bags__status__in=BAG_IN_HAND).values_list("number", flat=True))
    if in_pharmacy:
        listed = ", ".join(str(n) for n in in_pharmacy)
        raise ValidationError(
            f"The pharmacy has already prepared the bag for dose {listed} of the current "
            "version. Ask the pharmacy to waste it (reason: order changed), or sign after it "
            "has been given."
        )
    kept: set[int] = set()
    for dose in doses:
        if dose.number in in_hand:
            kept.add(dose.number)
        elif dose.date >= today:
            dose.status = PlannedDose.Status.SUPERSEDED
            dose.save(update_fields=["status"])
        else:
            # A past dose without a bag handed out was not given under this version; it stays
            # in the record as it was, and the new version does not re-plan the past.
            kept.add(dose.number)
    previous.status = CourseOrder.Status.SUPERSEDED
    previous.ended_at = timezone.now()
    previous.ended_by = actor.user
    previous.end_reason = f"Replaced by revision {amendment.revision}"
    previous.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
    _audit(actor, "order.superseded", previous, detail=f"by revision {amendment.revision}")
    return kept


def course_order_stop(*, actor: Actor, order: CourseOrder, reason: str) -> CourseOrder:
    """Stop a signed course: its future doses without a bag are cancelled.

    A bag already made for a future dose stays on record for the pharmacy to waste; the
    pharmacy refuses to verify, dispense or give bags of a stopped course.
    """
    actor.require("orders.prescribe", patient_id=order.patient_id)
    _own(actor, order.clinic_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the course stops."})
    with transaction.atomic():
        Patient.objects.select_for_update().get(pk=order.patient_id)
        current = CourseOrder.objects.select_for_update().get(pk=order.pk)
        if current.status != CourseOrder.Status.SIGNED:
            raise ValidationError(
                f"Only a signed course can be stopped; this one is "
                f"{current.get_status_display().lower()}."
            )
        future = PlannedDose.objects.filter(
            order=current, status=PlannedDose.Status.PLANNED, date__gte=clinic_today(actor.clinic)
        )
        with_bag = set(
            future.filter(bags__status__in=BAG_IN_PHARMACY + BAG_IN_HAND).values_list(
                "pk", flat=True
            )
        )
        for dose in future.select_for_update():
            if dose.pk not in with_bag:
                dose.status = PlannedDose.Status.CANCELLED
                dose.save(update_fields=["status"])
        current.status = CourseOrder.Status.STOPPED
        current.ended_at = timezone.now()
        current.ended_by = actor.user
        current.end_reason = reason[:200]
        current.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
        _audit(actor, "order.stop", current)
    return current


def order_settings_update(
    *, actor: Actor, osmolarity_limit_id: str, expected_version: int
) -> OrderSettings:
    """The medical director chooses the clinic's peripheral osmolarity school."""
    actor.require("orders.configure")
    if not actor.is_medical_director:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="orders.configure",
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not the medical director",
        )
        raise PermissionDenied("Only the clinic's medical director chooses prescribing limits.")
    try:
        limit = osmolarity_limit(osmolarity_limit_id)
    except ClinicalError as error:
        raise ValidationError({"osmolarity_limit_id": str(error)}) from error
    with transaction.atomic():
        current, _ = OrderSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
        if current.version != expected_version:
            raise EditConflict(
                "Someone changed these settings after you opened them. Nothing was saved: "
                "reload and choose again."
            )
        current.osmolarity_limit_id = limit.id
        current.updated_by = actor.user
        current.version += 1
        current.save()
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="orders.configure",
            object_type="ordersettings",
            object_id=current.pk,
            ip=actor.ip,
            detail=f"osmolarity limit {limit.id}",
        )
    return current


# Scheduling (issue 7) books an appointment for a planned dose and records its time here; the
# roles that book, lay out the day or mark a no-show may do so.
SCHEDULING_CAPABILITIES = ("scheduling.book", "scheduling.optimise", "scheduling.checkin")


def planned_dose_schedule(
    *, actor: Actor, dose_id: int, scheduled_at: datetime | None
) -> PlannedDose:
    """Record the appointment booked for a planned dose (``None``: it has none now).

    The dose's ``date`` follows the booked day in the clinic's time zone, so the pharmacy's
    queue lists the dose on the day it is given and checks its bag's beyond-use time against
    the slot. Only a planned dose of a signed course, or one a superseded version kept, is
    booked; the scheduling app checks the protocol interval and the slot itself. Called inside
    the booking's transaction (lock order: patient, course orders, planned doses).
    """
    if not any(actor.may(capability) for capability in SCHEDULING_CAPABILITIES):
        actor.require(SCHEDULING_CAPABILITIES[0])
    with transaction.atomic():
        dose = (
            PlannedDose.objects.select_for_update().filter(clinic=actor.clinic, pk=dose_id).first()
        )
        if dose is None:
            raise PermissionDenied("This dose is not in your clinic.")
        if scheduled_at is not None:
            if timezone.is_naive(scheduled_at):
                raise ValidationError("The appointment time needs a time zone.")
            order_status = CourseOrder.objects.filter(pk=dose.order_id).values_list(
                "status", flat=True
            )[0]
            if dose.status != PlannedDose.Status.PLANNED or order_status not in (
                CourseOrder.Status.SIGNED,
                CourseOrder.Status.SUPERSEDED,
            ):
                raise ValidationError(
                    f"Dose {dose.number} is not planned under a signed order "
                    f"({dose.get_status_display().lower()}); it cannot be booked."
                )
            dose.date = timezone.localdate(scheduled_at, timezone=actor.clinic.zone)
        dose.scheduled_at = scheduled_at
        dose.save(update_fields=["scheduled_at", "date"])
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="dose.schedule",
            patient_id=dose.patient_id,
            object_type="planneddose",
            object_id=dose.pk,
            ip=actor.ip,
            detail="booked" if scheduled_at is not None else "unbooked",
        )
    return dose
