"""Reads of course orders. Every one is scoped to the actor's clinic and audited.

A course order another clinic owns, or that does not exist, answers 404 (no hint it exists),
with a denied audit row, exactly as a patient chart does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.infusion_plan import InfusionPlan
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder, OrderSettings, PlannedDose
from ivmt.orders.planning import infusion_plan, order_input, osmolarity_limit_id
from ivmt.patients.models import Patient


def _orders(actor: Actor) -> QuerySet[CourseOrder]:
    return CourseOrder.objects.filter(clinic=actor.clinic)


def course_order_get(
    *, actor: Actor, order_id: int, action: str = "order.view", capability: str = "orders.view"
) -> CourseOrder:
    """The order (with patient and lines), if in the actor's clinic; else 404, audited."""
    actor.require(capability)
    order = (
        _orders(actor)
        .filter(pk=order_id)
        .select_related("patient", "previous", "created_by", "signed_by", "ended_by")
        .prefetch_related("lines")
        .first()
    )
    if order is None:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action=action,
            object_type="courseorder",
            object_id=order_id,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not in this clinic or does not exist",
        )
        raise Http404("No such course order.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=order.patient_id,
        object_type="courseorder",
        object_id=order.pk,
        ip=actor.ip,
    )
    return order


@dataclass
class OrderDetail:
    order: CourseOrder
    plan: InfusionPlan | None
    plan_error: str
    doses: list[PlannedDose]
    history: list[CourseOrder]

    @property
    def live_amendment(self) -> CourseOrder | None:
        return next(
            (o for o in self.history if o.previous_id == self.order.pk and o.status != "discarded"),
            None,
        )


def course_order_detail(*, actor: Actor, order_id: int) -> OrderDetail:
    """The order, its recomputed plan, its doses (with their bags) and every version of it.

    A signed order is recomputed with the osmolarity school it was signed under, a draft with
    the clinic's current one. Fixed number of queries whatever the number of doses.
    """
    order = course_order_get(actor=actor, order_id=order_id)
    limit = order.osmolarity_limit_id or osmolarity_limit_id(actor.clinic)
    try:
        plan, error = infusion_plan(order_input(order), limit), ""
    except ClinicalError as exc:
        plan, error = None, str(exc)
    # ``bags``: the pharmacy's compounding records (newest first by their default ordering).
    doses = list(order.doses.all().order_by("number").prefetch_related("bags"))
    return OrderDetail(
        order=order,
        plan=plan,
        plan_error=error,
        doses=doses,
        history=_history(order),
    )


def _history(order: CourseOrder) -> list[CourseOrder]:
    """Every version of this course, oldest first (the chain through ``previous``)."""
    chain = list(
        CourseOrder.objects.filter(clinic=order.clinic_id, patient=order.patient_id)
        .select_related("signed_by", "created_by")
        .order_by("created_at", "id")
    )
    by_id = {o.pk: o for o in chain}
    root = order
    while root.previous_id and root.previous_id in by_id:
        root = by_id[root.previous_id]
    members = {root.pk}
    for candidate in chain:
        if candidate.previous_id in members:
            members.add(candidate.pk)
    return [o for o in chain if o.pk in members]


def course_orders_for_patient(*, actor: Actor, patient: Patient) -> list[CourseOrder]:
    """Every order of a patient (newest first); the caller has read the patient (audited)."""
    actor.require("orders.view", patient_id=patient.pk)
    if patient.clinic_id != actor.clinic.pk:
        raise Http404("No such patient.")
    return list(
        _orders(actor)
        .filter(patient=patient)
        .select_related("signed_by", "created_by", "previous")
        .order_by("-created_at", "-id")
    )


def drafts_awaiting_signature(*, actor: Actor) -> list[CourseOrder]:
    """The physician's own unsigned drafts, oldest first (for the dashboard)."""
    if not actor.may("orders.prescribe"):
        return []
    return list(
        _orders(actor)
        .filter(status=CourseOrder.Status.DRAFT, created_by=actor.user)
        .select_related("patient")
        .order_by("created_at", "id")[:20]
    )


def order_settings(*, actor: Actor) -> OrderSettings:
    """The clinic's prescribing settings (defaults, unsaved, until the director chooses)."""
    found = OrderSettings.objects.filter(clinic=actor.clinic).first()
    return found or OrderSettings(clinic=actor.clinic)
