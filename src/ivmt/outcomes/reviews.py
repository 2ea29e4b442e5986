"""The week-6 and end-of-loading reviews: the physician's queue, the review page, the decision.

A review point is a course's ``PlannedReview`` (orders) whose protocol review id maps to the
week-6 or end-of-loading time point (``clinical/data/assessment_schedule.toml``). It is *due*
from its date on, or earlier once answers for that time point are recorded (the patient filled
the week-6 questionnaires at the visit before). It leaves the queue when a physician signs a
``Review`` for it — or signed, the same day, a decision that ended loading (a week-6 "maintenance
now" also settles the end-of-loading review the amended course puts on that date).

Decisions and what they do to the course (through the orders services, so every order rule —
screening gate, warnings, bags already made — still applies):

* continue: nothing changes;
* maintenance every 14 or 28 days: the signed course is amended — loading ends with the loading
  doses dated before today, maintenance follows at the chosen interval — and the amendment is
  signed at once by the reviewing physician (the original override reason carried over);
* stop: the course is stopped with the reason.

Everything happens in one transaction: if the amendment cannot be signed (screening no longer
current, a bag already made), nothing is written and the physician sees why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from ivmt.clinical.assessment_plan import timepoints
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.protocols import ClinicCalendar, Protocol
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder, PlannedDose, PlannedReview
from ivmt.orders.planning import (
    OrderInput,
    clinic_calendar,
    clinic_today,
    course_schedule,
    order_input,
)
from ivmt.outcomes.models import OutcomeVerdict, QuestionnaireResponse, Review
from ivmt.patients.models import Patient

# Answers recorded up to this long before the review date bring the review forward.
EARLY_WITH_ANSWERS = timedelta(days=14)
Decision = Review.Decision
MAINTENANCE_DAYS = {Decision.MAINTENANCE_14: 14, Decision.MAINTENANCE_28: 28}


def review_kinds() -> dict[str, str]:
    """Protocol review id -> review kind, from the assessment schedule's time points."""
    kinds = {}
    for point in timepoints():
        if point.id in Review.Kind.values:
            for review_id in point.protocol_reviews:
                kinds[review_id] = point.id
    return kinds


def _kind_expression() -> Case:
    return Case(
        *(When(review_id=rid, then=Value(kind)) for rid, kind in review_kinds().items()),
        default=Value(""),
        output_field=CharField(),
    )


def _due_points(actor: Actor, today: date) -> QuerySet[PlannedReview]:
    """Unsettled review points of signed courses that are due (see the module docstring).

    Annotated with ``kind`` and ``answered``.
    """
    settled = Review.objects.filter(
        patient_id=OuterRef("order__patient_id"), due_on=OuterRef("date")
    ).filter(Q(kind=OuterRef("kind")) | ~Q(decision=Decision.CONTINUE))
    answered = QuestionnaireResponse.objects.filter(
        patient_id=OuterRef("order__patient_id"),
        timepoint=OuterRef("kind"),
        entered_in_error=False,
        answered_on__gte=OuterRef("order__start_date"),
    )
    return (
        PlannedReview.objects.filter(
            clinic=actor.clinic,
            order__status=CourseOrder.Status.SIGNED,
            review_id__in=list(review_kinds()),
        )
        .annotate(kind=_kind_expression())
        .filter(~Exists(settled))
        .filter(Q(date__lte=today) | (Exists(answered) & Q(date__lte=today + EARLY_WITH_ANSWERS)))
        .annotate(answered=Exists(answered))
        .select_related("order", "order__patient")
    )


@dataclass(frozen=True)
class QueueItem:
    point: PlannedReview
    kind: str
    overdue_days: int
    answered: bool

    @property
    def patient(self) -> Patient:
        return self.point.order.patient


