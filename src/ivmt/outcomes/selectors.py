"""Reads of a patient's outcomes. Every one is scoped to the actor's clinic and audited.

The patient's outcomes page loads in a fixed number of queries whatever the number of
responses: the patient (audited by ``patient_get``), indications, the course (three), the
responses, the verdicts and the clinic's loaded wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.db.models import QuerySet
from django.http import Http404

from ivmt.clinical import instruments as catalogue
from ivmt.clinical.assessment_plan import Assessment, assessment_plan, timepoint
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.instruments import Instrument
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.planning import clinic_today
from ivmt.outcomes.charts import ChartPoint, score_chart_svg
from ivmt.outcomes.course import Course, Marker, chart_markers, current_course
from ivmt.outcomes.models import (
    InstrumentWording,
    OutcomeVerdict,
    QuestionnaireResponse,
    Review,
    Timepoint,
)
from ivmt.patients.models import Patient, PatientIndication
from ivmt.patients.selectors import patient_get

PlanStatus = Literal["done", "partly done", "due", "missed", "upcoming"]


@dataclass
class PlanRow:
    assessment: Assessment
    status: PlanStatus
    recorded: list[str]
    missing: list[str]


@dataclass
class Trend:
    instrument: Instrument
    responses: list[QuestionnaireResponse]
    svg: str


@dataclass
class PatientOutcomes:
    patient: Patient
    indications: tuple[str, ...]
    course: Course | None
    plan: list[PlanRow]
    trends: list[Trend]
    responses: list[QuestionnaireResponse]
    verdicts: list[OutcomeVerdict]
    open_alerts: list[QuestionnaireResponse]
    today: date
    markers: list[Marker] = field(default_factory=list)

    @property
    def phase_now(self) -> str | None:
        return self.course.phase_on(self.today) if self.course else None

    @property
    def doses_given(self) -> int:
        """Planned doses dated before today (given, until infusion charting says otherwise)."""
        return self.course.doses_before(self.today) if self.course else 0

    @property
    def due_now(self) -> list[PlanRow]:
        today = self.today
        return [
            r
            for r in self.plan
            if r.status == "due"
            or (
                r.status == "partly done"
                and r.assessment.due_on <= today
                and (r.assessment.timepoint != Timepoint.VISIT or r.assessment.due_on == today)
            )
        ]


def indication_codes(patient: Patient) -> tuple[str, ...]:
    """The patient's indication codes, primary first."""
    return tuple(
        PatientIndication.objects.filter(patient=patient)
        .order_by("-is_primary", "code")
        .values_list("code", flat=True)
    )


def wording_for(clinic_id: int) -> dict[str, dict[str, str]]:
    """The clinic's loaded wording: {instrument id: {item id: text}} (one query)."""
    return {
        w.instrument_id: dict(w.items)
        for w in InstrumentWording.objects.filter(clinic_id=clinic_id)
    }


def _plan(
    codes: tuple[str, ...],
    course: Course | None,
    responses: list[QuestionnaireResponse],
    today: date,
) -> list[PlanRow]:
    if course is not None:
        assessments = assessment_plan(
            indication_codes=codes, doses=course.doses, reviews=course.reviews
        )
    elif codes:
        # No course yet: the baseline can be taken now, before the physician orders.
        assessments = (
            Assessment(
                Timepoint.BASELINE,
                timepoint(Timepoint.BASELINE).name,
                today,
                catalogue.full_set(codes, baseline=True),
            ),
        )
    else:
        assessments = ()
    current = [r for r in responses if not r.entered_in_error]
    rows = []
    for assessment in assessments:
        dose = assessment.dose_number or 0
        recorded = [
            r.instrument_id
            for r in current
            if r.timepoint == assessment.timepoint
            and (r.dose_number == dose or assessment.timepoint not in ("visit", "maintenance"))
        ]
        missing = [i for i in assessment.instruments if i not in recorded]
        status: PlanStatus
        if not missing:
            status = "done"
        elif len(missing) < len(assessment.instruments):
            status = "partly done"
        elif assessment.timepoint == Timepoint.VISIT and assessment.due_on < today:
            # "Side effects since the last visit" asked weeks later means little: a visit
            # check not taken on its day is missed, not owed.
            status = "missed"
        elif assessment.due_on <= today:
            status = "due"
        else:
            status = "upcoming"
        rows.append(PlanRow(assessment, status, recorded, missing))
    return rows


