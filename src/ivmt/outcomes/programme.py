"""The programme page: the clinic's outcomes as database aggregates, never loops over patients.

Each figure is one grouped query (``values(...).annotate(...)``); Python only walks the grouped
rows (indications x time points), whose number does not grow with the number of patients, and
turns counts into Wilson intervals and summaries into paired t-tests (``statistics``). The
page therefore makes the same number of queries for 3 patients or 3,000
(``tests/outcomes/test_programme.py`` holds it to that).

Sources of each figure:

* patients by primary indication and phase: the phase of the next planned dose of the signed
  course (orders), else "completed" (signed, nothing left to give), "stopped" or "no course";
* responder rates at week 6 and end of loading: the primary response rule's verdicts
  (``OutcomeVerdict``) with Wilson 95 % intervals;
* mean change from baseline with a paired t-test per indication, instrument and time point
  (``OutcomeChange``: count, means and the sample standard deviation in SQL);
* patient-reported side effects per 1,000 post-infusion checks, by type (the side-effect
  checklist, counted in SQL with JSON key lookups);
* adverse events per 1,000 infusions and infusions given per month come from infusion charting
  (issue 6): until it is installed the page says so and shows planned doses per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from ivmt.clinical import indications as indication_catalogue
from ivmt.clinical import instruments as catalogue
from ivmt.clinical import response_rules
from ivmt.clinical.errors import ClinicalError
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.outcomes.models import OutcomeChange, OutcomeVerdict, QuestionnaireResponse, Timepoint
from ivmt.outcomes.statistics import PairedTest, Proportion, paired_t, wilson_interval
from ivmt.patients.models import Patient, PatientIndication

REVIEW_TIMEPOINTS = (Timepoint.WEEK_6, Timepoint.END_OF_LOADING)
PHASE_ORDER = ("no_course", "loading", "treatment", "maintenance", "completed", "stopped")
PHASE_LABELS = {
    "no_course": "No signed course",
    "loading": "Loading",
    "treatment": "Treatment",
    "maintenance": "Maintenance",
    "completed": "Series completed",
    "stopped": "Stopped",
}
SIDE_EFFECTS = "side_effects_check"
MONTHS_BACK, MONTHS_AHEAD = 12, 2


@dataclass
class PhaseRow:
    indication: str
    name: str
    counts: list[int]
    total: int


@dataclass
class ResponderRow:
    indication: str
    name: str
    timepoint: str
    rule_name: str
    rule_status: str
    assessed: int
    responders: int
    not_assessable: int
    proportion: Proportion | None


@dataclass
class ChangeRow:
    indication: str
    name: str
    instrument: str
    better: str
    timepoint: str
    n: int
    mean_baseline: Decimal
    mean_current: Decimal
    test: PairedTest


@dataclass
class SideEffectRow:
    item: str
    label: str
    count: int
    per_1000: Decimal | None


@dataclass
class MonthRow:
    month: date
    past: int
    upcoming: int


@dataclass
class Programme:
    phase_columns: list[str]
    phase_rows: list[PhaseRow]
    without_indication: int
    responders: list[ResponderRow]
    changes: list[ChangeRow]
    checks: int
    side_effects: list[SideEffectRow]
    infusions_available: bool
    months: list[MonthRow]


def _name(code: str) -> str:
    try:
        return indication_catalogue.indication(code).name
    except ClinicalError:
        return code


def _phases(actor: Actor) -> tuple[list[str], list[PhaseRow], int]:
    today = clinic_today(actor.clinic)
    next_phase = (
        PlannedDose.objects.filter(
            patient=OuterRef("patient"),
            status=PlannedDose.Status.PLANNED,
            order__status=CourseOrder.Status.SIGNED,
            date__gte=today,
        )
        .order_by("date", "number")
        .values("phase_id")[:1]
    )
    signed = CourseOrder.objects.filter(
        patient=OuterRef("patient"), status=CourseOrder.Status.SIGNED
    )
    stopped = CourseOrder.objects.filter(
        patient=OuterRef("patient"), status=CourseOrder.Status.STOPPED
    )
    phase = Case(
        When(Exists(signed), then=Coalesce(Subquery(next_phase), Value("completed"))),
        When(Exists(stopped), then=Value("stopped")),
        default=Value("no_course"),
        output_field=CharField(),
    )
    grouped = (
        PatientIndication.objects.filter(clinic=actor.clinic, is_primary=True)
        .annotate(phase=phase)
        .values("code", "phase")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, dict[str, int]] = {}
    for row in grouped:
        table.setdefault(row["code"], {})[row["phase"]] = row["n"]
    seen = {p for counts in table.values() for p in counts}
    columns = [p for p in PHASE_ORDER if p in seen] + sorted(seen - set(PHASE_ORDER))
    order = [i.code for i in indication_catalogue.indications()]
    rows = [
        PhaseRow(
            code,
            _name(code),
            [table[code].get(p, 0) for p in columns],
            sum(table[code].values()),
        )
        for code in sorted(table, key=lambda c: order.index(c) if c in order else len(order))
    ]
    without = (
        Patient.objects.filter(clinic=actor.clinic).exclude(indications__is_primary=True).count()
    )
    return columns, rows, without


def _row_order(row: dict[str, object]) -> tuple[int, int, str]:
    """Indications in catalogue order, week 6 before end of loading (grouped rows only)."""
    codes = [i.code for i in indication_catalogue.indications()]
    indication = str(row["indication"])
    position = codes.index(indication) if indication in codes else len(codes)
    timepoint = str(row["timepoint"])
    step = REVIEW_TIMEPOINTS.index(timepoint) if timepoint in REVIEW_TIMEPOINTS else 9
    return position, step, str(row.get("instrument_id") or row.get("rule_id") or "")


def _responders(actor: Actor) -> list[ResponderRow]:
    grouped = (
        OutcomeVerdict.objects.filter(
            clinic=actor.clinic, is_primary=True, timepoint__in=REVIEW_TIMEPOINTS
        )
        .values("indication", "timepoint", "rule_id")
        .annotate(
            responders=Count("id", filter=Q(outcome=OutcomeVerdict.Outcome.RESPONDER)),
            non_responders=Count("id", filter=Q(outcome=OutcomeVerdict.Outcome.NON_RESPONDER)),
            not_assessable=Count("id", filter=Q(outcome=OutcomeVerdict.Outcome.NOT_ASSESSABLE)),
        )
        .order_by()
    )
    rows = []
    for row in sorted(grouped, key=_row_order):
        assessed = row["responders"] + row["non_responders"]
        try:
            rule = response_rules.rule(row["rule_id"])
            rule_name, rule_status = rule.name, str(rule.provenance.status)
        except ClinicalError:
            rule_name, rule_status = row["rule_id"], "unknown"
        rows.append(
            ResponderRow(
                indication=row["indication"],
                name=_name(row["indication"]),
                timepoint=row["timepoint"],
                rule_name=rule_name,
                rule_status=rule_status,
                assessed=assessed,
                responders=row["responders"],
                not_assessable=row["not_assessable"],
                proportion=wilson_interval(row["responders"], assessed),
            )
        )
    return rows


def _decimal(value: object) -> Decimal:
    # SQLite returns floats for aggregates over decimals; PostgreSQL returns Decimals.
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _sample_sd(n: int, total: Decimal, squares: Decimal) -> Decimal | None:
    """Sample standard deviation from n, the sum and the sum of squares (None below 2)."""
    if n < 2:
        return None
    variance = (squares - total * total / n) / (n - 1)
    return max(variance, Decimal(0)).sqrt()


def _changes(actor: Actor) -> list[ChangeRow]:
    grouped = (
        OutcomeChange.objects.filter(clinic=actor.clinic, timepoint__in=REVIEW_TIMEPOINTS)
        .values("indication", "instrument_id", "timepoint")
        .annotate(
            n=Count("id"),
            mean_baseline=Avg("baseline"),
            mean_current=Avg("current"),
            sum_change=Sum("change"),
            # The sum of squares rather than StdDev: SQLite's STDDEV_SAMP raises for one row.
            sum_squares=Sum(F("change") * F("change")),
        )
        .order_by()
    )
    rows = []
    for row in sorted(grouped, key=_row_order):
        try:
            measure = catalogue.instrument(row["instrument_id"])
            label, better = measure.short_name, measure.better
        except ClinicalError:
            label, better = row["instrument_id"], "lower"
        n = row["n"]
        mean = _decimal(row["sum_change"]) / n
        sd = _sample_sd(n, _decimal(row["sum_change"]), _decimal(row["sum_squares"]))
        rows.append(
            ChangeRow(
                indication=row["indication"],
                name=_name(row["indication"]),
                instrument=label,
                better=better,
                timepoint=row["timepoint"],
                n=row["n"],
                mean_baseline=_decimal(row["mean_baseline"]),
                mean_current=_decimal(row["mean_current"]),
                test=paired_t(n=n, mean_change=mean, sd_change=sd),
            )
        )
    return rows


def _side_effects(actor: Actor) -> tuple[int, list[SideEffectRow]]:
    measure = catalogue.instrument(SIDE_EFFECTS)
    counts = QuestionnaireResponse.objects.filter(
        clinic=actor.clinic, instrument_id=SIDE_EFFECTS, entered_in_error=False
    ).aggregate(
        checks=Count("id"),
        **{
            f"n_{item.id}": Count("id", filter=Q(**{f"answers__{item.id}": 1}))
            for item in measure.items
        },
    )
    checks = counts["checks"] or 0
    rows = [
        SideEffectRow(
            item.id,
            item.text or item.id,
            counts[f"n_{item.id}"],
            (Decimal(counts[f"n_{item.id}"]) * 1000 / checks).quantize(Decimal("0.1"))
            if checks
            else None,
        )
        for item in measure.items
    ]
    return checks, rows


def _months(actor: Actor) -> list[MonthRow]:
    today = clinic_today(actor.clinic)
    first = (today.replace(day=1) - timedelta(days=MONTHS_BACK * 31)).replace(day=1)
    last = (today.replace(day=1) + timedelta(days=(MONTHS_AHEAD + 1) * 31)).replace(day=1)
    grouped = (
        PlannedDose.objects.filter(
            clinic=actor.clinic,
            status=PlannedDose.Status.PLANNED,
            date__gte=first,
            date__lt=last,
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            past=Count("id", filter=Q(date__lt=today)),
            upcoming=Count("id", filter=Q(date__gte=today)),
        )
        .order_by("month")
    )
    return [MonthRow(row["month"], row["past"], row["upcoming"]) for row in grouped]


def infusions_available() -> bool:
    """Whether infusion charting (issue 6) is installed; until then no given-infusion counts."""
    from django.apps import apps

    return apps.is_installed("ivmt.infusions")


def programme_figures(*, actor: Actor) -> Programme:
    """Every figure of the programme page in a fixed number of queries (module docstring)."""
    actor.require("outcomes.programme")
    columns, phase_rows, without = _phases(actor)
    checks, side_effects = _side_effects(actor)
    programme = Programme(
        phase_columns=columns,
        phase_rows=phase_rows,
        without_indication=without,
        responders=_responders(actor),
        changes=_changes(actor),
        checks=checks,
        side_effects=side_effects,
        infusions_available=infusions_available(),
        months=_months(actor),
    )
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="outcomes.programme",
        ip=actor.ip,
        detail="aggregates only",
    )
    return programme
