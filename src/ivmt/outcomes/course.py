"""The patient's course as the outcomes app needs it, read from the orders app.

A course is a chain of order versions (``CourseOrder.previous``); each signed version stores its
planned doses and review points. A version signed as an amendment only plans the doses from its
signing day on; the doses before it stay with the version they were planned under. So the
series' doses are the *planned* doses of every version of the chain, and its review points are
those of the current (signed) version.

This module is the only place in the outcomes app that reads orders' tables: when infusion
charting (issue 6) arrives, administered doses and adverse events join :func:`chart_markers`
here and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ivmt.clinical.assessment_plan import PlannedDose as PlanDose
from ivmt.clinical.assessment_plan import PlannedReview as PlanReview
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.protocols import protocol as protocol_by_id
from ivmt.orders.models import CourseOrder, PlannedDose, PlannedReview
from ivmt.patients.models import Patient

LIVE = (CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED, CourseOrder.Status.STOPPED)
MarkerKind = Literal["dose_planned", "dose_given", "adverse_event", "review", "decision"]


@dataclass(frozen=True)
class Course:
    """The current course: its signed (or stopped) version and its whole series."""

    order: CourseOrder
    protocol_name: str
    doses: tuple[PlanDose, ...]
    reviews: tuple[PlanReview, ...]
    review_names: dict[str, str]

    @property
    def is_active(self) -> bool:
        return self.order.status == CourseOrder.Status.SIGNED

    @property
    def start(self) -> date | None:
        return self.doses[0].date if self.doses else None

    def phase_on(self, day: date) -> str | None:
        """The phase of the next dose on or after ``day`` (None when none is planned)."""
        upcoming = [d for d in self.doses if d.date >= day]
        return upcoming[0].phase_id if upcoming else None

    def doses_before(self, day: date) -> int:
        return sum(1 for d in self.doses if d.date < day)


@dataclass(frozen=True)
class Marker:
    """A dated event drawn on the trend charts."""

    day: date
    kind: MarkerKind
    label: str


def current_course(patient: Patient) -> Course | None:
    """The patient's signed course, else their most recently stopped one, else None.

    Three queries whatever the length of the series.
    """
    orders = list(
        CourseOrder.objects.filter(patient=patient, status__in=LIVE).order_by("-created_at", "-id")
    )
    head = next((o for o in orders if o.status == CourseOrder.Status.SIGNED), None) or next(
        (o for o in orders if o.status == CourseOrder.Status.STOPPED), None
    )
    if head is None:
        return None
    by_id = {o.pk: o for o in orders}
    chain = [head.pk]
    cursor = head
    while cursor.previous_id is not None and cursor.previous_id in by_id:
        cursor = by_id[cursor.previous_id]
        chain.append(cursor.pk)
    doses = PlannedDose.objects.filter(
        order_id__in=chain, status=PlannedDose.Status.PLANNED
    ).order_by("date", "number")
    reviews = list(PlannedReview.objects.filter(order=head).order_by("date", "review_id"))
    try:
        name = protocol_by_id(head.protocol_id).name
    except ClinicalError:
        name = head.protocol_id
    return Course(
        order=head,
        protocol_name=name,
        doses=tuple(PlanDose(d.number, d.phase_id, d.date) for d in doses),
        reviews=tuple(PlanReview(r.review_id, r.date) for r in reviews),
        review_names={r.review_id: r.name for r in reviews},
    )


def chart_markers(course: Course | None, today: date) -> list[Marker]:
    """Dose dates for the charts: planned doses until infusion charting records given ones.

    Issue 6 adds administered infusions (``dose_given``) and adverse events here.
    """
    if course is None:
        return []
    return [
        Marker(
            d.date,
            "dose_planned",
            f"Dose {d.number} planned" + ("" if d.date >= today else " (given: not yet charted)"),
        )
        for d in course.doses
    ]
