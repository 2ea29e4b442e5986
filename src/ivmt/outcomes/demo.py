"""Demo outcomes: courses under way, baseline and follow-up scores, reviews, a live alert.

Questionnaires, alerts and review decisions go through this app's services (so the audit trail
fills as in real use). Course *history* cannot: the orders services rightly refuse a course that
starts in the past, so the courses that started weeks ago are written as rows, exactly as the
orders services would have written them on their day (a signed version with its planned doses
and review points). A patient who already has a course (from another demo extension) keeps it.

Scores follow a fixed random seed: a baseline in the range typical of the indication, then a
per-patient improvement (some respond, some do not), so the programme page shows real rates.

One more patient is registered for the browser journey (``JOURNEY``: Rosa Whitfield,
fibromyalgia): a course that started six weeks ago, today's electrolytes, a current approved
screening and no questionnaire yet, so that staff can fill her baseline and week-6 FIQR and a
physician can move her to maintenance at the week-6 review. (Every fibromyalgia patient of the
base demo either carries a screening hard stop or has the pharmacy demo's course.)
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from ivmt.clinical.formulas import formula
from ivmt.clinical.instruments import full_set, instrument
from ivmt.clinical.knowledge import knowledge_version
from ivmt.clinical.protocols import expand
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.demo import DemoContext
from ivmt.orders.models import CourseOrder, OrderLine, PlannedDose, PlannedReview
from ivmt.orders.planning import clinic_calendar, clinic_today
from ivmt.outcomes import services
from ivmt.outcomes.reviews import review_sign
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient

JOURNEY = ("Rosa", "Whitfield")
# Patients whose charts carry a screening hard stop (digoxin, CKD 4, myasthenia, levodopa):
# a real clinic would not have started them, so the demo does not either.
NOT_STARTED = {1, 2, 5, 9}
# Weeks since the start of each patient's course (None: no course yet), by demo index.
WEEKS = [7, None, None, 10, 14, 9, 16, 6, 8, 20, 13, 11, 6, 9, 15, 7, 12, 8, 10, 14, 9, 6, 11]


# How often demo patients report each side effect at a visit check (invented for the demo, in
# the order the seeds suggest: heat and vitamin taste common, visual changes rare).
SIDE_EFFECT_ODDS = {
    "heat_sensation": 0.25,
    "vitamin_taste_or_odour": 0.2,
    "limb_pain": 0.08,
    "iv_site_problem": 0.06,
    "lightheaded_or_fainting": 0.05,
    "visual_changes": 0.02,
}


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


class _Answers:
    """Plausible answers of one patient, improving by ``factor`` (1 = no change)."""

    def __init__(self, rng: random.Random, factor: float) -> None:
        self.rng = rng
        self.factor = factor
        self.level = {
            "fiqr": rng.uniform(4.5, 7.5),
            "pain": rng.uniform(5, 8),
            "tender": rng.randint(11, 17),
            "phq": rng.uniform(0.8, 2.0),
            "mmd": rng.randint(6, 14),
            "midas": rng.uniform(3, 9),
            "hit": rng.uniform(0.4, 0.9),
            "act": rng.randint(11, 17),
            "fss": rng.uniform(4.5, 6.5),
        }

    def __call__(self, instrument_id: str, stage: int) -> Mapping[str, int | None]:
        """Answers at ``stage`` (0 baseline, 1 week 6, 2 end of loading)."""
        f = self.factor**stage
        r, lv = self.rng, self.level
        measure = instrument(instrument_id)
        ids = [i.id for i in measure.items]
        if instrument_id == "fiqr":
            return {i: _clip(lv["fiqr"] * f + r.uniform(-1.2, 1.2), 0, 10) for i in ids}
        if instrument_id == "pain_nrs":
            return {"pain_average": _clip(lv["pain"] * f + r.uniform(-0.6, 0.6), 0, 10)}
        if instrument_id == "tender_points":
            painful = _clip(lv["tender"] * f, 0, 18)
            return {site: int(n < painful) for n, site in enumerate(ids)}
        if instrument_id in ("phq9", "gad7"):
            answers = {i: _clip(lv["phq"] * f + r.uniform(-0.7, 0.7), 0, 3) for i in ids}
            if instrument_id == "phq9":
                answers["phq9_9"] = 0
            return answers
        if instrument_id == "monthly_migraine_days":
            migraine = _clip(lv["mmd"] * f + r.uniform(-1, 1), 0, 28)
            return {"migraine_days": migraine, "headache_days": min(28, migraine + r.randint(0, 4))}
        if instrument_id == "midas":
            answers = {i: _clip(lv["midas"] * f + r.uniform(-2, 2), 0, 92) for i in ids[:5]}
            return answers | {"midas_a": _clip(lv["mmd"] * 3 * f, 0, 92), "midas_b": 6}
        if instrument_id == "hit6":
            points = [o.value for o in measure.options]
            return {i: points[_clip(lv["hit"] * f * 4 + r.uniform(-0.8, 0.8), 0, 4)] for i in ids}
        if instrument_id == "act":
            total = _clip(lv["act"] + (1 - f) * 10, 5, 25)
            base, extra = divmod(total, 5)
            return {i: base + (1 if n < extra else 0) for n, i in enumerate(ids)}
        if instrument_id == "fss":
            return {i: _clip(lv["fss"] * f + r.uniform(-0.8, 0.8), 1, 7) for i in ids}
        if instrument_id == "pgic":
            shift = 1 - self.factor**stage
            category = 2 if shift > 0.3 else 3 if shift > 0.12 else 4
            if shift > 0.45:
                category = 1
            return {"pgic_change": category}
        return {}


def _course(patient: Patient, doctor: Actor, start: date, protocol_id: str) -> CourseOrder:
    """A signed course that started on ``start``, written as the orders services write it."""
    choices = {"doses": {"loading": 6}, "intervals": {"maintenance": 28}}
    doses = choices["doses"] if protocol_id == "migraine_article" else {}
    intervals = choices["intervals"] if protocol_id == "migraine_article" else {}
    schedule = expand(
        protocol_id, start, clinic_calendar(doctor.clinic), doses=doses, intervals=intervals
    )
    order = CourseOrder.objects.create(
        clinic=doctor.clinic,
        patient=patient,
        formula_id="seed_recipe",
        route_id="small_bag",
        duration_min=Decimal(45),
        into_saline_ml=Decimal(100),
        protocol_id=protocol_id,
        start_date=schedule.anchor,
        phase_doses=doses,
        phase_intervals=intervals,
        status=CourseOrder.Status.SIGNED,
        created_by=doctor.user,
        signed_by=doctor.user,
        signed_at=timezone.now() - timedelta(days=(clinic_today(doctor.clinic) - start).days + 2),
        osmolarity_limit_id="peripheral_900",
        knowledge_version=knowledge_version(),
    )
    recipe = formula("seed_recipe")
    volumes = recipe.suggested_volumes()
    for position, component in enumerate(recipe.components, start=1):
        OrderLine.objects.create(
            clinic=doctor.clinic,
            order=order,
            position=position,
            ingredient_id=component.ingredient.id,
            volume_ml=volumes[component.ingredient.id],
        )
    for dose in schedule.doses:
        PlannedDose.objects.create(
            clinic=doctor.clinic,
            order=order,
            patient=patient,
            number=dose.number,
            phase_id=dose.phase_id,
            nominal_date=dose.nominal_date,
            date=dose.date,
        )
    for review in schedule.reviews:
        PlannedReview.objects.create(
            clinic=doctor.clinic,
            order=order,
            review_id=review.id,
            name=review.name,
            nominal_date=review.nominal_date,
            date=review.date,
        )
    return order


def _set(codes: list[str], baseline: bool) -> list[str]:
    return list(full_set(tuple(codes), baseline=baseline))


def _record(
    nurse: Actor,
    patient: Patient,
    instrument_id: str,
    answers: Mapping[str, int | None],
    timepoint: str,
    day: date,
    dose: int = 0,
) -> None:
    services.response_record(
        actor=nurse,
        patient=patient,
        instrument_id=instrument_id,
        answers=answers,
        timepoint=timepoint,
        answered_on=day,
        dose_number=dose,
    )


def _approve_screening(doctor: Actor, patient: Patient) -> None:
    """A current, approved screening through the screening services (for the journey)."""
    from ivmt.screening import services as screening
    from ivmt.screening.selectors import knowledge_approval

    if knowledge_approval(clinic_id=doctor.clinic.pk, version=knowledge_version()) is None:
        screening.knowledge_approve(actor=doctor, note="Demo clinic: figures reviewed.")
    run = screening.screening_run_create(actor=doctor, patient=patient)
    decision = "override" if run.hard_stop_count else "approve"
    screening.screening_decide(
        actor=doctor,
        run_id=run.pk,
        decision=decision,
        reason="Reviewed with the patient at the demo clinic.",
    )


def _journey_patient(ctx: DemoContext, doctor: Actor, nurse: Actor) -> Patient:
    front = Actor(user=ctx.users["fran"], clinic=ctx.clinic, role=Role.FRONT_DESK)
    patient = patient_services.patient_register(
        actor=front,
        given_name=JOURNEY[0],
        family_name=JOURNEY[1],
        date_of_birth=clinic_today(ctx.clinic) - timedelta(days=47 * 365),
        sex_at_birth=Patient.Sex.FEMALE,
        phone="+1 860 555 0142",
        indication_codes=("fibromyalgia",),
        primary_indication="fibromyalgia",
    )
    drawn = timezone.now() - timedelta(hours=3)
    for analyte, value, unit in (
        ("magnesium", "2.0", "mg/dL"),
        ("calcium_total", "9.3", "mg/dL"),
        ("potassium", "4.3", "mmol/L"),
        ("creatinine", "0.8", "mg/dL"),
        ("egfr", "96", "mL/min/1.73m2"),
    ):
        patient_services.lab_result_record(
            actor=nurse,
            patient=patient,
            entry=patient_services.LabEntry(
                analyte=analyte, value=Decimal(value), unit=unit, collected_at=drawn
            ),
        )
    # The week-6 review falls on the open day six weeks after the start: today, or the last
    # open day before it (the clinic closes at weekends), so it is due when the demo loads.
    calendar = clinic_calendar(ctx.clinic)
    start = clinic_today(ctx.clinic) - timedelta(weeks=6)
    while not calendar.is_open(start):
        start -= timedelta(days=1)
    _course(patient, doctor, start, "seed_clinic")
    _approve_screening(doctor, patient)
    return patient


def load(ctx: DemoContext) -> None:
    today = clinic_today(ctx.clinic)
    doctor = Actor(
        user=ctx.users["diaz"], clinic=ctx.clinic, role=Role.PHYSICIAN, is_medical_director=True
    )
    nurse = Actor(user=ctx.users["nadia"], clinic=ctx.clinic, role=Role.NURSE)
    rng = random.Random(8062026)  # noqa: S311  # demo data, not security
    side_effects = [i.id for i in instrument("side_effects_check").items]
    for index, patient in enumerate(ctx.patients):
        weeks = WEEKS[index % len(WEEKS)]
        if index in NOT_STARTED or weeks is None:
            continue
        if CourseOrder.objects.filter(patient=patient).exists():
            continue
        codes = list(patient.indications.order_by("-is_primary").values_list("code", flat=True))
        protocol_id = (
            "migraine_article" if codes[:1] == ["migraine"] and index % 2 else "seed_clinic"
        )
        start = today - timedelta(weeks=weeks)
        order = _course(patient, doctor, start, protocol_id)
        anchor = order.start_date
        answers = _Answers(rng, rng.choice([0.4, 0.5, 0.62, 0.75, 0.85, 0.95, 1.0]))
        for instrument_id in _set(codes, baseline=True):
            _record(nurse, patient, instrument_id, answers(instrument_id, 0), "baseline", anchor)
        doses = list(PlannedDose.objects.filter(order=order, date__lt=today).order_by("number"))
        for dose in doses[1:][-4:]:
            _record(
                nurse, patient, "pain_nrs", answers("pain_nrs", 1), "visit", dose.date, dose.number
            )
            felt = {
                item: int(rng.random() < SIDE_EFFECT_ODDS.get(item, 0)) for item in side_effects
            }
            _record(nurse, patient, "side_effects_check", felt, "visit", dose.date, dose.number)
        points = PlannedReview.objects.filter(order=order, date__lte=today).order_by("date")
        for stage, point in enumerate(points, start=1):
            timepoint = "week_6" if point.review_id == "week_6_review" else "end_of_loading"
            for instrument_id in _set(codes, baseline=False):
                _record(
                    nurse,
                    patient,
                    instrument_id,
                    answers(instrument_id, stage),
                    timepoint,
                    point.date,
                )
            if point.date < today:
                review_sign(actor=doctor, point_id=point.pk, decision="continue")
    _journey_patient(ctx, doctor, nurse)
    # A depression patient reports thoughts of self-harm today: the physician's queue shows it.
    depressed = next(
        (p for p in ctx.patients if p.indications.filter(code="depression_anxiety").exists()), None
    )
    if depressed is not None:
        phq = {f"phq9_{n}": 2 for n in range(1, 9)} | {"phq9_9": 1}
        _record(nurse, depressed, "phq9", phq, "unscheduled", today)