def review_queue(*, actor: Actor, limit: int = 50) -> list[QueueItem]:
    """Review points due (or answered early) and not yet signed, oldest first. One query."""
    if not actor.may("outcomes.review"):
        return []
    today = clinic_today(actor.clinic)
    due = _due_points(actor, today).order_by("date", "id")[:limit]
    return [
        QueueItem(
            p,
            p.kind,  # type: ignore[attr-defined]  # annotated by _points
            max(0, (today - p.date).days),
            p.answered,  # type: ignore[attr-defined]  # annotated by _points
        )
        for p in due
    ]


def review_point_get(*, actor: Actor, point_id: int) -> PlannedReview:
    """A review point of the actor's clinic (any order status); else 404, audited."""
    actor.require("outcomes.review")
    point = (
        PlannedReview.objects.filter(
            clinic=actor.clinic, pk=point_id, review_id__in=list(review_kinds())
        )
        .select_related("order", "order__patient")
        .first()
    )
    if point is None:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="outcome.review_view",
            object_type="plannedreview",
            object_id=point_id,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not in this clinic or does not exist",
        )
        raise Http404("No such review.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="outcome.review_view",
        patient_id=point.order.patient_id,
        object_type="plannedreview",
        object_id=point.pk,
        ip=actor.ip,
    )
    return point


def signed_review(point: PlannedReview) -> Review | None:
    """The review that settled this point, if any."""
    kind = review_kinds()[point.review_id]
    return (
        Review.objects.filter(patient_id=point.order.patient_id, due_on=point.date)
        .filter(Q(kind=kind) | ~Q(decision=Decision.CONTINUE))
        .select_related("signed_by", "resulting_order")
        .first()
    )


@dataclass(frozen=True)
class Option:
    decision: str
    label: str
    allowed: bool
    why_not: str = ""


def _phases(protocol: Protocol) -> tuple[str | None, str | None]:
    """(loading phase id, maintenance phase id) of a protocol; None where it has none."""
    last = protocol.phases[-1]
    if not last.open_ended or len(protocol.phases) < 2:
        return None, None
    return protocol.phases[-2].id, last.id


def _maintenance_input(order: CourseOrder, interval: int, today: date) -> OrderInput:
    """The order input that ends loading today and continues at ``interval`` days."""
    protocol = order.protocol
    if protocol is None:
        raise ValidationError("The course's protocol is no longer in the knowledge base.")
    loading, maintenance = _phases(protocol)
    if loading is None or maintenance is None:
        raise ValidationError(f"{protocol.name} has no maintenance phase to move to.")
    chain = [order.pk]
    cursor = order
    while cursor.previous_id is not None:
        cursor = CourseOrder.objects.only("id", "previous_id").get(pk=cursor.previous_id)
        chain.append(cursor.pk)
    given = PlannedDose.objects.filter(
        order_id__in=chain,
        status=PlannedDose.Status.PLANNED,
        phase_id=loading,
        date__lt=today,
    ).count()
    chosen = order_input(order)
    return replace(
        chosen,
        phase_doses={**chosen.phase_doses, loading: given},
        phase_intervals={**chosen.phase_intervals, maintenance: interval},
    )


def _same_plan(a: OrderInput, b: OrderInput, calendar: ClinicCalendar) -> bool:
    """Whether two inputs give the same dated doses (``{}`` and the defaults are the same)."""
    try:
        first, second = course_schedule(a, calendar), course_schedule(b, calendar)
    except ClinicalError:
        return False
    return [(d.phase_id, d.date) for d in first.doses] == [
        (d.phase_id, d.date) for d in second.doses
    ]


def decision_options(*, actor: Actor, point: PlannedReview) -> list[Option]:
    """The decisions the physician may take here, with the reason a decision is unavailable."""
    order = point.order
    today = clinic_today(actor.clinic)
    options = [Option(Decision.CONTINUE, Decision.CONTINUE.label, True)]
    calendar = clinic_calendar(actor.clinic)
    current = order_input(order)
    for decision, interval in MAINTENANCE_DAYS.items():
        try:
            chosen = _maintenance_input(order, interval, today)
            course_schedule(chosen, calendar)
        except ValidationError as error:
            options.append(Option(decision, decision.label, False, " ".join(error.messages)))
            continue
        except ClinicalError as error:
            options.append(Option(decision, decision.label, False, str(error)))
            continue
        same = _same_plan(chosen, current, calendar)
        options.append(
            Option(decision, decision.label + (" (as already ordered)" if same else ""), True)
        )
    options.append(Option(Decision.STOP, Decision.STOP.label, True))
    return options