def _trends(
    codes: tuple[str, ...],
    responses: list[QuestionnaireResponse],
    markers: list[Marker],
    today: date,
) -> list[Trend]:
    wanted = list(catalogue.full_set(codes, baseline=False)) if codes else []
    for response in responses:
        if response.instrument_id not in wanted:
            wanted.append(response.instrument_id)
    trends = []
    for instrument_id in wanted:
        try:
            measure = catalogue.instrument(instrument_id)
        except ClinicalError:
            continue  # a response of an instrument since removed from the knowledge base
        if not measure.is_scored:
            continue
        series = [
            r
            for r in responses
            if r.instrument_id == instrument_id and not r.entered_in_error and r.score is not None
        ]
        points = [
            ChartPoint(
                r.answered_on,
                r.score,
                _shown(measure, r),
                alert=r.alert_level in ("warning", "stop"),
            )
            for r in series
            if r.score is not None
        ]
        trends.append(
            Trend(measure, series, score_chart_svg(measure, points, markers, today=today))
        )
    return trends


def _shown(measure: Instrument, response: QuestionnaireResponse) -> str:
    if response.score is None:
        return "—"
    return plain(round_half_up(response.score, measure.score_places))


def patient_outcomes(*, actor: Actor, patient_id: int) -> PatientOutcomes:
    """Everything the patient's outcomes page shows (see the module docstring)."""
    actor.require("outcomes.view", patient_id=patient_id)
    patient = patient_get(actor=actor, patient_id=patient_id, action="outcomes.view")
    codes = indication_codes(patient)
    course = current_course(patient)
    responses = list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("recorded_by", "alert_acknowledged_by")
        .order_by("answered_on", "id")
    )
    today = clinic_today(actor.clinic)
    markers = chart_markers(course, today) + [
        Marker(r.due_on, "decision", f"{r.get_kind_display()}: {r.get_decision_display()}")
        for r in Review.objects.filter(patient=patient).order_by("due_on")
    ]
    verdicts = list(OutcomeVerdict.objects.filter(patient=patient))
    return PatientOutcomes(
        patient=patient,
        indications=codes,
        course=course,
        plan=_plan(codes, course, responses, today),
        trends=_trends(codes, responses, markers, today),
        responses=list(reversed(responses)),
        verdicts=verdicts,
        open_alerts=[r for r in responses if r.needs_physician and not r.entered_in_error],
        today=today,
        markers=markers,
    )


def response_get(*, actor: Actor, response_id: int) -> QuestionnaireResponse:
    """One response of the actor's clinic (with patient); else 404, audited."""
    actor.require("outcomes.view")
    response = (
        QuestionnaireResponse.objects.filter(clinic=actor.clinic, pk=response_id)
        .select_related("patient", "recorded_by", "alert_acknowledged_by")
        .first()
    )
    if response is None:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="outcome.view",
            object_type="questionnaireresponse",
            object_id=response_id,
            outcome=AuditEvent.Outcome.DENIED,
            ip=actor.ip,
            detail="not in this clinic or does not exist",
        )
        raise Http404("No such response.")
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="outcome.view",
        patient_id=response.patient_id,
        object_type="questionnaireresponse",
        object_id=response.pk,
        ip=actor.ip,
    )
    return response


def open_alerts(*, actor: Actor, limit: int = 20) -> list[QuestionnaireResponse]:
    """Responses with an unacknowledged ``stop`` alert, oldest first (physician's queue)."""
    if not actor.may("outcomes.review"):
        return []
    found: QuerySet[QuestionnaireResponse] = (
        QuestionnaireResponse.objects.filter(
            clinic=actor.clinic,
            alert_level="stop",
            alert_acknowledged_at__isnull=True,
            entered_in_error=False,
        )
        .select_related("patient")
        .order_by("recorded_at", "id")
    )
    return list(found[:limit])


def latest_scores(patient: Patient) -> list[QuestionnaireResponse]:
    """The newest scored response per instrument (the chart's outcomes panel; one query)."""
    newest: dict[str, QuestionnaireResponse] = {}
    for response in QuestionnaireResponse.objects.filter(
        patient=patient, entered_in_error=False, score__isnull=False
    ).order_by("answered_on", "id"):
        newest[response.instrument_id] = response
    return list(newest.values())


def due_today(day: date, rows: list[PlanRow]) -> list[PlanRow]:
    return [r for r in rows if r.assessment.due_on <= day and r.status != "done"]


def has_open_alert(patient: Patient) -> bool:
    """Whether a response of the patient waits on a physician (a ``stop`` alert; one query)."""
    return QuestionnaireResponse.objects.filter(
        patient=patient,
        alert_level="stop",
        alert_acknowledged_at__isnull=True,
        entered_in_error=False,
    ).exists()