def _snapshot(patient_id: int, kind: str) -> list[dict[str, object]]:
    return [
        {
            "rule_id": v.rule_id,
            "is_primary": v.is_primary,
            "outcome": v.outcome,
            "baseline": None if v.baseline is None else str(v.baseline),
            "current": None if v.current is None else str(v.current),
            "change_percent": None if v.change_percent is None else str(v.change_percent),
            "explanation": v.explanation,
        }
        for v in OutcomeVerdict.objects.filter(patient_id=patient_id, timepoint=kind)
    ]


def review_sign(*, actor: Actor, point_id: int, decision: str, reason: str = "") -> Review:
    """Sign the review of one point with its decision, and apply the decision to the course.

    Raises ValidationError with a user-facing message (unknown decision, a stop without a
    reason, the course changed or was already reviewed, the amendment could not be signed);
    PermissionDenied for anyone but a physician.
    """
    actor.require("outcomes.review")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision from the list."})
    reason = reason.strip()
    if decision == Decision.STOP and not reason:
        raise ValidationError({"reason": "Say why the series stops."})
    point = (
        PlannedReview.objects.filter(
            clinic=actor.clinic, pk=point_id, review_id__in=list(review_kinds())
        )
        .select_related("order")
        .first()
    )
    if point is None:
        raise ValidationError("That review point is not in your clinic.")
    kind = review_kinds()[point.review_id]
    label = Review.Kind(kind).label
    today = clinic_today(actor.clinic)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=point.order.patient_id)
        order = CourseOrder.objects.get(pk=point.order_id)
        if order.status != CourseOrder.Status.SIGNED:
            raise ValidationError(
                f"This course is now {order.get_status_display().lower()}: it changed after the "
                "review was opened. Nothing was signed; reload the review."
            )
        already = signed_review(point)
        if already is not None:
            raise ValidationError(
                f"This review was already signed by {already.signed_by.display_name} "
                f"({already.get_decision_display().lower()})."
            )
        resulting: CourseOrder = order
        if decision == Decision.STOP:
            resulting = order_services.course_order_stop(
                actor=actor, order=order, reason=f"{label}: {reason}"
            )
        elif decision in MAINTENANCE_DAYS:
            chosen = _maintenance_input(order, MAINTENANCE_DAYS[Decision(decision)], today)
            try:
                course_schedule(chosen, clinic_calendar(actor.clinic))
            except ClinicalError as error:
                raise ValidationError(str(error)) from error
            if not _same_plan(chosen, order_input(order), clinic_calendar(actor.clinic)):
                amendment = order_services.course_order_amend(
                    actor=actor,
                    order=order,
                    chosen=chosen,
                    reason=f"{label}: {Decision(decision).label.lower()}",
                )
                resulting = order_services.course_order_sign(
                    actor=actor,
                    order=amendment,
                    expected_version=amendment.version,
                    override_reason=order.override_reason,
                )
        review = Review.objects.create(
            clinic=actor.clinic,
            patient=patient,
            order=order,
            review_point=point.review_id,
            kind=kind,
            due_on=point.date,
            decision=decision,
            reason=reason[:200],
            verdicts=_snapshot(patient.pk, kind),
            knowledge_version=knowledge_version(),
            signed_by=actor.user,
            signed_at=timezone.now(),
            resulting_order=resulting,
        )
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="outcome.review_sign",
            patient_id=patient.pk,
            object_type="review",
            object_id=review.pk,
            ip=actor.ip,
            detail=f"{kind}: {decision}; order {order.pk} -> {resulting.pk}",
        )
    return review
